"""Pacing of scheduled sends per account: a per-minute rate and a daily cap.

Both count the account's send records in the database, so every scheduler (worker
processes, TUIs, a merge) shares them. The rate (``EXANTE_SEND_RATE`` messages a minute,
off when unset) counts every attempt in the last 60 seconds; the daily cap counts sends not
``failed`` in the last 24 hours, as Gmail does: 500 for ``gmail.com`` accounts, 2,000 for
Workspace (``EXANTE_DAILY_CAP`` sets one cap for all). A held account's drafts stay
scheduled and go out once the window has room again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from exante_tui.store.models import Account, OutboundEmail, SendStatus

MINUTE = timedelta(minutes=1)
DAY = timedelta(hours=24)
CONSUMER_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
CONSUMER_CAP = 500
WORKSPACE_CAP = 2000


@dataclass(frozen=True)
class Pace:
    """The limits: ``per_minute`` None means no rate; ``daily_cap`` None means by domain."""

    per_minute: int | None = None
    daily_cap: int | None = None

    def cap_for(self, email: str) -> int:
        """The daily cap of the account ``email``."""
        if self.daily_cap is not None:
            return self.daily_cap
        domain = email.rpartition("@")[2].lower()
        return CONSUMER_CAP if domain in CONSUMER_DOMAINS else WORKSPACE_CAP


@dataclass(frozen=True)
class Hold:
    """An account that may not send now, why, and from when it may again."""

    account_id: uuid.UUID
    email: str
    reason: Literal["rate", "daily_cap"]
    limit: int
    until: datetime

    def describe(self) -> str:
        """One line for people."""
        when = self.until.strftime("%Y-%m-%d %H:%M:%S UTC")
        if self.reason == "daily_cap":
            return (
                f"{self.email} reached its daily cap of {self.limit} sends in 24 hours; "
                f"its scheduled mail resumes after {when}"
            )
        return f"{self.email} is at {self.limit} sends a minute; next send after {when}"


class Pacer:
    """Decides whether an account may send now."""

    def __init__(self, pace: Pace, clock: Callable[[], datetime]) -> None:
        self.pace = pace
        self.clock = clock

    def hold(self, session: Session, account: Account) -> Hold | None:
        """Why ``account`` must wait, or None when it may send now."""
        now = self.clock()
        cap = self.pace.cap_for(account.email)
        until = _full_until(session, account.id, now - DAY, cap, counted_only=True)
        if until is not None:
            return Hold(account.id, account.email, "daily_cap", cap, until + DAY)
        rate = self.pace.per_minute
        if rate is not None:
            until = _full_until(session, account.id, now - MINUTE, rate, counted_only=False)
            if until is not None:
                return Hold(account.id, account.email, "rate", rate, until + MINUTE)
        return None


def _full_until(
    session: Session, account_id: uuid.UUID, since: datetime, limit: int, *, counted_only: bool
) -> datetime | None:
    """None while the account made fewer than ``limit`` sends since ``since``; otherwise
    when the send that must leave the window (for one more to fit) was attempted."""
    where: list[ColumnElement[bool]] = [
        col(OutboundEmail.account_id) == account_id,
        col(OutboundEmail.attempted_at) > since,
    ]
    if counted_only:
        where.append(col(OutboundEmail.status) != SendStatus.FAILED)
    count = int(session.exec(select(func.count()).where(*where)).one())
    if count < limit:
        return None
    query = select(OutboundEmail.attempted_at).where(*where)
    query = query.order_by(col(OutboundEmail.attempted_at)).offset(count - limit).limit(1)
    return session.exec(query).one()
