"""How the CLI prints: JSON, plain tables, cleaned text (the rows' JSON shapes are in
:mod:`exante_tui.cli.public`). ``json`` is imported when JSON is printed, so ``--help``
stays fast."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from exante_tui.display import clean

if TYPE_CHECKING:
    from datetime import datetime


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """The ``--json`` flag of a listing or reporting subcommand."""
    parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")


_JSON_UNESCAPED = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw although a terminal acts on it."""


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def say(text: str, *, body: bool = False, **kwargs: Any) -> None:
    """``print`` for text that holds anything from the store or the user: cleaned first."""
    print(clean(text, body=body), **kwargs)


def print_json(payload: Any, *, indent: int | None = 2) -> None:
    """The one JSON printer of the CLI (``indent=None`` for JSON Lines). UTF-8 is kept as
    is, except the C1 and bidi controls JSON leaves raw: those are ``\\u`` escapes."""
    import json

    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    print(_JSON_UNESCAPED.sub(_escaped, text), flush=True)


def emit(args: argparse.Namespace, payload: Any, human: Callable[[], None]) -> None:
    """Print ``payload`` as JSON under ``--json``; otherwise let ``human`` print it."""
    if args.as_json:
        print_json(payload)
    else:
        human()


def iso(value: datetime | None) -> str | None:
    """UTC timestamps as ``2024-03-25T10:30:00Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned table of ``columns`` (lists joined with commas)."""
    if not rows:
        print("(none)")
        return

    def cell(value: Any) -> str:
        text = (
            ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
        )
        text = clean(text)
        return text if len(text) <= 60 else text[:59] + "…"

    table = [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
