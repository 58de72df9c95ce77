"""Pacing of Gmail calls: a token bucket per account in Gmail's quota units, with AIMD.

Each account has one :class:`QuotaBucket` per process (:func:`bucket_for`), in Gmail's quota
units (``messages.send`` 100, ``threads.get`` 10, ``messages.get`` 5, ``history.list`` 2,
...), refilled at ``EXANTE_GMAIL_QUOTA`` units/s (Gmail allows 250 per user). A call waits
for its units before it goes. A refusal halves the rate and empties the bucket; each accepted
round trip gives back a twentieth of the ceiling. :mod:`exante_tui.providers.policy` says
when a call counts as refused.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from googleapiclient.http import HttpRequest

DEFAULT_QUOTA = 250.0
"""Gmail's per-user limit, in quota units per second."""

QUOTA_UNITS: dict[str, int] = {
    "gmail.users.getProfile": 1,
    "gmail.users.history.list": 2,
    "gmail.users.messages.get": 5,
    "gmail.users.messages.list": 5,
    "gmail.users.messages.attachments.get": 5,
    "gmail.users.messages.send": 100,
    "gmail.users.threads.get": 10,
    "gmail.users.threads.list": 10,
}
"""Gmail's published cost of each method used here."""

UNKNOWN_METHOD_UNITS = 10

BURST_SECONDS = 0.8
"""Quota banked by a bucket, in seconds of its rate (Gmail banks about one)."""


def units_of(request: HttpRequest) -> int:
    """The quota units Gmail charges for ``request``."""
    return QUOTA_UNITS.get(request.methodId or "", UNKNOWN_METHOD_UNITS)


class Clock(Protocol):
    """Where a bucket reads the time and waits (tests pass a fake that only advances)."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class QuotaBucket:
    """A token bucket in quota units, shared by every caller for one account (thread-safe).

    A request larger than what is there waits for the rest (its units are reserved at once,
    so callers are served in turn). It holds :data:`BURST_SECONDS` of quota: Gmail counts a
    request when it serves it, a little later than we count it, and banking less than
    Gmail's second leaves room for that delay to vary without tripping its limit.
    """

    def __init__(self, rate: float, *, clock: Clock | None = None) -> None:
        if not rate > 0:
            raise ValueError("the quota must be a positive number of units per second")
        self.limit = rate
        self.rate = rate
        self.clock = clock or SystemClock()
        self.capacity = rate * BURST_SECONDS
        self._tokens = self.capacity
        self._updated = self.clock.now()
        self._resume_at = self._updated
        self._lock = threading.Lock()

    def take(self, units: float) -> None:
        """Wait until ``units`` may be spent, and spend them."""
        with self._lock:
            now = self._refill()
            self._tokens -= units
            wait = max(self._resume_at - now, -self._tokens / self.rate)
        if wait > 0:
            self.clock.sleep(wait)

    def refused(self, retry_after: float | None) -> None:
        """Gmail refused a call for its rate: halve the rate, empty the bucket, and pause
        every caller ``retry_after`` seconds when Gmail said so."""
        with self._lock:
            now = self._refill()
            self.rate = max(self.limit / 16, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)
            if retry_after is not None:
                self._resume_at = max(self._resume_at, now + retry_after)

    def accepted(self) -> None:
        """A round trip went through unrefused: raise the rate towards the ceiling."""
        with self._lock:
            self._refill()
            self.rate = min(self.limit, self.rate + self.limit / 20)

    def _refill(self) -> float:
        now = self.clock.now()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        return now


_buckets: dict[object, QuotaBucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(account: object, rate: float) -> QuotaBucket:
    """The process's bucket for ``account`` (any key), made at ``rate`` units/s if new."""
    with _buckets_lock:
        bucket = _buckets.get(account)
        if bucket is None or bucket.limit != rate:
            bucket = _buckets[account] = QuotaBucket(rate)
        return bucket
