"""Shared TUI test helpers: the pinned clock, the terminal size and a message recorder."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from textual.app import App
from textual.message import Message
from textual.worker import WorkerCancelled

FIXED_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SIZE = (120, 40)


def fixed_clock() -> datetime:
    """The app's and the core's "now" in every TUI test."""
    return FIXED_NOW


class MovableClock:
    """A clock a test moves by hand (undo windows and holds end when it says so)."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time on."""
        self.now += timedelta(seconds=seconds)


class Recorder:
    """A ``message_hook`` that keeps every message and lets a test await one kind."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = asyncio.Event()

    def __call__(self, message: Message) -> None:
        self.messages.append(message)
        self._arrived.set()

    def of(self, kind: type[Message]) -> list[Message]:
        """The recorded messages of one kind, oldest first."""
        return [m for m in self.messages if isinstance(m, kind)]

    async def wait_for(
        self, kind: type[Message], predicate: Callable[[Message], bool] = lambda m: True
    ) -> Message:
        """The first message of ``kind`` (matching ``predicate``), waiting up to 10 s for it."""

        async def arrive() -> Message:
            while True:
                found = [m for m in self.of(kind) if predicate(m)]
                if found:
                    return found[0]
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrive(), timeout=10)


async def type_text(pilot: object, text: str) -> None:
    """Type ``text`` key by key, as a person would."""
    names = {" ": "space", "\n": "enter"}
    await pilot.press(*(names.get(char, char) for char in text))  # type: ignore[attr-defined]


async def workers_done(app: App[object]) -> None:
    """Wait until no worker runs, including those the finished ones started (a store call's
    result, shown on the UI thread, often reloads a list in a worker of its own)."""
    while running := [worker for worker in app.workers if not worker.is_finished]:
        for worker in running:
            with contextlib.suppress(WorkerCancelled):  # a newer call replaced it
                await worker.wait()


async def until(pilot: object, condition: Callable[[], object]) -> None:
    """Let the app run until ``condition()`` holds (10 s at most): for a screen that opens
    after a read in a thread."""

    async def run() -> None:
        while not condition():
            await pilot.pause()  # type: ignore[attr-defined]

    await asyncio.wait_for(run(), timeout=10)
