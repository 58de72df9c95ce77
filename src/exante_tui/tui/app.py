"""The exante Textual app: wires Services into the screens and holds app-wide actions."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from exante_tui.core.drafts import DraftContent
from exante_tui.core.mime import Attachment
from exante_tui.core.responses import forward_content, reply_content
from exante_tui.core.scheduler import ScheduledSend, Scheduler
from exante_tui.core.undo_send import send_waiting_now, undo_send
from exante_tui.display import clean
from exante_tui.errors import Conflict
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Conversation, EmailMessage
from exante_tui.tui.background import in_thread
from exante_tui.tui.composing.form import Senders, load_senders
from exante_tui.tui.composing.hold import Held, take_hold
from exante_tui.tui.interpreter import freeze_start_up, restore, share_the_gil
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.file_picker import FilePickerScreen
from exante_tui.tui.screens.help import HelpScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.merges import MergesScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.screens.save_attachment import SaveAttachmentScreen
from exante_tui.tui.screens.schedule import ScheduleScreen
from exante_tui.tui.screens.template_picker import TemplatePickerScreen
from exante_tui.tui.screens.thread import ThreadScreen, load_thread
from exante_tui.tui.waiting import WaitingSend, banner_text
from exante_tui.tui.widgets.attachments import AttachmentPanel

SCHEDULER_INTERVAL = 30.0
"""Seconds between two passes of the background scheduler."""

WAITING_TICK = 1.0
"""Seconds between two looks at the sends waiting in their undo window."""


class ExanteApp(App[None]):
    """The composer. ``clock`` gives "now" for relative times (tests pin it).

    With ``scheduler`` on, a background worker sends due scheduled drafts every
    ``SCHEDULER_INTERVAL`` seconds (and once at start) while the app is open.

    ``send_delay`` is the undo-send window: a send from the composer waits that many
    seconds as a draft due then (any scheduler sends it, so a killed app loses nothing);
    ``u`` undoes it, and quitting sends what waits first. 0 sends at once.
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
        """One pass of the background scheduler finished (``subjects``: each result's draft
        subject, read in the worker's thread)."""

        results: list[ScheduledSend]
        subjects: dict[uuid.UUID, str]

    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], datetime] | None = None,
        scheduler: bool = True,
        send_delay: float = 0.0,
    ) -> None:
        super().__init__()
        self.services = services
        self.now = clock or services.core.clock
        pace = services.pace
        self.scheduler = Scheduler(services.core, pace=pace) if scheduler else None
        self.sender = self.scheduler or Scheduler(services.core, pace=pace)
        """Sends waiting drafts when their window ends (the background scheduler if on)."""
        self.send_delay = send_delay
        self.waiting: dict[uuid.UUID, WaitingSend] = {}
        """Sends in their undo window, oldest first."""
        self._waiting_timer: Timer | None = None
        self._going: set[uuid.UUID] = set()
        self._undoing: set[uuid.UUID] = set()
        self.sending = 0
        """How many sends are running (quitting asks first while any is)."""
        self.farewell: list[str] = []
        """What quitting sent (printed as the app exits)."""
        self._switch_interval = sys.getswitchinterval()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification as literal text: they quote subjects, names and errors from
        other people's mail, which must never act as markup (``[@click=app.quit]``)."""
        super().notify(
            clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False
        )

    def on_mount(self) -> None:
        self._switch_interval = share_the_gil()
        self.push_screen(MainScreen())
        if self.scheduler is not None:
            self.run_scheduler()
            self.set_interval(SCHEDULER_INTERVAL, self.run_scheduler)

    def on_ready(self) -> None:
        freeze_start_up()

    def on_unmount(self) -> None:
        restore(self._switch_interval)

    # -- background scheduler ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="scheduler")
    def run_scheduler(self) -> None:
        """One scheduler pass in a thread; the results arrive as a SchedulerRan message."""
        assert self.scheduler is not None
        self.post_message(self._ran(self.scheduler.run_once()))

    def _ran(self, results: list[ScheduledSend]) -> SchedulerRan:
        """The message of a scheduler pass, with the subjects it names (call it in a thread)."""
        return self.SchedulerRan(results, {r.draft_uid: self._draft_subject(r) for r in results})

    # -- undo-send ---------------------------------------------------------------------------

    def add_waiting(self, send: WaitingSend) -> None:
        """A send queued by the composer: tick until it goes, and show the banner."""
        self.waiting[send.draft_uid] = send
        if self._waiting_timer is None:
            self._waiting_timer = self.set_interval(WAITING_TICK, self._tick_waiting)
        self._show_waiting()

    def _tick_waiting(self) -> None:
        now = self.now()
        due = [w.draft_uid for w in self.waiting.values() if w.due <= now]
        due = [uid for uid in due if uid not in self._going and uid not in self._undoing]
        if due:
            self._going.update(due)
            self._send_waiting(due)
        self._show_waiting()

    @work(thread=True, exit_on_error=False, group="waiting")
    def _send_waiting(self, draft_uids: list[uuid.UUID]) -> None:
        """Send drafts whose window ended; drop those sent or taken by someone else."""
        try:
            results = self.sender.run_once(only=draft_uids)
            done = {r.draft_uid for r in results} | {
                uid for uid in draft_uids if not queries.undo_window_open(self.services.store, uid)
            }
            self.call_from_thread(self._waiting_done, done)
            self.post_message(self._ran(results))
        finally:
            self.call_from_thread(self._forget_going, draft_uids)

    def _forget_going(self, draft_uids: list[uuid.UUID]) -> None:
        self._going.difference_update(draft_uids)

    def _waiting_done(self, draft_uids: set[uuid.UUID]) -> None:
        for uid in draft_uids:
            self.waiting.pop(uid, None)
        if not self.waiting and self._waiting_timer is not None:
            self._waiting_timer.stop()
            self._waiting_timer = None
        self._show_waiting()

    def _show_waiting(self) -> None:
        text = banner_text(list(self.waiting.values()), self.now())
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.show_banner(text)

    def undo_send(self) -> None:
        """Cancel the newest waiting send (in a thread; a second press takes the one before)."""
        sends = [w for w in self.waiting.values() if w.draft_uid not in self._undoing]
        if sends:
            send = sends[-1]
            self._undoing.add(send.draft_uid)
            in_thread(self, partial(self._undo, send), partial(self._undone, send), group="undo")

    def _undo(self, send: WaitingSend) -> bool:
        """Take ``send`` back to Drafts (in a thread); False when it already went."""
        now = self.services.core.clock()
        return undo_send(self.services.store, send.draft_uid, send.previous, now)

    def _undone(self, send: WaitingSend, undone: bool) -> None:
        self._undoing.discard(send.draft_uid)
        subject = repr(send.subject or "(no subject)")
        if undone:
            self.notify(f"{subject} is back in Drafts, unsent.", title="Send undone")
            self._waiting_done({send.draft_uid})
        else:
            self.notify(f"Too late: {subject} is being sent.", title="Undo", severity="warning")
        self.reload_lists()

    def on_exante_app_scheduler_ran(self, event: SchedulerRan) -> None:
        for result in event.results:
            if isinstance(result.error, Conflict):
                continue  # someone else is sending it and will say so
            subject = event.subjects[result.draft_uid]
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

    async def open_compose(
        self, draft_uid: uuid.UUID | None = None, *, account_id: uuid.UUID | None = None
    ) -> None:
        """A new message (from ``account_id`` when given), or the draft ``draft_uid``, read in
        a thread; await it so keys typed next land in it."""
        if draft_uid is None:
            senders = await asyncio.to_thread(load_senders, self.services.store, account_id)
            await self.push_screen(
                ComposeScreen(DraftContent(account_id=account_id), [], None, senders)
            )
            return
        send = self.waiting.get(draft_uid)
        if send is not None and draft_uid not in self._undoing:  # taken back to edit
            self._undoing.add(draft_uid)
            self._undone(send, await asyncio.to_thread(self._undo, send))
        loaded = await asyncio.to_thread(self._load_draft, draft_uid)
        await self.push_screen(ComposeScreen(*loaded))

    def _load_draft(
        self, draft_uid: uuid.UUID
    ) -> tuple[DraftContent, list[Attachment], uuid.UUID, Senders, Held]:
        """A draft's content, files and senders, and the hold on it (in a thread)."""
        draft, attachments = self.services.drafts.load(draft_uid)
        content = DraftContent.model_validate(draft)
        senders = load_senders(self.services.store, draft.account_id)
        return content, attachments, draft_uid, senders, take_hold(self.services, draft_uid)

    async def open_thread(self, conversation_uid: uuid.UUID) -> None:
        """The thread view of one conversation, read in a thread."""
        loaded = await asyncio.to_thread(load_thread, self.services.store, conversation_uid)
        await self.push_screen(ThreadScreen(conversation_uid, *loaded))

    async def open_forward(
        self, message: EmailMessage, conversation: Conversation, files: list[Attachment]
    ) -> None:
        """Compose a forward of ``message`` carrying its ``files`` (a fresh send)."""
        senders = await asyncio.to_thread(load_senders, self.services.store, None)
        content = forward_content(message, conversation, senders.accounts)
        await self.push_screen(ComposeScreen(content, files, None, senders))

    async def open_reply(
        self, parent: EmailMessage, conversation: Conversation, *, reply_all: bool
    ) -> None:
        """Compose a threaded reply to ``parent`` (the accounts read in a thread)."""
        senders = await asyncio.to_thread(load_senders, self.services.store, None)
        content = reply_content(parent, conversation, senders.accounts, reply_all=reply_all)
        await self.push_screen(ComposeScreen(content, [], None, senders))

    # -- app-wide actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = [
            ("Lists", MainScreen.BINDINGS),
            ("Thread", ThreadScreen.BINDINGS),
            ("Save attachment", SaveAttachmentScreen.BINDINGS),
            ("Compose", ComposeScreen.BINDINGS),
            ("Template", TemplatePickerScreen.BINDINGS),
            ("Mail merges", MergesScreen.BINDINGS),
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
        """Quit, saving open drafts and sending what waits; ask first while a send runs."""
        if not self.sending:
            self._quit()
            return
        question = "A send is still running. Quit anyway? (its record stays pending)"
        self.push_screen(ConfirmScreen(question), self._quit_if_confirmed)

    def _quit_if_confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._quit()

    def _quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                screen.save_now()
        if not self.waiting:
            self.exit()
            return
        count = len(self.waiting)
        self.notify(f"Sending {count} waiting message(s) before quitting…", title="Quit")
        self._send_before_exit(list(self.waiting))

    @work(thread=True, exit_on_error=False, group="quit")
    def _send_before_exit(self, draft_uids: list[uuid.UUID]) -> None:
        """Cut the undo windows short, send, then exit saying what went."""
        send_waiting_now(self.services.store, draft_uids, self.services.core.clock())
        results = self.sender.run_once(only=draft_uids)
        lines = [self._result_line(r) for r in results]
        left = len(draft_uids) - len(results)
        if left:
            lines.append(f"{left} waiting send(s) left for the next scheduler pass.")
        self.farewell = lines
        self.call_from_thread(self.exit, message="\n".join(lines))

    def _result_line(self, result: ScheduledSend) -> str:
        subject = self._draft_subject(result)
        if result.error is not None:
            return f"Not sent before quitting: {subject}: {result.error.message}"
        return f"Sent before quitting: {subject}."

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
