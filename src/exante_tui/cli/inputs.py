"""Reading what the user gives the CLI: JSON request files, uids; usage errors."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

from exante_tui.core.errors import ErrorDetail, ValidationFailed


class UsageError(ValidationFailed):
    """Bad command-line input (exit 2), reported in the one error shape."""


def read_json(source: str) -> Any:
    """The JSON document in file ``source`` (``-``: stdin)."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError("Cannot read the request.", [ErrorDetail("json", str(exc))]) from None
    except UnicodeDecodeError:
        raise UsageError(
            "Cannot read the request.", [ErrorDetail("json", "is not UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            "The request is not valid JSON.",
            [ErrorDetail("body", f"{exc.msg} at line {exc.lineno}, column {exc.colno}")],
        ) from None


def parse_uid(value: str, field: str) -> uuid.UUID:
    """``value`` as a UUID, or a usage error naming ``field``."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UsageError(
            f"{value!r} is not a uid.", [ErrorDetail(field, "must be a UUID")]
        ) from None
