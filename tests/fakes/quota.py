"""Gmail's per-user quota as the fake Gmail enforces it, and a clock tests can drive.

Gmail charges each method a number of quota units (``messages.send`` 100, ``threads.get``
10, ``messages.get`` 5, ``history.list`` 2, ...) against a per-user allowance (250 units
per second); a request over it is refused with 429 ``rateLimitExceeded``. Each part of a
batch is charged on its own, so a batch can be partly refused.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

GMAIL_UNITS: dict[str, int] = {
    "users.getProfile": 1,
    "history.list": 2,
    "messages.get": 5,
    "messages.list": 5,
    "messages.attachments.get": 5,
    "messages.send": 100,
    "threads.get": 10,
    "threads.list": 10,
}
"""Quota units per route of the fake, from Gmail's published table."""


class FakeClock:
    """A monotonic clock that moves only when someone sleeps on it (thread-safe)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)


class UserQuota:
    """A token bucket of ``rate`` units/s holding ``burst`` seconds of quota (thread-safe)."""

    def __init__(
        self, rate: float, *, burst: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.capacity = rate * burst
        self.clock = clock
        self.spent = 0
        """Units charged so far."""
        self.refused = 0
        """Requests refused so far."""
        self._tokens = self.capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def charge(self, route: str | None) -> int | None:
        """Charge ``route``'s units: None if allowed, else whole seconds until it would be."""
        units = GMAIL_UNITS.get(route or "", 0)
        with self._lock:
            now = self.clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if units <= self._tokens + 1e-9:  # times summed in floating point
                self._tokens -= units
                self.spent += units
                return None
            self.refused += 1
            return max(1, math.ceil((units - self._tokens) / self.rate))
