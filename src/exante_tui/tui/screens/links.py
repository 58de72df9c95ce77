"""Pick one of a message's links to open."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class LinkPickerScreen(ModalScreen[str | None]):
    """The links, numbered as in the message text; dismissed with the chosen URL."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", tooltip="Open nothing")]

    def __init__(self, links: list[str]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Open which link? (enter opens, escape cancels)", classes="title")
            yield OptionList(
                *(
                    Option(Text(f"[{n}] {url}"), id=str(n - 1))
                    for n, url in enumerate(self.links, 1)
                ),
                id="links",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[int(event.option.id or 0)])
