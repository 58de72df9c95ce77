"""One conversation: every message, a focus that moves between them, and the actions on
the focused one (reply, reply all, forward, open its HTML or a link, save a file)."""

from __future__ import annotations

import asyncio
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

from exante_tui.core.html_text import message_links, readable_body
from exante_tui.display import clean
from exante_tui.errors import ExanteError
from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.store.models import Conversation, EmailMessage
from exante_tui.tui.browser import open_in_browser, write_private_html
from exante_tui.tui.format import human_size, literal, local_time, relative
from exante_tui.tui.screens.links import LinkPickerScreen
from exante_tui.tui.screens.save_attachment import SaveAttachmentScreen, SaveChoice, download_dir

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


def _headers(message: EmailMessage) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [("From", message.from_address), ("To", ", ".join(message.to))]
    if message.cc:
        rows.append(("Cc", ", ".join(message.cc)))
    rows.append(("Date", local_time(message.date)))
    if message.attachments:
        files = ", ".join(
            f"{a.get('filename')} ({human_size(a['size'])})" for a in message.attachments
        )
        rows.append(("Files", files))
    for label, value in rows:
        table.add_row(label, literal(value))
    return table


def _error_text(exc: ExanteError) -> str:
    details = "; ".join(f"{d.field}: {d.message}" for d in exc.details)
    return f"{exc.message} ({details})" if details else exc.message


def load_thread(
    store: Store, conversation_uid: uuid.UUID
) -> tuple[Conversation | None, list[EmailMessage]]:
    """A conversation and its messages, oldest first (reads the store: call it in a thread)."""
    conversation = queries.get_conversation(store, conversation_uid)
    return conversation, list(queries.conversation_messages(store, conversation_uid))


