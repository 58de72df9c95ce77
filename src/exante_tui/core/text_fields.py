"""Checks for free-text fields: header values stay on one line, no field carries NUL bytes."""

from __future__ import annotations

import re

_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character ``str.splitlines`` (and so the email package) treats as a line end."""


def has_line_break(value: str) -> bool:
    """Whether ``value`` would break a header onto a new line."""
    return not LINE_BREAKS.isdisjoint(value)


def check_header_text(value: str) -> str:
    """A value that becomes (part of) a header: no line breaks or control characters."""
    if has_line_break(value):
        raise ValueError("contains a line break; header injection is not allowed")
    if _HEADER_CONTROL.search(value):
        raise ValueError("contains control characters")
    return value


def check_body_text(value: str) -> str:
    """A message body: anything printable or whitespace, but no NUL bytes."""
    if "\x00" in value:
        raise ValueError("contains a NUL byte")
    return value
