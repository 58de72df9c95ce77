"""The attachments of a message being written: names, sizes, total, Gmail's limit."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, ListItem, ListView

from exante_tui.core.attachments import encoded_size
from exante_tui.core.mime import Attachment
from exante_tui.mail.limits import GMAIL_MAX_MESSAGE_BYTES
from exante_tui.tui.format import human_size


def encoded_total(attachments: list[Attachment]) -> int:
    """Bytes the attachments take inside the message (base64 with line breaks)."""
    return sum(encoded_size(len(a.data)) for a in attachments)


class AttachmentPanel(Vertical):
    """A list of attachments; ``delete`` removes the highlighted one."""

    BINDINGS = [
        Binding("delete,x", "remove", "Remove file", tooltip="Remove the highlighted attachment"),
    ]

    @dataclass
    class Changed(Message):
        """Files were added or removed."""

        panel: AttachmentPanel

    def __init__(self, attachments: list[Attachment], *, id: str) -> None:
        super().__init__(id=id)
        self.attachments = list(attachments)

    def compose(self) -> ComposeResult:
        yield Label("", id="attach-summary")
        yield ListView(id="attach-list")

    def on_mount(self) -> None:
        self._show()

    def add(self, attachment: Attachment) -> None:
        """Append a file."""
        self.attachments.append(attachment)
        self._show()
        self.post_message(self.Changed(self))

    def action_remove(self) -> None:
        index = self.query_one(ListView).index
        if not self.attachments:
            return
        index = min(index or 0, len(self.attachments) - 1)  # focused: the first row counts
        del self.attachments[index]
        self._show()
        self.post_message(self.Changed(self))

    def _show(self) -> None:
        listing = self.query_one(ListView)
        listing.clear()
        for a in self.attachments:
            listing.append(
                ListItem(Label(f"{a.filename}  ({human_size(len(a.data))})", markup=False))
            )
        listing.display = bool(self.attachments)
        if self.attachments:  # a row is highlighted the moment the list has focus
            self.call_after_refresh(setattr, listing, "index", 0)
        total = encoded_total(self.attachments)
        over = total > GMAIL_MAX_MESSAGE_BYTES
        if not self.attachments:
            text = "No attachments (ctrl+o adds one)"
        else:
            raw = sum(len(a.data) for a in self.attachments)
            text = (
                f"{len(self.attachments)} attachment(s), {human_size(raw)} "
                f"({human_size(total)} encoded; Gmail allows {human_size(GMAIL_MAX_MESSAGE_BYTES)})"
            )
        if over:
            text += " — TOO LARGE: Gmail will refuse this message"
        summary = self.query_one("#attach-summary", Label)
        summary.update(text)
        summary.set_class(over, "over-limit")
