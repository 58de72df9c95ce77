"""a trigram full-text index over conversation subjects and snippets (SQLite)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    """CREATE VIRTUAL TABLE conversation_search USING fts5(
        subject, snippet, content='conversation', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversation BEGIN
        INSERT INTO conversation_search(rowid, subject, snippet)
        VALUES (new.rowid, new.subject, new.snippet);
    END""",
    """CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversation BEGIN
        INSERT INTO conversation_search(conversation_search, rowid, subject, snippet)
        VALUES ('delete', old.rowid, old.subject, old.snippet);
    END""",
    """CREATE TRIGGER conversation_search_update AFTER UPDATE OF subject, snippet
    ON conversation BEGIN
        INSERT INTO conversation_search(conversation_search, rowid, subject, snippet)
        VALUES ('delete', old.rowid, old.subject, old.snippet);
        INSERT INTO conversation_search(rowid, subject, snippet)
        VALUES (new.rowid, new.subject, new.snippet);
    END""",
    "INSERT INTO conversation_search(conversation_search) VALUES ('rebuild')",
]
DOWNGRADE = [
    "DROP TRIGGER conversation_search_update",
    "DROP TRIGGER conversation_search_delete",
    "DROP TRIGGER conversation_search_insert",
    "DROP TABLE conversation_search",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in DOWNGRADE:
            op.execute(statement)
