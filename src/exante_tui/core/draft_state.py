"""Whether a draft may still change, and who has it: the conditions every writer shares.

A draft is *final* once a scheduler has claimed it or it has a send record that is not
``failed`` (a failed send leaves the draft to fix and send again). A draft is *held* while
a composer's lease on it (``held_by`` until ``held_until``) has not lapsed; schedulers do
not send a held draft.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import exists, not_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from exante_tui.errors import Conflict, ErrorDetail, NotFound
from exante_tui.store.models import Draft, OutboundEmail, SendStatus


class DraftState(enum.StrEnum):
    """Where a draft stands for someone who wants to edit it."""

    EDITABLE = "editable"
    OPEN_ELSEWHERE = "open elsewhere"
    SENDING = "being sent"
    SENT = "sent"
    GONE = "deleted"


def not_final() -> list[ColumnElement[bool]]:
    """SQL conditions: nobody is sending the draft and it has no live send record."""
    live_record = exists().where(
        col(OutboundEmail.draft_uid) == Draft.id, col(OutboundEmail.status) != SendStatus.FAILED
    )
    return [
        col(Draft.claimed_by).is_(None),
        col(Draft.outbound_email_uid).is_(None),
        not_(live_record),
    ]


def hold_free(now: datetime, holder: str | None = None) -> ColumnElement[bool]:
    """SQL condition: no composer holds the draft (or its hold lapsed, or it is ``holder``'s)."""
    free = or_(col(Draft.held_by).is_(None), col(Draft.held_until) <= now)
    return or_(free, col(Draft.held_by) == holder) if holder is not None else free


def draft_state(
    session: Session, draft_uid: uuid.UUID, now: datetime, holder: str | None = None
) -> DraftState:
    """What stops (or does not stop) ``holder`` from editing the draft now."""
    draft = session.get(Draft, draft_uid, populate_existing=True)
    if draft is None:
        return DraftState.GONE
    record = session.exec(select(OutboundEmail).where(OutboundEmail.draft_uid == draft_uid)).first()
    if draft.outbound_email_uid is not None or (
        record is not None and record.status in (SendStatus.SENT, SendStatus.UNKNOWN)
    ):
        return DraftState.SENT
    if draft.claimed_by is not None or (record is not None and record.status == SendStatus.PENDING):
        return DraftState.SENDING
    held = draft.held_by is not None and draft.held_until is not None and draft.held_until > now
    if held and draft.held_by != holder:
        return DraftState.OPEN_ELSEWHERE
    return DraftState.EDITABLE


def final_conflict(draft: Draft | None, draft_uid: uuid.UUID, state: DraftState) -> Conflict:
    """The ``conflict`` error for a change refused because the draft is ``state``."""
    name = repr(draft.subject or "(no subject)") if draft is not None else str(draft_uid)
    return Conflict(
        f"The draft {name} is {state.value} and can no longer change.",
        [ErrorDetail("draft_uid", f"{draft_uid}: {state.value}")],
    )


def missing_draft(draft_uid: uuid.UUID) -> NotFound:
    """The ``not_found`` error for a draft that does not exist."""
    return NotFound("The draft does not exist.", [ErrorDetail("draft_uid", str(draft_uid))])
