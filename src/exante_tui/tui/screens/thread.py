"""One conversation: every message, newest open, with reply and reply all."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Collapsible, Footer, Header, Static

from exante_tui.core.errors import SendError
from exante_tui.display import clean
from exante_tui.store import queries
from exante_tui.store.models import EmailMessage
from exante_tui.tui.format import human_size, literal, local_time, readable_body, relative
from exante_tui.tui.screens.save_attachment import SaveAttachmentScreen, SaveChoice, download_dir

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


def _headers(message: EmailMessage) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("From", literal(message.from_address))
    table.add_row("To", literal(", ".join(message.to)))
    if message.cc:
        table.add_row("Cc", literal(", ".join(message.cc)))
    table.add_row("Date", local_time(message.date))
    if message.attachments:
        files = ", ".join(
            f"{a.get('filename')} ({human_size(int(str(a.get('size', 0))))})"
            for a in message.attachments
        )
        table.add_row("Files", literal(files))
    return table


class ThreadScreen(Screen[None]):
    """The messages of one conversation, oldest first; only the newest starts expanded."""

    app: ExanteApp
    CSS_PATH = "thread.tcss"
    BINDINGS = [
        Binding("r", "reply(False)", "Reply", tooltip="Reply to the sender of the newest message"),
        Binding("R", "reply(True)", "Reply all", tooltip="Reply to everyone on the newest message"),
        Binding("e", "expand(True)", "Expand all", tooltip="Open every message"),
        Binding("E", "expand(False)", "Collapse all", tooltip="Close every message"),
        Binding(
            "a",
            "save_attachment",
            "Save attachment",
            tooltip="Save an attachment of the focused message (else the newest with files)",
        ),
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the lists"),
    ]

    def __init__(self, conversation_uid: uuid.UUID) -> None:
        super().__init__()
        self.conversation_uid = conversation_uid
        self._load()

    def _load(self) -> None:
        store = self.app.services.store
        self.conversation = queries.get_conversation(store, self.conversation_uid)
        self.messages = list(queries.conversation_messages(store, self.conversation_uid))

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="messages"):
            now = self.app.now()
            for n, message in enumerate(self.messages):
                title = f"{message.from_address}  ·  {relative(message.date, now)}"
                newest = n == len(self.messages) - 1
                with Collapsible(
                    title=Content(clean(title)), collapsed=not newest, id=f"message-{n}"
                ):
                    yield Static(_headers(message), classes="headers")
                    yield Static(
                        literal(readable_body(message).rstrip(), body=True), classes="body"
                    )
        yield Footer()

    async def on_screen_resume(self) -> None:
        """Coming back from a reply: show the message just sent."""
        count = len(self.messages)
        self._load()
        if len(self.messages) != count:
            await self.recompose()
            self._present()

    def on_mount(self) -> None:
        self._present()

    def _present(self) -> None:
        """Title, message count, and the newest message in view and focused."""
        self.title = clean(self.conversation.subject) if self.conversation else "Conversation"
        count = len(self.messages)
        self.sub_title = f"{count} message{'' if count == 1 else 's'}"
        collapsibles = list(self.query(Collapsible))
        if collapsibles:
            self.call_after_refresh(collapsibles[-1].scroll_visible, animate=False)
            collapsibles[-1].query_one("CollapsibleTitle").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reply":
            return bool(self.messages)
        if action == "save_attachment":
            return any(message.attachments for message in self.messages)
        return True

    def action_reply(self, reply_all: bool) -> None:
        if self.messages and self.conversation is not None:
            self.app.open_reply(self.messages[-1], self.conversation, reply_all=reply_all)

    def action_expand(self, expand: bool) -> None:
        for collapsible in self.query(Collapsible):
            collapsible.collapsed = not expand

    def _attachment_message(self) -> EmailMessage | None:
        """The focused message if it has attachments, else the newest one that has."""
        focused = self.focused
        for node in focused.ancestors_with_self if focused else []:
            if isinstance(node, Collapsible) and node.id:
                message = self.messages[int(node.id.removeprefix("message-"))]
                if message.attachments:
                    return message
                break
        return next((m for m in reversed(self.messages) if m.attachments), None)

    def action_save_attachment(self) -> None:
        message = self._attachment_message()
        if message is None:
            self.notify("No message here has attachments.")
            return

        def chosen(choice: SaveChoice | None) -> None:
            if choice is not None:
                self._save(message.id, choice)

        self.app.push_screen(SaveAttachmentScreen(message, download_dir()), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="attachment")
    def _save(self, message_uid: uuid.UUID, choice: SaveChoice) -> Path | None:
        """Fetch the attachment from Gmail and write it; the result is a notification."""
        from exante_tui.sync import save_attachment  # loads the Gmail client: on first use

        try:
            written = save_attachment(self.app.services, message_uid, choice.index, choice.path)
        except SendError as exc:
            details = "; ".join(f"{d.field}: {d.message}" for d in exc.details)
            text = f"{exc.message} ({details})" if details else exc.message
            self.app.call_from_thread(
                self.notify, text, title="Not saved", severity="error", timeout=10
            )
            return None
        self.app.call_from_thread(self.notify, str(written), title="Attachment saved")
        return written
