"""Send times as people type them, relative to a fixed Friday morning, in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from exante_tui.core.schedule_input import examples, parse_send_time

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9am", at(21, 9)),
        ("Tomorrow at 9 AM", at(21, 9)),
        ("tomorrow", at(21, 9)),
        ("tomorrow 17:45", at(21, 17, 45)),
        ("today 5pm", at(20, 17)),
        ("mon 8:30", at(23, 8, 30)),
        ("next Monday 8:30am", at(23, 8, 30)),
        ("fri 10am", at(20, 10)),
        ("fri 8am", at(27, 8)),
        ("sat", at(21, 9)),
        ("in 2h", at(20, 11)),
        ("in 90 minutes", at(20, 10, 30)),
        ("in 1h 30m", at(20, 10, 30)),
        ("+1d", at(21, 9)),
        ("+30m", at(20, 9, 30)),
        ("+1w", at(27, 9)),
        ("+1h30m", at(20, 10, 30)),
        ("8am", at(21, 8)),
        ("noon", at(20, 12)),
        ("2026-12-01", at(1, 9, month=12)),
        ("2026-12-01 14:05", at(1, 14, 5, month=12)),
        ("2026-12-01T14:05", at(1, 14, 5, month=12)),
        ("2026-12-01T14:05+01:00", at(1, 13, 5, month=12)),
    ],
)
def test_understood_forms(text: str, expected: datetime) -> None:
    assert parse_send_time(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type when to send"),
        ("someday", "Not a time: 'someday'"),
        ("tomorrow 25:00", "Not a time"),
        ("13pm", "Not a time"),
        ("+3y", "Unknown unit 'y'"),
        ("2026-11-19 10:00", "2026-11-19 10:00 is in the past"),
        ("today 8am", "is in the past"),
        ("+0m", "is in the past"),
    ],
)
def test_refusals_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_send_time(text, NOW)
    if message.startswith(("Type", "Not")):
        assert "tomorrow 9am" in str(caught.value)


def test_the_example_is_a_day_ahead_of_now_and_parses() -> None:
    hint = examples(NOW)
    assert hint.endswith("2026-11-21 09:00")
    for form in hint.split(" · "):
        assert parse_send_time(form, NOW) > NOW
    later = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert examples(later).endswith("2030-01-02 09:00")
