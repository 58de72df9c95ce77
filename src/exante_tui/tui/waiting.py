"""Sends in their undo window: what the app waits to send, and how the banner says it."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WaitingSend:
    """A draft queued by ``send``: goes at ``due`` unless undone; ``previous`` is the plan
    it had before (restored by undo)."""

    draft_uid: uuid.UUID
    subject: str
    due: datetime
    previous: datetime | None


def seconds_left(due: datetime, now: datetime) -> int:
    """Whole seconds until ``due`` (rounded up, never below 0)."""
    return max(0, math.ceil((due - now).total_seconds()))


def banner_text(waiting: list[WaitingSend], now: datetime) -> str:
    """``Sending "SUBJECT" in N s — u to undo`` for the newest send (and how many more)."""
    if not waiting:
        return ""
    newest = waiting[-1]
    text = (
        f'Sending "{newest.subject or "(no subject)"}" in {seconds_left(newest.due, now)} s'
        " — u to undo"
    )
    if len(waiting) > 1:
        text += f"  (+{len(waiting) - 1} more waiting)"
    return text
