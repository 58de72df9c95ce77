"""Composer holds on drafts: a draft open in a composer is not sent under it.

A hold is a lease (holder id, expiry ``LEASE_TIME`` ahead). The composer renews it every
``RENEW_EVERY`` while the draft is open and releases it on leaving; a composer that died
lets go when its lease lapses, so a crash delays a schedule by at most ``LEASE_TIME``.
Taking and renewing are one conditional UPDATE, won by at most one writer on SQLite and
PostgreSQL alike; they fail while another composer holds the draft, while a scheduler has
claimed it and once it has a send record. The scheduler's claim needs the hold free.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from exante_tui.core.draft_state import DraftState, draft_state, hold_free, not_final
from exante_tui.store.db import Store
from exante_tui.store.models import Draft

LEASE_TIME = timedelta(seconds=60)
"""How long a hold lasts unless renewed: the longest a dead composer blocks a send."""

RENEW_EVERY = timedelta(seconds=20)
"""How often an open composer renews its hold (three chances before it lapses)."""


class DraftLeases:
    """Take, renew and release holds for one holder (one open composer)."""

    def __init__(self, store: Store, holder: str, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.holder = holder
        self.clock = clock

    def take(self, draft_uid: uuid.UUID) -> DraftState:
        """Take or renew the hold; ``EDITABLE`` when held, else what stands in the way."""
        now = self.clock()
        with self.store.session() as session:
            taken = session.exec(
                update(Draft)
                .where(col(Draft.id) == draft_uid, hold_free(now, self.holder), *not_final())
                .values(held_by=self.holder, held_until=now + LEASE_TIME)
            )
            if taken.rowcount == 1:
                return DraftState.EDITABLE
            state = draft_state(session, draft_uid, now, self.holder)
        # Lost between the UPDATE and the look: say so rather than claim to hold it.
        return DraftState.SENDING if state == DraftState.EDITABLE else state

    def release(self, draft_uid: uuid.UUID) -> None:
        """Give the hold up (nothing happens when it is not ours any more)."""
        with self.store.session() as session:
            session.exec(
                update(Draft)
                .where(col(Draft.id) == draft_uid, col(Draft.held_by) == self.holder)
                .values(held_by=None, held_until=None)
            )
