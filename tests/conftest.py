"""Shared fixtures: a throwaway store per test, a loopback fake Gmail, connected accounts.

``EXANTE_TEST_DB=postgresql`` runs every test on PostgreSQL (a private server started for
the run, a fresh database per test); otherwise each test gets its own SQLite file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from builders import write_token_file
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.fixtures import fake_gmail  # noqa: F401  (fixture)
from fakes.gmail_server import FakeGmail
from pg import PgServer

TEST_DB = os.environ.get("EXANTE_TEST_DB", "sqlite")
UNPACED = 1_000_000.0
"""Quota for tests that are not about pacing (tests/providers/test_policy.py is)."""


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """The run's PostgreSQL server when testing on PostgreSQL, else None."""
    if TEST_DB != "postgresql":
        yield None
        return
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def db_url(tmp_path: Path, pg_server: PgServer | None) -> Iterator[str]:
    """A fresh, private database for this test: a SQLite file or a PostgreSQL database."""
    if pg_server is None:
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def settings(tmp_path: Path, db_url: str, fake_gmail: FakeGmail) -> Settings:  # noqa: F811
    """Settings for a private store (``db_url``) and data under ``tmp_path``, on the fake Gmail."""
    return Settings(
        data_dir=tmp_path / "data",
        config_dir=tmp_path / "config",
        db_url=db_url,
        gmail_endpoint=fake_gmail.endpoint,
        gmail_retry_base_delay=0.0,
        gmail_timeout=5.0,
        gmail_quota=UNPACED,
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


@pytest.fixture
def fresh_services(
    settings: Settings, pg_server: PgServer | None, tmp_path: Path
) -> Callable[[], AbstractContextManager[Services]]:
    """A factory of services on a new, empty store each time (one per hypothesis example):
    a copy of a SQLite file migrated once, or a PostgreSQL database from the template."""
    template = tmp_path / "fresh-template.db"
    if pg_server is None:
        Services.open(replace(settings, db_url=f"sqlite:///{template}")).close()

    @contextmanager
    def fresh() -> Iterator[Services]:
        if pg_server is None:
            copy = tmp_path / f"fresh-{uuid.uuid4().hex}.db"
            shutil.copyfile(template, copy)
            url = f"sqlite:///{copy}"
        else:
            url = pg_server.create_database()
        opened = Services.open(replace(settings, db_url=url))
        try:
            yield opened
        finally:
            opened.close()
            if pg_server is None:
                copy.unlink()
            else:
                pg_server.drop_database(url)

    return fresh
