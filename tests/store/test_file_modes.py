"""Every file the app creates is 0600 in a 0700 directory, whatever the umask: the
database with its WAL and SHM, the log, the outbox's .eml files (downloads: tests/sync)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from exante_tui.config import Settings
from exante_tui.logs import log_to_file
from exante_tui.services import Services


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The usual permissive umask: files would be 0644 and directories 0755 by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """SQLite whatever EXANTE_TEST_DB says: file modes are a property of the SQLite store."""
    home = tmp_path / "home"
    return Settings(
        data_dir=home / "data",
        config_dir=home / "config",
        db_url=f"sqlite:///{home / 'data' / 'exante.db'}",
    )


def test_the_database_and_its_wal_and_shm_are_private(sqlite_settings: Settings) -> None:
    services = Services.open(sqlite_settings)
    try:
        account = services.accounts.add_outbox("desk@northwind.example")
        services.core.send(
            {"from_account_id": str(account.id), "to": ["a@b.example"], "subject": "s"}
        )
        data = sqlite_settings.data_dir
        database = data / "exante.db"
        sidecars = [data / "exante.db-wal", data / "exante.db-shm"]
        assert all(path.exists() for path in sidecars)
        assert {path.name: mode(path) for path in [database, *sidecars]} == {
            "exante.db": 0o600,
            "exante.db-wal": 0o600,
            "exante.db-shm": 0o600,
        }
        assert mode(data) == mode(sqlite_settings.config_dir) == 0o700
        [eml] = list(sqlite_settings.outbox_dir.glob("*.eml"))
        assert (mode(sqlite_settings.outbox_dir), mode(eml)) == (0o700, 0o600)
        assert list(sqlite_settings.outbox_dir.glob("*.part")) == []
    finally:
        services.close()


def test_files_an_older_version_left_readable_are_made_private(sqlite_settings: Settings) -> None:
    data = sqlite_settings.data_dir
    data.mkdir(parents=True, mode=0o755)
    database = data / "exante.db"
    database.touch(mode=0o644)
    (data / "exante.db-wal").touch(mode=0o644)
    (data / "exante.db-shm").touch(mode=0o644)
    services = Services.open(sqlite_settings)
    try:
        modes = [mode(p) for p in (data, database, data / "exante.db-wal", data / "exante.db-shm")]
        assert modes == [0o700, 0o600, 0o600, 0o600]
    finally:
        services.close()


def test_the_log_is_private(tmp_path: Path) -> None:
    path = log_to_file(tmp_path / "data")
    try:
        assert (mode(path.parent), mode(path)) == (0o700, 0o600)
        assert log_to_file(tmp_path / "data") == path  # a second call adds no second handler
    finally:
        log_to_file(tmp_path / "other")  # leave no handler on this test's directory
