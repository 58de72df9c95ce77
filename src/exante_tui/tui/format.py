"""Plain formatting helpers shared by screens: sizes, times, stored text as literal text."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from exante_tui.display import clean


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


def literal(value: str, *, body: bool = False, style: str = "") -> Text:
    """Stored text as a renderable: never markup or an action (``[@click=app.quit]`` shows
    as typed), control characters shown escaped; ``body`` keeps newlines and tabs."""
    return Text(clean(value, body=body), style=style)


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
