"""Search queries (``store.search_query``) as SQL conditions on conversations.

A conversation matches when every term holds somewhere in it: ``from:ken has:attachment``
finds a thread where Ken wrote and a file was attached; ``-term`` keeps threads where the
term appears in no message; ``after:``/``before:`` compare the thread's last activity
(local days). Words are found through migration 0008's full-text index: FTS5 on SQLite
(keyed by the conversation's rowid: after a ``VACUUM``, which may renumber rowids, run
:data:`REBUILD`), a ``tsvector`` with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    not_,
    select,
    table,
    text,
    true,
)
from sqlmodel import col

from exante_tui.store.models import Account, Conversation
from exante_tui.store.search_query import SearchQuery, Term

SEARCH_TABLE = "conversation_search"
SEARCH_VIEW = "conversation_search_source"
REBUILD = [
    f"DELETE FROM {SEARCH_TABLE}",
    f"INSERT INTO {SEARCH_TABLE} (rowid, subject, sender, recipients, body, filenames, labels, "
    f"flags) SELECT * FROM {SEARCH_VIEW}",
]
"""SQLite: rebuild every search document (after a ``VACUUM``)."""

PEOPLE_AND_TEXT = ("subject", "sender", "recipients", "body")
_COLUMNS = {
    None: PEOPLE_AND_TEXT,
    "from": ("sender",),
    "to": ("recipients",),
    "subject": ("subject",),
    "filename": ("filenames",),
    "label": ("labels",),
}
_TAGS = {"subject": "s", "sender": "f", "recipients": "t", "body": "b", "filenames": "n"}
_TAGS |= {"labels": "l", "flags": "x"}
_IS_LABEL = {"unread": "unread", "read": "unread", "starred": "starred", "important": "important"}


def is_search_table(name: str | None) -> bool:
    """The search index, its view and FTS shadow tables, which the models do not describe."""
    return bool(name) and str(name).startswith(SEARCH_TABLE)


def include_in_autogenerate(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic ``include_name``: leave the hand-made search index out of model comparisons."""
    return not (type_ == "table" and is_search_table(name))


def _word_term(term: Term) -> tuple[tuple[str, ...], list[str], bool]:
    """Index columns, words and whether the last word is a prefix, for a word term."""
    if term.field == "has":
        return ("flags",), ["attachment"], False
    if term.field == "is":
        return ("labels",), [_IS_LABEL[term.value]], False
    return _COLUMNS[term.field], term.words, not term.exact


def _fts5(columns: tuple[str, ...], words: list[str], prefix: bool) -> str:
    phrase = '"' + " ".join(words) + '"' + ("*" if prefix else "")
    return "{" + " ".join(columns) + "} : " + phrase


def _tsquery(columns: tuple[str, ...], words: list[str], prefix: bool) -> str:
    alternatives = []
    for column in columns:
        tag = _TAGS[column]
        tagged = [f"{tag}{word}" for word in words]
        if prefix:
            tagged[-1] += ":*"
        alternatives.append(" <-> ".join(tagged))
    return "(" + " | ".join(alternatives) + ")"


def _matching(dialect: str, expressions: list[str]) -> Any:
    """A select of the conversations whose document matches all ``expressions``."""
    if dialect == "sqlite":
        index: Any = table(SEARCH_TABLE, literal_column("rowid"))
        fts = bindparam("fts", " AND ".join(expressions), type_=String, unique=True)
        match = text(f"{SEARCH_TABLE} MATCH :fts").bindparams(fts)
        return select(literal_column("rowid")).select_from(index).where(match)
    index = table(SEARCH_TABLE, literal_column("conversation_id"))
    query = func.to_tsquery("simple", " & ".join(expressions))
    matches = literal_column("document").op("@@")(query)
    return select(literal_column("conversation_id")).select_from(index).where(matches)


def _key(dialect: str) -> Any:
    return literal_column("conversation.rowid") if dialect == "sqlite" else col(Conversation.id)


def _day_start(value: str) -> datetime:
    """Midnight starting that local day."""
    return datetime.combine(date.fromisoformat(value), time()).astimezone()


def _row_condition(term: Term) -> ColumnElement[bool]:
    if term.field == "after":
        condition = col(Conversation.last_message_at) >= _day_start(term.value)
    elif term.field == "before":
        condition = col(Conversation.last_message_at) < _day_start(term.value)
    else:  # account
        pattern = f"%{term.value.lower()}%"
        accounts = select(col(Account.id)).where(func.lower(Account.email).like(pattern))
        condition = col(Conversation.account_id).in_(accounts)
    return not_(condition) if term.negated else condition


def search_condition(query: SearchQuery, dialect: str) -> ColumnElement[bool]:
    """The SQL condition on ``Conversation`` for ``query`` on ``dialect``."""
    build = _fts5 if dialect == "sqlite" else _tsquery
    wanted: list[str] = []
    excluded: list[str] = []
    conditions: list[ColumnElement[bool]] = []
    for term in query.terms:
        if term.field in ("after", "before", "account"):
            conditions.append(_row_condition(term))
            continue
        expression = build(*_word_term(term))
        negated = term.negated != (term.field == "is" and term.value == "read")
        (excluded if negated else wanted).append(expression)
    key = _key(dialect)
    if wanted:
        conditions.append(key.in_(_matching(dialect, wanted)))
    for expression in excluded:
        conditions.append(key.not_in(_matching(dialect, [expression])))
    return and_(true(), *conditions)
