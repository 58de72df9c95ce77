"""Checks for free-text fields: header values stay on one line, no field carries NUL bytes."""

from __future__ import annotations

import re

_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_header_text(value: str) -> str:
    """A value that becomes (part of) a header: no line breaks or control characters."""
    if "\r" in value or "\n" in value:
        raise ValueError("contains a line break; header injection is not allowed")
    if _HEADER_CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


def check_body_text(value: str) -> str:
    """A message body: anything printable or whitespace, but no NUL bytes."""
    if "\x00" in value:
        raise ValueError("contains a NUL byte")
    return value
