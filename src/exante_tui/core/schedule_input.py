"""Read a send time as people type it: ``tomorrow 9am``, ``mon 8:30``, ``in 2h``, ``+1d``,
``2026-12-01 09:00`` (ISO, ``T`` or space, an offset allowed).

Times without a zone are local. A day without a time means 09:00; a time without a day
means its next occurrence (today, or tomorrow once it has passed); a weekday means its
next occurrence (today only if the time is still ahead). Anything else, and any time not
in the future, is a ``ValueError`` whose message says what to type.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

DEFAULT_TIME = time(9, 0)
"""The time of day used when only a day is given."""

_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_OFFSET = re.compile(r"^(?:\+|in\s+)((?:\s*\d+\s*[a-z]+)+)$")
_OFFSET_PART = re.compile(r"(\d+)\s*([a-z]+)")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {
    **{name: n for n, full in enumerate(_FULL_DAYS) for name in (full, full[:3])},
    **{"tues": 1, "weds": 2, "thur": 3, "thurs": 3},
}


def examples(now: datetime) -> str:
    """The forms understood, with an ISO example a day after ``now`` (never in the past)."""
    example = (now.astimezone() + timedelta(days=1)).strftime("%Y-%m-%d 09:00")
    return f"tomorrow 9am · mon 8:30 · in 2h · +1d · {example}"


def parse_send_time(text: str, now: datetime) -> datetime:
    """The moment ``text`` names, after ``now`` (aware); ``ValueError`` with a hint otherwise."""
    words = [w for w in text.strip().lower().split() if w not in ("at", "next", "on")]
    cleaned = " ".join(words)
    if not cleaned:
        raise ValueError(f"Type when to send, e.g. {examples(now)}.")
    when = _offset(cleaned, now) or _absolute(cleaned, now)
    if when is None:
        raise ValueError(f"Not a time: {text.strip()!r}. Try {examples(now)}.")
    if when <= now:
        raise ValueError(f"{when.astimezone():%Y-%m-%d %H:%M} is in the past.")
    return when


def _offset(text: str, now: datetime) -> datetime | None:
    match = _OFFSET.match(text)
    if match is None:
        return None
    span = timedelta()
    for amount, unit in _OFFSET_PART.findall(match.group(1)):
        if unit not in _UNITS:
            raise ValueError(f"Unknown unit {unit!r}: use m, h, d or w (e.g. +30m, in 2h).")
        span += timedelta(**{_UNITS[unit]: int(amount)})
    return now + span


def _absolute(text: str, now: datetime) -> datetime | None:
    iso = _iso(text)
    if iso is not None:
        return iso
    day_word, _, time_word = text.partition(" ")
    today = now.astimezone().date()
    day = _day(day_word, today)
    if day is None:  # a bare time: its next occurrence
        clock = _clock(text)
        if clock is None:
            return None
        when = _local(today, clock)
        return when if when > now else _local(today + timedelta(days=1), clock)
    clock = _clock(time_word) if time_word else DEFAULT_TIME
    if clock is None:
        return None
    when = _local(day, clock)
    if day_word in _WEEKDAYS and when <= now:
        when = _local(day + timedelta(days=7), clock)
    return when


def _iso(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    if len(text) == 10:  # a date alone
        parsed = datetime.combine(parsed.date(), DEFAULT_TIME)
    return parsed.astimezone() if parsed.tzinfo is None else parsed


def _day(word: str, today: date) -> date | None:
    if word == "today":
        return today
    if word in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if word in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[word] - today.weekday()) % 7)
    return None


def _clock(word: str) -> time | None:
    if word == "noon":
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    match = _TIME.match(word)
    if match is None:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock).astimezone()