class ThreadScreen(Screen[None]):
    """The messages of one conversation, oldest first; the newest starts open and focused."""

    app: ExanteApp
    CSS_PATH = "thread.tcss"
    BINDINGS = [
        Binding("j,n", "move(1)", "Next", tooltip="Focus the next message"),
        Binding("k,p", "move(-1)", "Previous", tooltip="Focus the previous message"),
        Binding(
            "space",
            "toggle_message",
            "Open/close",
            tooltip="Expand or collapse the focused message",
        ),
        Binding("r", "reply(False)", "Reply", tooltip="Reply to the focused message's sender"),
        Binding(
            "R", "reply(True)", "Reply all", tooltip="Reply to everyone on the focused message"
        ),
        Binding("f", "forward", "Forward", tooltip="Forward the focused message with its files"),
        Binding("o", "open_html", "Open HTML", tooltip="Open the focused message in a browser"),
        Binding("u", "links", "Links", tooltip="Pick a link of the focused message to open"),
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

    def __init__(
        self,
        conversation_uid: uuid.UUID,
        conversation: Conversation | None,
        messages: list[EmailMessage],
    ) -> None:
        """``conversation`` and ``messages`` as :func:`load_thread` read them (in a thread)."""
        super().__init__()
        self.conversation_uid = conversation_uid
        self.conversation = conversation
        self.messages = messages

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="messages"):
            now = self.app.now()
            for n, message in enumerate(self.messages):
                title = f"{message.from_address}  ·  {relative(message.date, now)}"
                newest = n == len(self.messages) - 1
                # Content keeps stored text plain (never markup); Textual renders it as a
                # title though it annotates title as str.
                plain = Content(clean(title))
                with Collapsible(title=plain, collapsed=not newest, id=f"message-{n}"):  # type: ignore[arg-type]
                    yield Static(_headers(message), classes="headers")
                    yield Static(
                        literal(readable_body(message).rstrip(), body=True), classes="body"
                    )
        yield Footer()

    async def on_screen_resume(self) -> None:
        """Coming back from a reply: show the message just sent."""
        count = len(self.messages)
        store = self.app.services.store
        loaded = await asyncio.to_thread(load_thread, store, self.conversation_uid)
        self.conversation, self.messages = loaded
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
        if self.messages:
            self.focus_message(len(self.messages) - 1)

    # -- focus ----------------------------------------------------------------------------------

    @property
    def focused_index(self) -> int | None:
        """The index of the message holding the focus, if any."""
        focused = self.focused
        for node in focused.ancestors_with_self if focused else []:
            if isinstance(node, Collapsible) and node.id:
                return int(node.id.removeprefix("message-"))
        return None

    @property
    def focused_message(self) -> EmailMessage | None:
        """The focused message, else the newest."""
        index = self.focused_index
        if index is None:
            return self.messages[-1] if self.messages else None
        return self.messages[index]

    def focus_message(self, index: int) -> None:
        """Focus message ``index`` (its title) and scroll it into view."""
        collapsible = self.query_one(f"#message-{index}", Collapsible)
        collapsible.query_one("CollapsibleTitle").focus(scroll_visible=False)
        self.call_after_refresh(collapsible.scroll_visible, animate=False, top=True)

    def action_move(self, step: int) -> None:
        if not self.messages:
            return
        index = self.focused_index
        start = len(self.messages) - 1 if index is None else index
        self.focus_message(max(0, min(len(self.messages) - 1, start + step)))

    def action_toggle_message(self) -> None:
        index = self.focused_index
        if index is not None:
            collapsible = self.query_one(f"#message-{index}", Collapsible)
            collapsible.collapsed = not collapsible.collapsed

    def action_expand(self, expand: bool) -> None:
        for collapsible in self.query(Collapsible):
            collapsible.collapsed = not expand

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("reply", "forward", "open_html", "links", "move", "toggle_message"):
            return bool(self.messages)
        if action == "save_attachment":
            return any(message.attachments for message in self.messages)
        return True

    # -- replying and forwarding ----------------------------------------------------------------

    async def action_reply(self, reply_all: bool) -> None:
        message = self.focused_message
        if message is not None and self.conversation is not None:
            await self.app.open_reply(message, self.conversation, reply_all=reply_all)

    async def action_forward(self) -> None:
        message = self.focused_message
        if message is None or self.conversation is None:
            return
        if not message.attachments:
            await self.app.open_forward(message, self.conversation, [])
            return
        self._forward(message)

    @work(thread=True, exclusive=True, exit_on_error=False, group="forward")
    def _forward(self, message: EmailMessage) -> None:
        """Fetch the message's files (from the store, else Gmail), then open the forward."""
        from exante_tui.sync import message_attachments  # loads the Gmail client: on first use

        def progress(done: int, total: int, filename: str) -> None:
            text = f"{done}/{total}: {filename}"
            self.app.call_from_thread(self.notify, text, title="Fetching attachments", markup=False)

        try:
            files = message_attachments(self.app.services, message.id, progress)
        except ExanteError as exc:
            self.app.call_from_thread(
                self.notify,
                _error_text(exc),
                title="Cannot forward",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        assert self.conversation is not None
        opening = self.app.open_forward(message, self.conversation, files)
        self.app.call_from_thread(self.app.run_worker, opening, group="open")

    # -- HTML and links -------------------------------------------------------------------------

    def action_open_html(self) -> None:
        message = self.focused_message
        if message is None:
            return
        if not message.body_html:
            self.notify("This message has no HTML part.", title="Open HTML")
            return
        path = write_private_html(message.body_html, str(message.id))
        if not open_in_browser(path):
            self.notify(f"No browser could be started; the page is {path}", markup=False)

    def action_links(self) -> None:
        message = self.focused_message
        links = message_links(message) if message else []
        if not links:
            self.notify("This message has no links.", title="Links")
            return

        def chosen(url: str | None) -> None:
            if url is not None and not open_in_browser(url):
                self.notify(f"No browser could be started for {url}", markup=False)

        self.app.push_screen(LinkPickerScreen(links), chosen)

    # -- attachments ----------------------------------------------------------------------------

    def _attachment_message(self) -> EmailMessage | None:
        """The focused message if it has attachments, else the newest one that has."""
        message = self.focused_message if self.focused_index is not None else None
        if message is not None and message.attachments:
            return message
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
        """Fetch the attachment (store or Gmail) and write it; the result is a notification."""
        from exante_tui.sync import save_attachment  # loads the Gmail client: on first use

        try:
            written = save_attachment(self.app.services, message_uid, choice.index, choice.path)
        except ExanteError as exc:
            self.app.call_from_thread(
                self.notify,
                _error_text(exc),
                title="Not saved",
                severity="error",
                timeout=10,
                markup=False,
            )
            return None
        self.app.call_from_thread(self.notify, str(written), title="Attachment saved", markup=False)
        return written
