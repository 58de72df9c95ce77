"""The exante Textual app: wires Services into the screens and holds app-wide actions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from exante_tui.core.drafts import DraftContent
from exante_tui.core.errors import Conflict
from exante_tui.core.mime import Attachment
from exante_tui.core.responses import forward_content, reply_content
from exante_tui.core.scheduler import ScheduledSend, Scheduler
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Conversation, EmailMessage
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.file_picker import FilePickerScreen
from exante_tui.tui.screens.help import HelpScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.screens.save_attachment import SaveAttachmentScreen
from exante_tui.tui.screens.schedule import ScheduleScreen
from exante_tui.tui.screens.thread import ThreadScreen
from exante_tui.tui.widgets.attachments import AttachmentPanel

SCHEDULER_INTERVAL = 30.0
"""Seconds between two passes of the background scheduler."""


class ExanteApp(App[None]):
    """The composer. ``clock`` gives "now" for relative times (tests pin it).

    With ``scheduler`` on, a background worker sends due scheduled drafts every
    ``SCHEDULER_INTERVAL`` seconds (and once at start) while the app is open.
    """

    CSS_PATH = "app.tcss"
    TITLE = "exante"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", tooltip="Show every key"),
        Binding(
            "ctrl+q", "quit", "Quit", tooltip="Quit (asks first if a send is running)", show=False
        ),
    ]

    @dataclass
    class SchedulerRan(Message):
        """One pass of the background scheduler finished."""

        results: list[ScheduledSend]

    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], datetime] | None = None,
        scheduler: bool = True,
    ) -> None:
        super().__init__()
        self.services = services
        self.now = clock or services.core.clock
        self.scheduler = Scheduler(services.core) if scheduler else None
        self.sending = 0
        """How many sends are running (quitting asks first while any is)."""

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        if self.scheduler is not None:
            self.run_scheduler()
            self.set_interval(SCHEDULER_INTERVAL, self.run_scheduler)

    # -- background scheduler ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="scheduler")
    def run_scheduler(self) -> None:
        """One scheduler pass in a thread; the results arrive as a SchedulerRan message."""
        assert self.scheduler is not None
        self.post_message(self.SchedulerRan(self.scheduler.run_once()))

    def on_exante_app_scheduler_ran(self, event: SchedulerRan) -> None:
        for result in event.results:
            if isinstance(result.error, Conflict):
                continue  # someone else is sending it and will say so
            subject = self._draft_subject(result)
            if result.error is not None:
                self.notify(
                    f"{subject}: {result.error.message}",
                    title="Scheduled send failed",
                    severity="error",
                    timeout=10,
                )
            elif result.response is not None:
                self.notify(f"{subject}: {result.response.status}", title="Scheduled send")
        if event.results:
            self.reload_lists()

    def _draft_subject(self, result: ScheduledSend) -> str:
        draft = queries.get_draft(self.services.store, result.draft_uid)
        return repr(draft.subject or "(no subject)") if draft else str(result.draft_uid)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "scheduler" and event.state == WorkerState.ERROR:
            self.notify(
                f"The scheduler could not run: {event.worker.error}",
                title="Scheduler",
                severity="error",
            )

    def reload_lists(self) -> None:
        """Refresh the main screen's lists (after a send, a sync or a scheduler pass)."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.reload_lists()

    # -- navigation -------------------------------------------------------------------------------

    def open_compose(
        self, draft_uid: uuid.UUID | None = None, *, account_id: uuid.UUID | None = None
    ) -> None:
        """A new message (from ``account_id`` when given), or the draft ``draft_uid``."""
        if draft_uid is None:
            self.push_screen(ComposeScreen(DraftContent(account_id=account_id)))
            return
        draft, attachments = self.services.drafts.load(draft_uid)
        content = DraftContent(
            account_id=draft.account_id,
            to=list(draft.to),
            cc=list(draft.cc),
            bcc=list(draft.bcc),
            subject=draft.subject,
            body_text=draft.body_text,
            body_html=draft.body_html,
            reply_to_message_uid=draft.reply_to_message_uid,
            context_type=draft.context_type,
            context_id=draft.context_id,
            planned_send_at=draft.planned_send_at,
        )
        self.push_screen(ComposeScreen(content, attachments, draft_uid))

    def open_thread(self, conversation_uid: uuid.UUID) -> None:
        """The thread view of one conversation."""
        self.push_screen(ThreadScreen(conversation_uid))

    def open_forward(
        self, message: EmailMessage, conversation: Conversation, files: list[Attachment]
    ) -> None:
        """Compose a forward of ``message`` carrying its ``files`` (a fresh send)."""
        accounts = queries.list_accounts(self.services.store)
        self.push_screen(ComposeScreen(forward_content(message, conversation, accounts), files))

    def open_reply(
        self, parent: EmailMessage, conversation: Conversation, *, reply_all: bool
    ) -> None:
        """Compose a threaded reply to ``parent``."""
        accounts = queries.list_accounts(self.services.store)
        content = reply_content(parent, conversation, accounts, reply_all=reply_all)
        self.push_screen(ComposeScreen(content))

    # -- app-wide actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Lists", MainScreen.BINDINGS),
            ("Thread", ThreadScreen.BINDINGS),
            ("Save attachment", SaveAttachmentScreen.BINDINGS),
            ("Compose", ComposeScreen.BINDINGS),
            ("Attachments", AttachmentPanel.BINDINGS),
            ("File picker", FilePickerScreen.BINDINGS),
            ("Schedule", ScheduleScreen.BINDINGS),
            ("Send record", OutboxDetailScreen.BINDINGS),
            (
                "Anywhere",
                [
                    *self.BINDINGS,
                    Binding("ctrl+p", "command_palette", "Commands", tooltip="Search every action"),
                ],
            ),
        ]
        self.push_screen(HelpScreen(sections))

    async def action_quit(self) -> None:
        """Quit, saving open drafts; ask first while a send is running."""
        if not self.sending:
            self._flush_and_exit()
            return
        question = "A send is still running. Quit anyway? (its record stays pending)"
        self.push_screen(ConfirmScreen(question), lambda yes: yes and self._flush_and_exit())

    def _flush_and_exit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                screen.save_now()
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists every visible key binding of the current screen, plus the defaults."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"{binding.tooltip or binding.description}  ({binding.key})",
                partial(self.run_action, binding.action, active.node),
            )
