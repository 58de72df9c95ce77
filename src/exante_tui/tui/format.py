"""Plain formatting helpers shared by screens: sizes, times, schedule parsing."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_RELATIVE = re.compile(r"^\+\s*(\d+)\s*([mhdw])$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def human_size(size: int) -> str:
    """``512 B``, ``12.3 KiB``, ``4.0 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def local_time(when: datetime | None) -> str:
    """A timestamp in the local zone, to the minute (empty for None)."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


def relative(when: datetime | None, now: datetime) -> str:
    """``in 1d 2h``, ``3h ago``, ``just now`` or ``in <1m``, relative to ``now`` (app clock)."""
    if when is None:
        return ""
    delta = when - now
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return "in <1m" if delta.total_seconds() > 0 else "just now"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}d"] if days else []
    if hours and len(parts) < 2:
        parts.append(f"{hours}h")
    if not parts:
        parts.append(f"{minutes}m")
    span = " ".join(parts)
    return f"in {span}" if delta.total_seconds() > 0 else f"{span} ago"


def parse_schedule(text: str, now: datetime) -> datetime:
    """``+2h``/``+30m``/``+1d``/``+1w`` from ``now``, or a local ``YYYY-MM-DD HH:MM``.

    Raises ``ValueError`` with a sentence for anything else or for a time in the past.
    """
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        when = now + timedelta(**{_UNITS[unit]: amount})
    else:
        for fmt in _FORMATS:
            try:
                when = datetime.strptime(text, fmt).astimezone()
                break
            except ValueError:
                continue
        else:
            raise ValueError("Use a time like '2026-12-01 09:00', or '+2h', '+30m', '+1d'.")
    if when <= now:
        raise ValueError("That time is in the past.")
    return when
