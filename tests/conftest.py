"""Shared fixtures: a throwaway store per test, a loopback fake Gmail, connected accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from builders import write_token_file
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.fixtures import fake_gmail  # noqa: F401  (fixture)
from fakes.gmail_server import FakeGmail


@pytest.fixture
def settings(tmp_path: Path, fake_gmail: FakeGmail) -> Settings:  # noqa: F811
    """Settings for a private store under ``tmp_path``, talking to the fake Gmail."""
    return Settings(
        data_dir=tmp_path / "data",
        config_dir=tmp_path / "config",
        db_url=f"sqlite:///{tmp_path / 'store.db'}",
        gmail_endpoint=fake_gmail.endpoint,
        gmail_retry_base_delay=0.0,
        gmail_timeout=5.0,
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The app's services on a fresh, migrated store."""
    opened = Services.open(settings)
    yield opened
    opened.close()


@pytest.fixture
def gmail_account(services: Services, tmp_path: Path) -> Account:
    """A Gmail account whose token the fake accepts."""
    token_file = write_token_file(tmp_path / "token.json")
    return services.accounts.add_gmail_from_token_file(
        "billing@northwind.example", token_file, "Northwind Billing"
    )
