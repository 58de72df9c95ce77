"""Ask which attachment of a received message to save, and where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from exante_tui.store.models import AttachmentMeta, EmailMessage
from exante_tui.tui.format import human_size, literal


@dataclass(frozen=True)
class SaveChoice:
    """Attachment ``index`` (0-based) of the message, to be written to ``path``."""

    index: int
    path: Path


def download_dir() -> Path:
    """``~/Downloads`` when it exists, else the current directory."""
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.cwd()


def _filename(meta: AttachmentMeta, index: int) -> str:
    return str(meta.get("filename") or f"attachment-{index}")


class SaveAttachmentScreen(ModalScreen[SaveChoice | None]):
    """Dismisses with a SaveChoice, or None when cancelled."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Save nothing"),
        Binding("enter", "save", "Save", tooltip="Save the chosen attachment to the path"),
        Binding("tab", "app.focus_next", "Edit path", tooltip="Move between the list and the path"),
    ]

    def __init__(self, message: EmailMessage, directory: Path) -> None:
        super().__init__()
        self.message = message
        self.directory = directory

    def compose(self) -> ComposeResult:
        files = self.message.attachments
        with Vertical(classes="dialog wide"):
            yield Label(
                literal(f"Save an attachment from {self.message.from_address}"), classes="title"
            )
            if len(files) > 1:
                yield OptionList(
                    *(
                        Option(literal(f"{_filename(f, n)}  ({human_size(f['size'])})"))
                        for n, f in enumerate(files)
                    ),
                    id="files",
                )
            yield Label("Save to", classes="question")
            yield Input(str(self.directory / _filename(files[0], 0)), id="path")
        yield Footer()

    def on_mount(self) -> None:
        if len(self.message.attachments) > 1:
            self.query_one("#files", OptionList).highlighted = 0
            self.query_one("#files").focus()
        else:
            self.query_one("#path").focus()

    @property
    def index(self) -> int:
        """The chosen attachment."""
        if len(self.message.attachments) == 1:
            return 0
        return self.query_one("#files", OptionList).highlighted or 0

    @on(OptionList.OptionHighlighted, "#files")
    def _chosen(self) -> None:
        """Keep the typed directory, follow the chosen file's name."""
        path_input = self.query_one("#path", Input)
        folder = Path(path_input.value).expanduser().parent
        name = _filename(self.message.attachments[self.index], self.index)
        path_input.value = str(folder / name)

    @on(OptionList.OptionSelected, "#files")
    @on(Input.Submitted, "#path")
    def action_save(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if path:
            self.dismiss(SaveChoice(self.index, Path(path).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
