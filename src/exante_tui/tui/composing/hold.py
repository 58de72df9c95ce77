"""The composer's hold on its draft, and what follows when it is lost.

While the composer is open its draft is held (:mod:`exante_tui.core.leases`), so no
scheduler sends it underneath. Should it be sent or claimed all the same (a CLI send, a
lapsed hold), the composer notices on its next save or hold renewal, turns read-only and
offers to keep the unsaved edits as a new draft.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from exante_tui.core.draft_state import DraftState
from exante_tui.core.leases import DraftLeases
from exante_tui.core.scheduler import new_worker_id
from exante_tui.errors import ExanteError
from exante_tui.tui.composing.form import set_editable, show_error
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.widgets.attachments import AttachmentPanel

if TYPE_CHECKING:
    from exante_tui.services import Services
    from exante_tui.tui.screens.compose import ComposeScreen

READ_ONLY_WHY = {
    DraftState.SENT: "This draft was sent while open (see the Outbox): it is read-only now.",
    DraftState.SENDING: "A scheduler is sending this draft: it is read-only now.",
    DraftState.OPEN_ELSEWHERE: "This draft is open in another window: read-only here.",
    DraftState.GONE: "This draft was deleted elsewhere: read-only now.",
}


@dataclass(frozen=True)
class Held:
    """A hold taken before the composer opened, in the thread that read the draft."""

    holder: str
    state: DraftState


def take_hold(services: Services, draft_uid: uuid.UUID) -> Held:
    """Hold ``draft_uid`` for a composer about to open (reads the store: call it in a thread)."""
    holder = new_worker_id()
    leases = DraftLeases(services.store, holder, services.core.clock)
    return Held(holder, leases.take(draft_uid))


class DraftHold:
    """Takes, renews and releases the hold of ``screen`` on its draft; turns the screen
    read-only when the draft is no longer its own."""

    def __init__(self, screen: ComposeScreen, holder: str | None = None) -> None:
        self.screen = screen
        self.holder = holder or new_worker_id()
        """This composer's name on the draft's hold."""
        services = screen.app.services
        self.leases = DraftLeases(services.store, self.holder, services.core.clock)

    def take(self, draft_uid: uuid.UUID) -> DraftState:
        """Hold the draft (again); what it is to this composer now."""
        return self.leases.take(draft_uid)

    def release(self, draft_uid: uuid.UUID) -> None:
        """Let the draft go."""
        self.leases.release(draft_uid)

    def check(self, draft_uid: uuid.UUID) -> None:
        """Take the hold now; a lost hold turns the screen read-only."""
        self.held(self.take(draft_uid))

    def renew(self, draft_uid: uuid.UUID) -> None:
        """Renew the hold in a thread; a lost hold turns the screen read-only."""
        self.screen.run_worker(
            partial(self._renew, draft_uid),
            name="renew",
            group="hold",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _renew(self, draft_uid: uuid.UUID) -> None:
        state = self.take(draft_uid)
        self.screen.app.call_from_thread(self.held, state, draft_uid)

    def held(self, state: DraftState, draft_uid: uuid.UUID | None = None) -> None:
        """Act on what the draft is now: editable, or read-only from now on."""
        screen = self.screen
        if draft_uid is not None and draft_uid != screen.draft_uid:
            return  # the screen moved on to another draft meanwhile
        if state == DraftState.EDITABLE:
            screen.show_schedule()
        else:
            self.turn_read_only(state)

    def turn_read_only(self, state: DraftState) -> None:
        """Stop editing: say why, and offer to keep unsaved edits as a new draft."""
        screen = self.screen
        if screen.read_only is not None or screen.draft_uid is None:
            return
        screen.read_only = state
        screen.stop_autosave()
        unsaved = screen.unsaved()
        set_editable(screen, False, reply=screen.initial.reply_to_message_uid is not None)
        why = READ_ONLY_WHY[state]
        if unsaved:
            why += " Your unsaved edits are still on screen: ctrl+n keeps them as a new draft."
        final = screen.query_one("#final", Static)
        final.update(Text(why, style="bold"))
        final.add_class("shown")
        screen.sub_title = f"read-only: {state.value}"
        screen.post_message(screen.ReadOnly(screen.draft_uid, state))
        screen.refresh_bindings()
        if unsaved:
            question = "Keep your unsaved edits as a new draft?"  # the line behind says why
            screen.app.push_screen(ConfirmScreen(question), self._keep_answer)

    def _keep_answer(self, keep: bool | None) -> None:
        if keep:
            self.keep_as_new()

    def keep_as_new(self) -> None:
        """Save what is on screen as a new draft and go on editing that one."""
        screen = self.screen
        if screen.read_only is None:
            return
        content = screen.current_content().model_copy(update={"planned_send_at": None})
        with screen.saver.lock:  # after an autosave under way, which is then skipped
            try:
                new_uid = screen.app.services.drafts.create(
                    content, screen.query_one(AttachmentPanel).attachments
                )
            except ExanteError as exc:
                show_error(screen, exc)
                return
            screen.draft_uid, screen.read_only, screen.planned_send_at = new_uid, None, None
            screen.mark_saved()
            self.take(new_uid)
        set_editable(screen, True, reply=screen.initial.reply_to_message_uid is not None)
        screen.query_one("#final", Static).remove_class("shown")
        screen.show_schedule()
        screen.sub_title = "new draft with your edits"
        screen.notify("Your edits are kept in a new draft.", title="Kept")
        screen.post_message(screen.Saved(new_uid))
        screen.refresh_bindings()
