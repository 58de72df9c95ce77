"""Every key of every screen, from the screens' own BINDINGS (so it never drifts)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "delete": "del"}


def _key(binding: Binding) -> str:
    keys = [KEY_NAMES.get(key, key) for key in binding.key.split(",")]
    return " / ".join(keys)


def keys_table(sections: Sequence[tuple[str, Sequence[BindingType]]]) -> Table:
    """A table of section, key and what it does."""
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column(no_wrap=True, style="bold", min_width=14)
    table.add_column()
    for title, bindings in sections:
        table.add_row(title, "", style="bold cyan underline")
        for binding in bindings:
            if isinstance(binding, Binding) and binding.description:
                table.add_row(_key(binding), binding.tooltip or binding.description)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """A modal listing every key; any of escape, q or ? closes it."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close", tooltip="Close help")]

    def __init__(self, sections: Sequence[tuple[str, Sequence[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Label("Keys  (ctrl+p opens the command palette)", classes="title")
            with VerticalScroll():
                yield Static(keys_table(self.sections))
        yield Footer()
