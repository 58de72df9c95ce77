"""A merge's rows from a file: CSV with a header row, or JSON Lines.

Rows are numbered as a spreadsheet shows them: in a CSV the header is row 1, so the first
data row is row 2; in JSON Lines a row's number is its line. A row that cannot be read is
kept, as ``{"": why}``, so the merge reports it with the others.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from exante_tui.core.templates import nest
from exante_tui.errors import ErrorDetail, ValidationFailed


def read_rows(path: str, limit: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """The rows of ``path`` with their numbers: JSON Lines when it starts with ``{``, else CSV.

    ``ValidationFailed`` on the ``rows`` field when the file cannot be read or parsed.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise _bad_rows(str(exc)) from None
    except UnicodeDecodeError:
        raise _bad_rows("is not UTF-8 text") from None
    reader = _json_lines if text.lstrip().startswith("{") else _csv_rows
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, row in reader(text):
        if limit is not None and len(rows) >= limit:
            break
        rows.append((number, row))
    return rows


def _bad_rows(message: str) -> ValidationFailed:
    return ValidationFailed("Cannot read the rows.", [ErrorDetail("rows", message)])


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise _bad_rows("has no header row")
    names = [name.strip() for name in header]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _bad_rows(f"repeats the column {duplicates[0]!r}")
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            yield number, {"": f"has {len(values)} values for {len(names)} columns"}
            continue
        yield number, nest(dict(zip(names, values, strict=True)))


def _json_lines(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"": f"is not JSON: {exc.msg}"}
            continue
        yield number, row if isinstance(row, dict) else {"": "is not a JSON object"}
