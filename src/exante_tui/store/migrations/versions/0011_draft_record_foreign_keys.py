"""foreign keys between a draft and the record of its send, both ON DELETE SET NULL

``draft.outbound_email_uid`` → ``outboundemail.id`` and ``outboundemail.draft_uid`` →
``draft.id``. Removing a draft keeps its send record (the audit trail) with ``draft_uid``
cleared; removing a record clears the draft's link. References that already point nowhere
are cleared first.

PostgreSQL adds the constraints in place. SQLite can add one only by rebuilding the table,
and dropping the old table with foreign keys on would cascade-delete every row that points
at it (a draft's files, a record's bytes): the two tables are rebuilt by hand, never by a
batch operation, and only with foreign keys off, which ``store.db.migrate`` arranges before
its transaction begins (SQLite ignores the pragma inside one). Run with foreign keys on,
this revision refuses rather than lose rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:30:00
"""

import re
from collections.abc import Callable, Sequence
from functools import partial

from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, referred table, constraint name)
KEYS = [
    ("draft", "outbound_email_uid", "outboundemail", "fk_draft_outbound_email"),
    ("outboundemail", "draft_uid", "draft", "fk_outbound_draft"),
]
CHECKED = ["draft", "outboundemail", "draftattachment", "emailmessage", "outboundrawchunk"]
"""The rebuilt tables and those that point at them: checked after a rebuild."""


def _clause(column: str, referred: str, name: str) -> str:
    return f"CONSTRAINT {name} FOREIGN KEY({column}) REFERENCES {referred} (id) ON DELETE SET NULL"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    connection = _foreign_keys_off() if sqlite else op.get_bind()
    for table, column, referred, _name in KEYS:
        op.execute(
            f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL "
            f"AND {column} NOT IN (SELECT id FROM {referred})"
        )
    if not sqlite:
        for table, column, referred, name in KEYS:
            op.create_foreign_key(name, table, referred, [column], ["id"], ondelete="SET NULL")
        return
    for table, column, referred, name in KEYS:
        _rebuild(connection, table, partial(_add, column=column, referred=referred, name=name))
    _check(connection)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table, _column, _referred, name in reversed(KEYS):
            op.drop_constraint(name, table, type_="foreignkey")
        return
    connection = _foreign_keys_off()
    for table, column, referred, name in reversed(KEYS):
        _rebuild(connection, table, partial(_drop, column=column, referred=referred, name=name))
    _check(connection)


def _foreign_keys_off() -> Connection:
    connection = op.get_bind()
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "revision 0011 rebuilds tables on SQLite and needs foreign keys off "
            "(run it through exante_tui.store.db.migrate)"
        )
    return connection


def _add(sql: str, column: str, referred: str, name: str) -> str:
    body = sql.rstrip()
    if not body.endswith(")"):
        raise RuntimeError(f"unexpected table definition: {sql!r}")
    return f"{body[:-1].rstrip()}, \n\t{_clause(column, referred, name)}\n)"


def _drop(sql: str, column: str, referred: str, name: str) -> str:
    clause = f", \n\t{_clause(column, referred, name)}"
    if clause not in sql:
        raise RuntimeError(f"{name} is not in the table definition: {sql!r}")
    return sql.replace(clause, "")


def _rebuild(connection: Connection, table: str, change: Callable[[str], str]) -> None:
    """SQLite's own procedure for a table change: create the new table, copy the rows,
    drop the old one, rename, and put its indexes and triggers back (foreign keys off)."""
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    others = (
        connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    new = f"_{table}_0011"
    created, count = re.subn(
        rf'^CREATE TABLE\s+"?{table}"?\s*\(', f"CREATE TABLE {new} (", change(sql), count=1
    )
    if count != 1:
        raise RuntimeError(f"unexpected table definition: {sql!r}")
    connection.exec_driver_sql(created)
    connection.exec_driver_sql(f"INSERT INTO {new} SELECT * FROM {table}")
    connection.exec_driver_sql(f"DROP TABLE {table}")
    connection.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {table}")
    for statement in others:
        connection.exec_driver_sql(statement)


def _check(connection: Connection) -> None:
    for table in CHECKED:
        broken = connection.exec_driver_sql(f"PRAGMA foreign_key_check({table})").all()
        if broken:
            raise RuntimeError(f"revision 0011 left broken references in {table}: {broken}")
