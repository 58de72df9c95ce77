"""Reading what the user gives the CLI: JSON request files, uids; usage errors."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from exante_tui.errors import ErrorDetail, ValidationFailed


class UsageError(ValidationFailed):
    """Bad command-line input (exit 2), reported in the one error shape."""


def read_json(source: str) -> Any:
    """The JSON document in file ``source`` (``-``: stdin), read as bytes: the terminal's
    encoding never decides what the request says (non-UTF-8 input is refused, not mangled)."""
    from exante_tui.core.json_input import load_json

    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise UsageError("Cannot read the request.", [ErrorDetail("json", str(exc))]) from None
    return load_json(data)


def parse_uid(value: str, field: str) -> uuid.UUID:
    """``value`` as a UUID, or a usage error naming ``field``."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UsageError(
            f"{value!r} is not a uid.", [ErrorDetail(field, "must be a UUID")]
        ) from None
