"""Settle sends whose outcome is in doubt by looking for them in the account's mailbox.

A ``pending`` record older than the grace period belongs to a process that died between
recording the send and writing its outcome; an ``unknown`` record is a send Gmail failed
ambiguously. Each is looked for by Message-ID: found, ``sent``; not found, ``failed``
(safe to retry); Gmail cannot tell, ``unknown``. Reconciling never sends anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select

from exante_tui.core.send import STALE_AFTER, SendCore
from exante_tui.store.models import OutboundEmail, SendStatus


@dataclass(frozen=True)
class Settled:
    """One record reconciliation looked at: its status before and after, and its error."""

    outbound_email_uid: uuid.UUID
    before: SendStatus
    after: SendStatus
    error: str | None


def reconcile(
    core: SendCore, *, stale_after: timedelta = STALE_AFTER, include_unknown: bool = True
) -> list[Settled]:
    """Settle every ``pending`` record older than ``stale_after`` (and every ``unknown`` one)."""
    cutoff = core.clock() - stale_after
    attempted = col(OutboundEmail.attempted_at)
    status = col(OutboundEmail.status)
    stale = and_(
        status == SendStatus.PENDING,
        or_(
            attempted < cutoff,
            and_(attempted.is_(None), col(OutboundEmail.created_at) < cutoff),
        ),
    )
    doubtful = or_(stale, status == SendStatus.UNKNOWN) if include_unknown else stale
    with core.store.session() as session:
        candidates = session.exec(
            select(OutboundEmail.id, OutboundEmail.status)
            .where(doubtful)
            .order_by(col(OutboundEmail.created_at))
        ).all()
    settled = []
    for uid, before in candidates:
        record = core.reconcile_record(uid, stale_after=stale_after)
        settled.append(Settled(uid, SendStatus(before), SendStatus(record.status), record.error))
    return settled
