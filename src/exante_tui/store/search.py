"""Substring search over conversations that stays fast on large SQLite stores.

On SQLite an FTS5 index with the trigram tokenizer (``conversation_search``, kept up to date
by triggers; migration 0005) answers "subject or snippet contains" without walking every
row. It is an external-content index keyed by the conversation's rowid: after a ``VACUUM``
(which may renumber rowids) run ``INSERT INTO conversation_search(conversation_search)
VALUES('rebuild')``. Other databases use ``ILIKE``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal_column, or_, select, table, text
from sqlmodel import col

from exante_tui.store.models import Conversation

SEARCH_TABLE = "conversation_search"
TRIGRAM = 3  # the index answers patterns of at least this many characters


def escape_like(text_: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def is_search_table(name: str | None) -> bool:
    """The FTS index and its shadow tables, which the models do not describe."""
    return bool(name) and str(name).startswith(SEARCH_TABLE)


def include_in_autogenerate(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic ``include_name``: leave the hand-made search index out of model comparisons."""
    return not (type_ == "table" and is_search_table(name))


def like_match(dialect: str, search: str, entity: Any = Conversation) -> ColumnElement[bool]:
    """Subject or snippet contains ``search``: ``LIKE`` on SQLite (ASCII case folding),
    ``ILIKE`` elsewhere. Cheap when matches are common: the newest rows answer."""
    columns = (col(entity.subject), col(entity.snippet))
    pattern = escape_like(search)
    if dialect == "sqlite":
        return or_(*(c.like(pattern, escape="\\") for c in columns))
    return or_(*(c.ilike(pattern, escape="\\") for c in columns))


def index_match(search: str) -> ColumnElement[bool]:
    """The same match through the SQLite trigram index (``search`` of 3+ characters).
    Cheap when matches are rare: no row is visited that does not match."""
    phrase = '"' + search.replace('"', '""') + '"'
    index: Any = table(SEARCH_TABLE, literal_column("rowid"))
    match = text(f"{SEARCH_TABLE} MATCH :phrase").bindparams(phrase=phrase)
    matching = select(literal_column("rowid")).select_from(index).where(match)
    return literal_column("conversation.rowid").in_(matching)
