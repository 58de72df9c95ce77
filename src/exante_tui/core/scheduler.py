"""Scheduled drafts: send each draft whose ``planned_send_at`` has come, exactly once.

Any number of schedulers (``exante-tui worker`` processes, TUIs) may run at once. Each
draft is claimed atomically before it is sent: ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, then (on every database) a conditional ``UPDATE … WHERE claimed_by IS NULL``
that only one claimant can win. The send goes through the core's draft mode, whose
record (unique per draft) is the second fence: even a claim released by mistake cannot
send a draft twice.

A draft held open in a composer (:mod:`exante_tui.core.leases`) is skipped until the
hold is released or lapses, and sent on the first pass after that.

A claim older than ``claim_timeout`` belongs to a scheduler that died and is released.
A draft is due while it has no send record, or only a ``failed`` one (the mailbox said
it never arrived); a draft with a ``pending`` or ``unknown`` record waits for
reconciliation. A scheduled send that fails is unscheduled: its error is in the result
(and in the outbox), and scheduling the draft again retries it.

Sends are paced per account (:mod:`exante_tui.core.pacing`): a claimed draft whose account
is at its rate or daily cap is released untouched, and that account's drafts are skipped
for the rest of the pass; :attr:`Scheduler.holds` says which accounts wait and until when.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from exante_tui.core.contract import SendResponse
from exante_tui.core.draft_state import hold_free, not_final
from exante_tui.core.pacing import Hold, Pace, Pacer
from exante_tui.core.reconcile import reconcile
from exante_tui.core.send import STALE_AFTER, SendCore
from exante_tui.errors import Conflict, ErrorDetail, ExanteError, NotFound
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Draft

CLAIM_TIMEOUT = timedelta(minutes=30)
"""How long a claim holds: longer than any send with its retries can take."""

_BATCH = 16
"""Due drafts read per claim attempt on SQLite."""


@dataclass(frozen=True)
class ScheduledSend:
    """What became of one due draft: the send's response, or the error that stopped it.

    A ``Conflict`` error means someone else (another scheduler, a TUI) is sending it.
    """

    draft_uid: uuid.UUID
    response: SendResponse | None = None
    error: ExanteError | None = None


def new_worker_id() -> str:
    """A name for this claimant, unique across hosts and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    """Sends due drafts through ``core``; :meth:`run_once` is one pass."""

    def __init__(
        self,
        core: SendCore,
        *,
        worker_id: str | None = None,
        claim_timeout: timedelta = CLAIM_TIMEOUT,
        stale_after: timedelta = STALE_AFTER,
        pace: Pace | None = None,
    ) -> None:
        self.core = core
        self.worker_id = worker_id or new_worker_id()
        self.claim_timeout = claim_timeout
        self.stale_after = stale_after
        self.pacer = Pacer(pace or Pace(), core.clock)
        self.holds: dict[uuid.UUID, Hold] = {}
        """Accounts that had to wait in the last pass (by account id)."""

    def run_once(self, only: Collection[uuid.UUID] | None = None) -> list[ScheduledSend]:
        """Release dead claims, settle sends of dead processes, then send every due draft
        (of ``only``, when given)."""
        self._release_stale_claims()
        reconcile(self.core, stale_after=self.stale_after, include_unknown=False)
        results: list[ScheduledSend] = []
        tried: set[uuid.UUID] = set()
        self.holds = {}
        while (draft_uid := self._claim_next(tried, only)) is not None:
            tried.add(draft_uid)
            if self._held(draft_uid):
                self._release(draft_uid, unschedule=False)
                continue
            results.append(self._send(draft_uid))
        return results

    def _held(self, draft_uid: uuid.UUID) -> bool:
        """Whether the draft's account must wait (noted in :attr:`holds`)."""
        with self.core.store.session() as session:
            draft = session.get(Draft, draft_uid)
            account = session.get(Account, draft.account_id) if draft and draft.account_id else None
            hold = self.pacer.hold(session, account) if account is not None else None
        if hold is not None:
            self.holds[hold.account_id] = hold
        return hold is not None

    # -- claims ---------------------------------------------------------------------------

    def _claim_next(
        self, tried: set[uuid.UUID], only: Collection[uuid.UUID] | None
    ) -> uuid.UUID | None:
        """Claim one due draft not yet tried in this pass; None when there is none left.

        A draft held open in a composer is not due until the composer lets go of it.
        """
        while True:
            now = self.core.clock()
            due = [col(Draft.planned_send_at) <= now, hold_free(now), *not_final()]
            query = select(Draft.id).where(*due).order_by(col(Draft.planned_send_at))
            if tried:
                query = query.where(col(Draft.id).not_in(tried))
            if self.holds:
                query = query.where(col(Draft.account_id).not_in(list(self.holds)))
            if only is not None:
                query = query.where(col(Draft.id).in_(list(only)))
            if self.core.store.dialect == "postgresql":
                query = query.limit(1).with_for_update(skip_locked=True)
            else:
                query = query.limit(_BATCH)
            with self.core.store.session() as session:
                candidates = session.exec(query).all()
                if not candidates:
                    return None
                for draft_uid in candidates:
                    claimed = session.exec(
                        update(Draft)
                        .where(
                            col(Draft.id) == draft_uid,
                            col(Draft.claimed_by).is_(None),
                            col(Draft.outbound_email_uid).is_(None),
                            col(Draft.planned_send_at) <= now,
                            hold_free(now),
                        )
                        .values(claimed_by=self.worker_id, claimed_at=now)
                    )
                    if claimed.rowcount == 1:
                        return draft_uid
                    tried.add(draft_uid)

    def _release_stale_claims(self) -> None:
        cutoff = self.core.clock() - self.claim_timeout
        with self.core.store.session() as session:
            session.exec(
                update(Draft)
                .where(col(Draft.claimed_by).is_not(None), col(Draft.claimed_at) < cutoff)
                .values(claimed_by=None, claimed_at=None)
            )

    def _release(self, draft_uid: uuid.UUID, *, unschedule: bool) -> None:
        """Drop our claim; ``unschedule`` also clears the draft's planned time."""
        values: dict[str, object] = {"claimed_by": None, "claimed_at": None}
        if unschedule:
            values.update(planned_send_at=None, undo_send=False)
        with self.core.store.session() as session:
            session.exec(
                update(Draft)
                .where(col(Draft.id) == draft_uid, col(Draft.claimed_by) == self.worker_id)
                .values(**values)
            )

    # -- sending --------------------------------------------------------------------------

    def _send(self, draft_uid: uuid.UUID) -> ScheduledSend:
        try:
            response = self.core.send({"draft_uid": str(draft_uid)})
        except Conflict as exc:
            self._release(draft_uid, unschedule=False)
            return ScheduledSend(draft_uid, error=exc)
        except ExanteError as exc:
            self._release(draft_uid, unschedule=True)
            return ScheduledSend(draft_uid, error=exc)
        except Exception:
            self._release(draft_uid, unschedule=False)
            raise
        self._release(draft_uid, unschedule=False)
        return ScheduledSend(draft_uid, response=response)


def cancel_schedule(store: Store, draft_uid: uuid.UUID) -> bool:
    """Unschedule a draft unless a scheduler is already sending it (or it was sent).

    True: cancelled, it will not be sent. False: too late. Raises ``NotFound``.
    """
    with store.session() as session:
        cancelled = session.exec(
            update(Draft)
            .where(
                col(Draft.id) == draft_uid,
                col(Draft.claimed_by).is_(None),
                col(Draft.outbound_email_uid).is_(None),
            )
            .values(planned_send_at=None, undo_send=False)
        )
        if cancelled.rowcount == 1:
            return True
        if session.get(Draft, draft_uid) is None:
            raise NotFound("The draft does not exist.", [ErrorDetail("draft_uid", str(draft_uid))])
        return False
