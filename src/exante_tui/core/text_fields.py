"""The one rule for text that becomes a header, and the checks every free-text field passes.

A header value is checked as written *and* as the email package will decode it: an RFC 2047
encoded word (``=?utf-8?q?a=0D=0ABcc:_x@y?=``) is decoded when the message is built, so a
CR/LF hidden in one would otherwise turn into a real header.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header

from exante_tui.mail.headers import HEADERS

LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character ``str.splitlines`` (and so the email package) treats as a line end."""
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
"""C0 and C1 control characters except tab: never part of a header value."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ENCODED_WORD = "=?"


def has_line_break(value: str) -> bool:
    """Whether ``value`` would break a header onto a new line."""
    return not LINE_BREAKS.isdisjoint(value)


def has_surrogate(value: str) -> bool:
    """Whether ``value`` holds a lone surrogate; ASCII text (a 50 MB base64 attachment, say)
    is answered at C speed without scanning it character by character."""
    return not value.isascii() and _SURROGATE.search(value) is not None


def check_unicode(value: str) -> str:
    """Refuse lone surrogates (``"\\ud800"`` in JSON): they are not text and cannot be sent."""
    if has_surrogate(value):
        raise ValueError("contains a lone surrogate (\\ud800-\\udfff): not valid Unicode text")
    return value


def decoded_forms(value: str) -> list[str]:
    """``value`` and what the email package makes of it once RFC 2047 words are decoded."""
    forms = [value]
    if _ENCODED_WORD not in value:
        return forms
    try:
        forms.append(str(make_header(decode_header(value))))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        raise ValueError("contains a malformed RFC 2047 encoded word") from None
    try:
        forms.append(str(HEADERS("X-Checked", value)))
    except (HeaderParseError, IndexError, ValueError):
        raise ValueError("contains a malformed RFC 2047 encoded word") from None
    return forms


def header_problem(value: str) -> str | None:
    """Why ``value`` may not go into a header, or None when it may."""
    if has_surrogate(value):
        return "contains a lone surrogate (\\ud800-\\udfff): not valid Unicode text"
    try:
        forms = decoded_forms(value)
    except ValueError as exc:
        return str(exc)
    for form, decoded in zip(forms, (False, True, True), strict=False):
        where = " once its RFC 2047 encoded words are decoded" if decoded else ""
        if has_line_break(form):
            return f"contains a line break{where}; header injection is not allowed"
        if _HEADER_CONTROL.search(form):
            return f"contains control characters{where}"
    return None


def check_header_text(value: str) -> str:
    """A value that becomes (part of) a header: no line breaks or control characters,
    as written or once decoded."""
    problem = header_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def check_body_text(value: str) -> str:
    """A message body: anything printable or whitespace, but no NUL bytes or surrogates."""
    if "\x00" in value:
        raise ValueError("contains a NUL byte")
    return check_unicode(value)
