"""Request documents from bytes: strict UTF-8 JSON, bounded nesting, Unicode text only.

The one reader of request bodies for the CLI (``--json FILE|-``) and the HTTP front end,
so both refuse the same hostile input with the same ``validation_error``.
"""

from __future__ import annotations

import json
from typing import Any

from exante_tui.core.text_fields import has_surrogate
from exante_tui.core.validation import field_path
from exante_tui.errors import ErrorDetail, ValidationFailed

MAX_DEPTH = 64
"""Deepest nesting accepted; a send request needs three levels, a template context a few."""


def _refuse(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed("The request is not valid JSON.", [ErrorDetail(field, reason)])


def load_json(data: bytes, field: str = "body") -> Any:
    """``data`` parsed as a JSON document, or a ``validation_error`` naming what is wrong.

    Refused: bytes that are not UTF-8, malformed JSON, integers longer than Python converts
    (4,300 digits), nesting deeper than ``MAX_DEPTH``, and lone surrogates (``"\\ud800"``),
    which are not text and could not be sent or stored; those name their field.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(field, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(
            field, f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise _refuse(field, f"is nested too deeply (over {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # an integer too long to convert
        raise _refuse(field, f"holds a number that is too long: {exc}") from None
    problems = _problems(document)
    if problems:
        raise ValidationFailed("The request is not valid.", problems)
    return document


def _problems(document: Any) -> list[ErrorDetail]:
    """Nesting and Unicode problems, each with the path of the value it is in."""
    problems: list[ErrorDetail] = []
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return [ErrorDetail("body", f"is nested too deeply (over {MAX_DEPTH} levels)")]
        if isinstance(value, str):
            if has_surrogate(value):
                problems.append(ErrorDetail(field_path(path), _LONE_SURROGATE))
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_surrogate(key):
                    problems.append(ErrorDetail(field_path(path) + "(key)", _LONE_SURROGATE))
                    continue
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
    problems.reverse()
    return problems


_LONE_SURROGATE = "contains a lone surrogate (\\ud800-\\udfff): not valid Unicode text"
