"""TUI fixtures: a demo store at a fixed clock, an app factory, and a message recorder."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from exante_tui.config import Settings
from exante_tui.demo import build_demo
from exante_tui.services import Services
from exante_tui.tui.app import ExanteApp
from tui.support import FIXED_NOW, Recorder, fixed_clock


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local times render in UTC so snapshots do not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_services(settings: Settings) -> Iterator[Services]:
    """Services on a fresh demo store whose core clock is pinned to FIXED_NOW."""
    services = Services.open(settings, clock=fixed_clock)
    build_demo(services, FIXED_NOW)
    yield services
    services.close()


@pytest.fixture
def make_app(demo_services: Services) -> Callable[..., ExanteApp]:
    """Build an app on the demo store (or on ``services`` when given); the background
    scheduler is off and sends go at once (no undo window) unless a test asks."""

    def make(
        services: Services | None = None,
        *,
        scheduler: bool = False,
        send_delay: float = 0.0,
    ) -> ExanteApp:
        return ExanteApp(
            services or demo_services, clock=fixed_clock, scheduler=scheduler, send_delay=send_delay
        )

    return make


@pytest.fixture
def recorder() -> Recorder:
    """A fresh message recorder."""
    return Recorder()
