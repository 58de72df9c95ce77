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
    Connection,
    String,
    and_,
    bindparam,
    exists,
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

BROAD = 5_000
"""SQLite: a query matching at least this many conversations is read newest first."""
DENSE = 4
"""SQLite: a broad query whose first :data:`BROAD` matches lie within the first
``BROAD * DENSE`` rowids (about one conversation in ``DENSE`` or more matches) is tested
conversation by conversation; a sparser one collects its matches first."""
SEARCH_TABLE = "conversation_search"
NEWEST_FIRST_INDEX = "ix_conversation_newest_first"
"""PostgreSQL: ``conversation (last_message_at DESC NULLS LAST)`` (migration 0010)."""
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
    """Alembic ``include_name``: leave the hand-made search index, and PostgreSQL's
    newest-first index (migration 0010, which the models cannot state for both databases),
    out of model comparisons."""
    if type_ == "index":
        return name != NEWEST_FIRST_INDEX
    return not (type_ == "table" and is_search_table(name))


def _word_term(term: Term) -> tuple[tuple[str, ...], list[str], bool]:
    """Index columns, words and whether the last word is a prefix, for a word term."""
    if term.field == "has":
        return ("flags",), ["attachment"], False
    if term.field == "is":
        return ("labels",), [_IS_LABEL[term.value]], False
    return _COLUMNS[term.field], term.words, term.prefix


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


def _matching(dialect: str, expression: str) -> Any:
    """A select of the conversations whose document matches ``expression``."""
    if dialect == "sqlite":
        index: Any = table(SEARCH_TABLE, literal_column("rowid"))
        match = text(f"{SEARCH_TABLE} MATCH :fts").bindparams(
            bindparam("fts", expression, type_=String, unique=True)
        )
        return select(literal_column("rowid")).select_from(index).where(match)
    index = table(SEARCH_TABLE, literal_column("conversation_id"))
    matches = literal_column("document").op("@@")(func.to_tsquery("simple", expression))
    # OFFSET 0 keeps PostgreSQL from merging this into the outer query: the matches are found
    # once through the GIN index, not tested conversation by conversation (see
    # ``_prefer_indexes``).
    return select(literal_column("conversation_id")).select_from(index).where(matches).offset(0)


def _combined(dialect: str, wanted: list[str], excluded: list[str]) -> str:
    """One full-text expression: all of ``wanted`` and none of ``excluded`` (``wanted`` is
    not empty: neither index can answer a bare negation)."""
    if dialect == "sqlite":
        expression = " AND ".join(f"({w})" for w in wanted)
        return expression + (f" NOT ({' OR '.join(excluded)})" if excluded else "")
    return " & ".join([*wanted, *(f"!{e}" for e in excluded)])


def _key(dialect: str, newest_first: bool = False) -> Any:
    if dialect != "sqlite":
        return col(Conversation.id)
    # ``+`` keeps SQLite from looking the matches up by rowid and sorting them all: it reads
    # conversations newest first through the date index and stops at the page's end.
    return literal_column("+conversation.rowid" if newest_first else "conversation.rowid")


def _each_matches(expression: str) -> Any:
    """SQLite: the conversation in hand matches ``expression`` (FTS5 seeks the one document
    by rowid). Checked row by row while the date index is walked newest first, this stops at
    the page's end instead of collecting every match of a broad query first."""
    index: Any = table(SEARCH_TABLE)
    match = text(f"{SEARCH_TABLE} MATCH :fts").bindparams(
        bindparam("fts", expression, type_=String, unique=True)
    )
    same = literal_column(f"{SEARCH_TABLE}.rowid") == literal_column("conversation.rowid")
    return exists().select_from(index).where(match, same)


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


def _split(query: SearchQuery, dialect: str) -> tuple[list[Term], list[str], list[str]]:
    """Row terms (dates, account), and the full-text expressions wanted and excluded."""
    build = _fts5 if dialect == "sqlite" else _tsquery
    rows: list[Term] = []
    wanted: list[str] = []
    excluded: list[str] = []
    for term in query.terms:
        if term.field in ("after", "before", "account"):
            rows.append(term)
            continue
        expression = build(*_word_term(term))
        negated = term.negated != (term.field == "is" and term.value == "read")
        (excluded if negated else wanted).append(expression)
    return rows, wanted, excluded


def _prefer_indexes(connection: Connection) -> None:
    """PostgreSQL, for the rest of the transaction: no sequential scans. The planner counts a
    scan of the search table as cheap because it does not price reading each document from
    TOAST storage, which made a broad search read every document (0.5 s at 10k threads)
    where the GIN index or a newest-first walk reads few."""
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")


def _sqlite_page(connection: Connection, expression: str) -> Any:
    """SQLite, for one page newest first: the condition on the conversation for the
    full-text ``expression``, chosen by how many conversations it matches (SQLite cannot
    estimate that, so the first :data:`BROAD` matches are read). If that is all, the
    condition lists them (in JSON) and they are fetched and sorted. If not, the match is
    broad and the page is found by walking the date index newest first, stopping at the
    page's end: a dense match (:data:`DENSE`) tests each conversation on the way
    (:func:`_each_matches`), a sparser one collects its matches first. Either way the rows
    and their order are the same."""
    first = _matching("sqlite", expression).limit(BROAD).subquery()
    count, found, last = connection.execute(
        select(func.count(), func.json_group_array(first.c.rowid), func.max(first.c.rowid))
    ).one()
    if count < BROAD:
        listed: Any = select(literal_column("value")).select_from(func.json_each(found))
        return _key("sqlite").in_(listed)
    if last <= BROAD * DENSE:
        return _each_matches(expression)
    return _key("sqlite", newest_first=True).in_(_matching("sqlite", expression))


def search_condition(
    connection: Connection, query: SearchQuery, *, paged: bool = True
) -> ColumnElement[bool]:
    """The SQL condition on ``Conversation`` for ``query``, on ``connection``'s database.

    ``paged``: the caller reads one page newest first, and SQLite picks the plan for it
    (:func:`_sqlite_page`); ``False`` for a count of every match, which reads them all
    without that probe. PostgreSQL's planner chooses from its statistics (see
    :func:`_prefer_indexes`)."""
    dialect = connection.dialect.name
    rows, wanted, excluded = _split(query, dialect)
    conditions = [_row_condition(term) for term in rows]
    if wanted:
        expression = _combined(dialect, wanted, excluded)
        if dialect == "sqlite" and paged:
            conditions.append(_sqlite_page(connection, expression))
        else:
            if dialect != "sqlite":
                _prefer_indexes(connection)
            conditions.append(_key(dialect).in_(_matching(dialect, expression)))
    elif excluded:  # only exclusions: most conversations are left, so walk newest first
        if dialect != "sqlite":
            _prefer_indexes(connection)
        for expression in excluded:
            conditions.append(_key(dialect, paged).not_in(_matching(dialect, expression)))
    return and_(true(), *conditions)
