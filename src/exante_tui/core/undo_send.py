"""Undo-send on top of scheduling: a sent message first waits as a draft due in a moment.

:func:`queue_send` plans the draft ``delay`` ahead, marks the plan an undo window
(``undo_send``) and releases the composer's hold, in one conditional UPDATE; any
scheduler (the app's, ``exante-tui worker``) sends it once due. :func:`undo_send` puts the
plan back as it was, unless a scheduler already took the draft. :func:`send_waiting_now`
makes waiting drafts due at once (the app does so when it quits during a window).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from exante_tui.core.draft_state import (
    draft_state,
    final_conflict,
    hold_free,
    missing_draft,
    not_final,
)
from exante_tui.store.db import Store
from exante_tui.store.models import Draft


def queue_send(
    store: Store, draft_uid: uuid.UUID, *, now: datetime, delay: timedelta, holder: str | None
) -> datetime:
    """Plan the draft ``delay`` after ``now`` as an undo window; return when it goes.

    ``holder``'s hold on the draft is released in the same UPDATE. Raises ``Conflict`` when
    the draft is final or open in another composer, ``NotFound`` when it is gone.
    """
    when = now + delay
    with store.session() as session:
        queued = session.exec(
            update(Draft)
            .where(col(Draft.id) == draft_uid, hold_free(now, holder), *not_final())
            .values(planned_send_at=when, undo_send=True, held_by=None, held_until=None)
        )
        if queued.rowcount != 1:
            draft = session.get(Draft, draft_uid)
            if draft is None:
                raise missing_draft(draft_uid)
            raise final_conflict(draft, draft_uid, draft_state(session, draft_uid, now, holder))
    return when


def undo_send(store: Store, draft_uid: uuid.UUID, previous: datetime | None, now: datetime) -> bool:
    """Cancel a waiting send: the plan goes back to ``previous`` if that is still ahead of
    ``now`` (a plan already past would send the draft at once: undo means not now, so it
    is dropped). False when too late: a scheduler has it, or it went."""
    restored = previous if previous is not None and previous > now else None
    with store.session() as session:
        undone = session.exec(
            update(Draft)
            .where(col(Draft.id) == draft_uid, col(Draft.undo_send), *not_final())
            .values(planned_send_at=restored, undo_send=False)
        )
        return bool(undone.rowcount == 1)


def send_waiting_now(store: Store, draft_uids: Collection[uuid.UUID], now: datetime) -> None:
    """Make the waiting sends among ``draft_uids`` due at ``now`` (their window is cut short)."""
    with store.session() as session:
        session.exec(
            update(Draft)
            .where(col(Draft.id).in_(list(draft_uids)), col(Draft.undo_send), *not_final())
            .values(planned_send_at=now)
        )
