"""The Gmail-style search language, parsed into terms (no SQL here; see ``store.search``).

A query is terms separated by spaces, all of which must hold::

    from:ken  to:maria  subject:invoice  has:attachment  filename:pdf  is:unread
    is:starred  label:clients  after:2026-11-01  before:2026-12-01  account:ada
    "exact phrase"  -excluded  bare words

Field values may be quoted (``subject:"payment reminder"``). Bare words match subjects,
senders, recipients and bodies. Words match whole words, as in Gmail (``invoice`` finds
"invoice" but not "invoices"); a word ending in ``*`` matches from its start (``inv*`` finds
both). Quoted phrases match exactly. A term with no letters or digits (``-``, ``&``) is
ignored.
Syntax errors raise ``ValidationFailed`` naming the ``query`` field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from exante_tui.errors import ErrorDetail, ValidationFailed

TEXT_FIELDS = ("from", "to", "subject", "filename", "label")
"""Operators whose value is words to find in one part of the conversation."""
FIELDS = (*TEXT_FIELDS, "has", "is", "after", "before", "account")
HAS_VALUES = ("attachment",)
IS_VALUES = ("unread", "read", "starred", "important")

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?("([^"]*)"|"[^"]*$|[^\s"]+)')
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Term:
    """One condition. ``field`` is None for bare words; ``prefix`` when the last word ends in
    ``*`` (outside quotes) and matches any word it starts."""

    field: str | None
    value: str
    negated: bool = False
    prefix: bool = False

    @property
    def words(self) -> list[str]:
        """The value's words, lowercased, as the full-text indexes split them."""
        return [word.lower() for word in _WORDS.findall(self.value)]


@dataclass(frozen=True)
class SearchQuery:
    """The parsed query: every term must hold."""

    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        """No conditions: everything matches."""
        return not self.terms


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The search query is not valid.", [ErrorDetail("query", message)])


def _date(operator: str, value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{operator}: wants a date as YYYY-MM-DD, not {value!r}") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _invalid(f"{operator}: wants a date as YYYY-MM-DD, not {value!r}")
    return value


def _term(negated: bool, operator: str | None, raw: str, quoted: str | None) -> Term | None:
    if raw.startswith('"') and quoted is None:
        raise _invalid("a quoted phrase is missing its closing quote")
    if operator is None and raw.endswith(":") and raw[:-1].lower() in FIELDS:
        raise _invalid(f"{raw} needs a value")
    value = quoted if quoted is not None else raw
    field = operator.lower() if operator and operator.lower() in FIELDS else None
    if operator and field is None:
        value = f"{operator}:{value}"  # not an operator (``re:``, ``10:30``): plain words
    if field is not None and not value.strip():
        raise _invalid(f"{field}: needs a value")
    if field == "has" and value.lower() not in HAS_VALUES:
        raise _invalid(f"has: knows {', '.join(HAS_VALUES)}, not {value!r}")
    if field == "is" and value.lower() not in IS_VALUES:
        raise _invalid(f"is: knows {', '.join(IS_VALUES)}, not {value!r}")
    if field in ("after", "before"):
        value = _date(field, value)
    if field in ("has", "is"):
        value = value.lower()
    term = Term(field, value, negated, prefix=quoted is None and value.endswith("*"))
    if field in (None, *TEXT_FIELDS) and not term.words:
        return None
    return term


def parse_query(text: str) -> SearchQuery:
    """Parse ``text``; raises ``ValidationFailed`` (field ``query``) on bad syntax."""
    terms: list[Term] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN.match(text, position)
        if match is None:  # a lone quote after an operator-less minus, e.g. ``-"``
            raise _invalid("a quoted phrase is missing its closing quote")
        negated, operator, raw, quoted = match.groups()
        term = _term(bool(negated), operator, raw, quoted)
        if term is not None:
            terms.append(term)
        position = match.end()
    return SearchQuery(tuple(terms))
