"""Saving the composer's draft: the periodic autosave in a thread worker, explicit saves at once.

Every save takes a snapshot of the form on the UI thread, numbered in order, and writes it
under one lock, from whichever thread. A snapshot older than one already written is
skipped, so saves never go back in time whatever order their threads run in; an explicit
save (ctrl+s, leaving, sending, quitting) waits for an autosave under way, then writes the
newest text. What a save means for the screen (the sub-title, ``Saved``, a read-only turn,
an error) is shown on the UI thread.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.widgets import Static

from exante_tui.core.draft_state import DraftState
from exante_tui.core.drafts import DraftContent
from exante_tui.core.mime import Attachment
from exante_tui.errors import Conflict, ExanteError
from exante_tui.tui.composing.form import show_error
from exante_tui.tui.widgets.attachments import AttachmentPanel

if TYPE_CHECKING:
    from exante_tui.tui.screens.compose import ComposeScreen

GROUP = "autosave"
"""The worker group of autosaves."""


@dataclass(frozen=True)
class Snapshot:
    """What the form held when a save was asked for, and its place in line."""

    seq: int
    content: DraftContent
    files: list[Attachment]
    files_version: int
    force: bool


@dataclass(frozen=True)
class Outcome:
    """How one write went: ``saved``, ``unchanged``, ``stale`` (a newer one was written),
    ``conflict`` (the draft is no longer this composer's) or ``error``."""

    kind: str
    draft_uid: uuid.UUID | None = None
    state: DraftState | None = None
    error: ExanteError | None = None


class DraftSaver:
    """Writes the draft of ``screen``, one write at a time, never an older text over a newer."""

    def __init__(self, screen: ComposeScreen) -> None:
        self.screen = screen
        self.lock = threading.RLock()
        """Held while the draft (its uid, what was saved) is written."""
        self._taken = 0
        self._written = 0

    def supersede(self) -> None:
        """What the form holds now is saved (UI thread, under ``lock``): snapshots taken so
        far must not be written over it."""
        self._taken += 1
        self._written = self._taken

    def snapshot(self, *, force: bool) -> Snapshot:
        """What the form holds now (UI thread)."""
        screen = self.screen
        self._taken += 1
        files = list(screen.query_one(AttachmentPanel).attachments)
        return Snapshot(self._taken, screen.current_content(), files, screen.files_version, force)

    def write(self, snap: Snapshot) -> Outcome:
        """Write ``snap`` unless a newer one was (any thread; reads and writes the store)."""
        screen = self.screen
        with self.lock:
            if snap.seq < self._written or screen.read_only is not None:
                return Outcome("stale", screen.draft_uid)
            state = (snap.content, snap.files_version)
            saved = screen.saved_state
            draft_uid = screen.draft_uid
            if state == saved and (draft_uid is not None or not snap.force):
                self._written = snap.seq
                return Outcome("unchanged", draft_uid)
            files_changed = saved is None or saved[1] != snap.files_version
            drafts = screen.app.services.drafts
            try:
                if draft_uid is None:
                    draft_uid = screen.draft_uid = drafts.create(snap.content, snap.files)
                    screen.hold.take(draft_uid)
                else:
                    drafts.update(draft_uid, snap.content, snap.files if files_changed else None)
            except Conflict:
                assert draft_uid is not None
                return Outcome("conflict", draft_uid, state=screen.hold.take(draft_uid))
            except ExanteError as exc:
                return Outcome("error", draft_uid, error=exc)
            screen.saved_state = state
            self._written = snap.seq
            return Outcome("saved", draft_uid)

    def show(self, outcome: Outcome) -> uuid.UUID | None:
        """Show what a write meant (UI thread); the draft's uid when it is saved."""
        screen = self.screen
        if outcome.draft_uid is not None and outcome.draft_uid != screen.draft_uid:
            return None  # the screen moved on to another draft (kept as new) meanwhile
        if screen.read_only is not None:
            return None  # it turned read-only while an autosave was under way
        if outcome.kind == "conflict":
            assert outcome.state is not None
            screen.hold.turn_read_only(outcome.state)
            return None
        if outcome.kind == "error":
            assert outcome.error is not None
            show_error(screen, outcome.error)
            return None
        if outcome.kind == "saved":
            assert outcome.draft_uid is not None
            screen.sub_title = "draft saved"
            screen.post_message(screen.Saved(outcome.draft_uid))
            if screen.query_one("#error", Static).has_class("shown"):
                screen.recheck(outcome.draft_uid)
        return outcome.draft_uid if outcome.kind != "stale" else None

    def save_now(self, *, force: bool) -> uuid.UUID | None:
        """Save now on the UI thread (after an autosave under way, if one is)."""
        return self.show(self.write(self.snapshot(force=force)))

    def autosave(self) -> None:
        """Save in a thread worker; the UI goes on meanwhile."""
        snap = self.snapshot(force=False)
        self.screen.run_worker(
            lambda: self._autosave(snap),
            name="autosave",
            group=GROUP,
            thread=True,
            exit_on_error=False,
        )

    def _autosave(self, snap: Snapshot) -> None:
        outcome = self.write(snap)
        if outcome.kind not in ("stale", "unchanged"):
            self.screen.app.call_from_thread(self._show_if_open, outcome)

    def _show_if_open(self, outcome: Outcome) -> None:
        if self.screen.is_attached:
            self.show(outcome)
