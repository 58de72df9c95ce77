"""Pytest fixtures for the fakes; load with ``pytest_plugins = ["fakes.fixtures"]``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakes.gmail_server import FakeGmail, fake_credentials

__all__ = ["fake_credentials", "fake_gmail"]


@pytest.fixture
def fake_gmail() -> Iterator[FakeGmail]:
    """A started fake Gmail server, stopped (and its hung requests released) afterwards."""
    with FakeGmail() as fake:
        yield fake
