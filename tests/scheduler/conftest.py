"""Fixtures of the scheduler tests: services on a test clock, and an account on them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from builders import T0, Clock, write_token_file
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def timed(settings: Settings, clock: Clock) -> Iterator[Services]:
    """Services whose every timestamp comes from ``clock``."""
    opened = Services.open(settings, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def account(timed: Services, tmp_path: Path) -> Account:
    token = write_token_file(tmp_path / "token.json")
    return timed.accounts.add_gmail_from_token_file("billing@northwind.example", token)
