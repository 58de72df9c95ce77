"""Sending the composer's draft, in a worker: at once with a progress bar, or queued for
undo-send.

The screen saves its draft, then sends ``{"draft_uid": ...}``. The draft is the compose
session's idempotency key: the core sends a draft at most once, so a double press of send
never sends twice, and after a failure the same draft is sent again, which reuses the
failed record (and its Message-ID) instead of making a second message. With an undo-send
delay the draft is checked, then queued to go ``app.send_delay`` seconds later (the app
and any scheduler send it; ``u`` undoes it).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.widgets import Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from exante_tui.core.contract import SendResponse
from exante_tui.core.undo_send import queue_send
from exante_tui.errors import Conflict
from exante_tui.tui.composing.form import show_error
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.waiting import WaitingSend

if TYPE_CHECKING:
    from exante_tui.tui.screens.compose import ComposeScreen

GROUP = "send"
"""The worker group of sends; the screen hands their state changes to :meth:`SendFlow.ended`."""


class SendFlow:
    """Sends the draft of ``screen``, one send at a time, and reports how it went."""

    def __init__(self, screen: ComposeScreen) -> None:
        self.screen = screen
        self.running = False
        """A send (or queueing) is under way."""

    def start(self) -> None:
        """Send, after asking whether to when the subject is empty."""
        screen = self.screen
        if self.running:
            screen.notify("Already sending…")
            return
        if screen.query_one("#subject", Input).value.strip():
            self._go()
            return
        screen.app.push_screen(
            ConfirmScreen("The subject is empty. Send without a subject?"), self._confirmed
        )

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._go()
        else:
            self.screen.query_one("#subject").focus()

    def _go(self) -> None:
        screen = self.screen
        draft_uid = screen.save_now(force=True)
        if draft_uid is None:
            return
        self.running = True
        screen.app.sending += 1
        screen.query_one("#error", Static).remove_class("shown")
        if screen.app.send_delay > 0:
            delay = timedelta(seconds=screen.app.send_delay)
            self._run(partial(self._queue, draft_uid, delay), "queue")
            return
        progress = screen.query_one("#progress", ProgressBar)
        progress.update(progress=0)
        progress.add_class("shown")
        self._run(partial(self._send, draft_uid), "send")

    def _run(self, work: partial[Any], name: str) -> None:
        self.screen.run_worker(
            work, name=name, group=GROUP, thread=True, exclusive=True, exit_on_error=False
        )

    def _queue(self, draft_uid: uuid.UUID, delay: timedelta) -> WaitingSend:
        """Check the draft as a send would, then queue it for ``delay`` from now."""
        screen = self.screen
        services = screen.app.services
        services.core.check_draft(draft_uid)
        due = queue_send(
            services.store,
            draft_uid,
            now=services.core.clock(),
            delay=delay,
            holder=screen.hold.holder,
        )
        subject = screen.query_one("#subject", Input).value
        return WaitingSend(draft_uid, subject, due, screen.planned_send_at)

    def _send(self, draft_uid: uuid.UUID) -> SendResponse:
        app = self.screen.app

        def progress(done: int, total: int) -> None:
            app.call_from_thread(self._progress, done, total)

        return app.services.core.send({"draft_uid": str(draft_uid)}, progress=progress)

    def _progress(self, done: int, total: int) -> None:
        self.screen.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def ended(self, event: Worker.StateChanged) -> None:
        """A send worker changed state: when it is over, say how it went."""
        worker, screen = event.worker, self.screen
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.running = False
        screen.app.sending -= 1
        screen.query_one("#progress", ProgressBar).remove_class("shown")
        assert screen.draft_uid is not None
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, WaitingSend):
            screen.post_message(screen.Queued(screen.draft_uid, worker.result))
            screen.app.add_waiting(worker.result)
            screen.dismiss()
            return
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, SendResponse):
            screen.post_message(screen.Sent(screen.draft_uid, worker.result))
            subject = screen.query_one("#subject", Input).value or "(no subject)"
            screen.app.notify(f"{subject!r}: {worker.result.status}", title="Sent")
            screen.dismiss()
            return
        error = worker.error or RuntimeError("unknown error")
        if isinstance(error, Conflict):
            screen.hold.turn_read_only(screen.hold.take(screen.draft_uid))
            return
        screen.post_message(screen.SendFailed(screen.draft_uid, error))
        show_error(screen, error)
        screen.notify(
            "The draft is kept; fix it and send again.", title="Send failed", severity="error"
        )
