"""Merges as groups of drafts: how far each is, and pausing, resuming or cancelling one.

A merge group is every draft one template's merges made. Pausing unschedules its drafts
not yet sent (nor being sent); resuming schedules them again now; cancelling deletes them.
Sent drafts and their records are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy
from sqlalchemy import ColumnElement, delete, func, update
from sqlmodel import col, select

from exante_tui.store.db import Store
from exante_tui.store.models import Draft, Template
from exante_tui.store.types import utcnow


@dataclass(frozen=True)
class MergeGroup:
    """One template's merge drafts: how many, sent, scheduled, and held back."""

    template_id: uuid.UUID
    name: str
    total: int
    sent: int
    scheduled: int

    @property
    def paused(self) -> int:
        """Drafts neither sent nor scheduled (paused, failed, or never queued)."""
        return self.total - self.sent - self.scheduled


def _unsent(template_id: uuid.UUID) -> list[ColumnElement[bool]]:
    return [
        col(Draft.merge_template_id) == template_id,
        col(Draft.outbound_email_uid).is_(None),
        col(Draft.claimed_by).is_(None),
    ]


class MergeGroups:
    """Reads and changes merge groups for the TUI."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    def list(self) -> list[MergeGroup]:
        """Every template with merge drafts, by name."""
        waiting = col(Draft.outbound_email_uid).is_(None) & col(Draft.planned_send_at).is_not(None)
        query = (
            sqlalchemy.select(
                col(Template.id),
                col(Template.name),
                func.count(),
                func.count(col(Draft.outbound_email_uid)),
                func.count().filter(waiting),
            )
            .join(Template, col(Draft.merge_template_id) == Template.id)
            .group_by(col(Template.id), col(Template.name))
            .order_by(col(Template.name))
        )
        # Five columns: SQLModel types select() and exec() for up to four, so this one runs as
        # a plain SQLAlchemy select on the session's connection.
        with self.store.session() as session:
            return [MergeGroup(*row) for row in session.connection().execute(query)]

    def drafts(self, template_id: uuid.UUID) -> Sequence[Draft]:
        """The group's drafts, by key."""
        query = select(Draft).where(Draft.merge_template_id == template_id)
        with self.store.session() as session:
            return session.exec(query.order_by(col(Draft.merge_key))).all()

    def pause(self, template_id: uuid.UUID) -> int:
        """Unschedule the group's unsent drafts; how many."""
        return self._set_schedule(template_id, None)

    def resume(self, template_id: uuid.UUID) -> int:
        """Schedule the group's unsent drafts for now; how many."""
        return self._set_schedule(template_id, self.clock())

    def cancel(self, template_id: uuid.UUID) -> int:
        """Delete the group's unsent drafts; how many."""
        with self.store.session() as session:
            result = session.exec(delete(Draft).where(*_unsent(template_id)))
            return int(result.rowcount)

    def _set_schedule(self, template_id: uuid.UUID, when: datetime | None) -> int:
        with self.store.session() as session:
            result = session.exec(
                update(Draft)
                .where(*_unsent(template_id))
                .values(planned_send_at=when, updated_at=self.clock())
            )
            return int(result.rowcount)
