"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.inproc import InProcessCli
from cli.support import Cli
from fakes.gmail_server import FakeGmail


@pytest.fixture
def cli(tmp_path: Path, fake_gmail: FakeGmail, db_url: str) -> Cli:
    """The CLI on a private home, the test's database and the fake Gmail."""
    return Cli(tmp_path / "home", fake_gmail, db_url)


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    fake_gmail: FakeGmail,
    db_url: str,
) -> InProcessCli:
    """The CLI's ``main`` in this process, on the same home and database as ``cli``."""
    return InProcessCli(monkeypatch, capsys, tmp_path / "home", fake_gmail, db_url)
