"""Pick a file to attach: browse a directory tree or type a path."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Footer, Input, Label


class FilePickerScreen(ModalScreen[Path | None]):
    """Dismisses with the chosen file, or None when cancelled."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Attach nothing")]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Label(
                "Attach a file — type a path and press enter, or pick below", classes="title"
            )
            yield Input(str(self.start) + "/", placeholder="/path/to/file", id="path")
            yield Label("", classes="error", id="path-error")
            yield DirectoryTree(self.start, id="tree")
        yield Footer()

    @on(Input.Submitted, "#path")
    def _typed(self, event: Input.Submitted) -> None:
        path = Path(event.value).expanduser()
        if path.is_file():
            self.dismiss(path)
            return
        error = self.query_one("#path-error", Label)
        error.update(Text(f"{path} is not a file"))
        error.add_class("shown")

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)

    def action_cancel(self) -> None:
        self.dismiss(None)
