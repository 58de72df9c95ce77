"""message labels, downloaded attachment bytes, and full-text search over conversations

Replaces 0005's trigram index (subject and snippet only) with one search document per
conversation: subjects, senders, recipients, bodies, attachment names, labels and an
"attachment" flag, kept current by triggers. SQLite: an FTS5 table keyed by the
conversation's rowid, one column per part. PostgreSQL: a ``tsvector`` with a GIN index,
each word tagged with its part (``f`` sender, ``b`` body, …) so ``from:`` and bare words
share one index. ``conversation_search_source`` (a view) computes the documents; the
triggers refresh one conversation's document from it.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SQLITE = [
    "DROP TRIGGER conversation_search_update",
    "DROP TRIGGER conversation_search_delete",
    "DROP TRIGGER conversation_search_insert",
    "DROP TABLE conversation_search",
]

SQLITE_REFRESH = """
    DELETE FROM conversation_search WHERE rowid = {rowid};
    INSERT INTO conversation_search
        (rowid, subject, sender, recipients, body, filenames, labels, flags)
    SELECT * FROM conversation_search_source WHERE rowid = {rowid};
"""
SQLITE_MESSAGE_ROWID = "(SELECT rowid FROM conversation WHERE id = {side}.conversation_id)"

SQLITE = [
    """CREATE VIRTUAL TABLE conversation_search USING fts5(
        subject, sender, recipients, body, filenames, labels, flags,
        tokenize='unicode61 remove_diacritics 2', prefix='2 4')""",
    """CREATE VIEW conversation_search_source AS
    SELECT c.rowid AS rowid,
        c.subject || ' ' || coalesce(group_concat(DISTINCT m.subject), '') AS subject,
        group_concat(m."from", ' ') AS sender,
        group_concat(m."to" || ' ' || m.cc, ' ') AS recipients,
        group_concat(m.body_text, ' ') AS body,
        group_concat(
            (SELECT group_concat(json_extract(a.value, '$.filename'), ' ')
             FROM json_each(coalesce(m.attachments, '[]')) AS a), ' ') AS filenames,
        group_concat(m.labels, ' ') AS labels,
        max(CASE WHEN json_array_length(coalesce(m.attachments, '[]')) > 0
            THEN 'attachment' ELSE '' END) AS flags
    FROM conversation AS c LEFT JOIN emailmessage AS m ON m.conversation_id = c.id
    GROUP BY c.rowid""",
    "CREATE TRIGGER conversation_search_ci AFTER INSERT ON conversation BEGIN"
    + SQLITE_REFRESH.format(rowid="new.rowid")
    + "END",
    "CREATE TRIGGER conversation_search_cu AFTER UPDATE OF subject ON conversation BEGIN"
    + SQLITE_REFRESH.format(rowid="new.rowid")
    + "END",
    """CREATE TRIGGER conversation_search_cd AFTER DELETE ON conversation BEGIN
        DELETE FROM conversation_search WHERE rowid = old.rowid;
    END""",
    "CREATE TRIGGER conversation_search_mi AFTER INSERT ON emailmessage BEGIN"
    + SQLITE_REFRESH.format(rowid=SQLITE_MESSAGE_ROWID.format(side="new"))
    + "END",
    "CREATE TRIGGER conversation_search_md AFTER DELETE ON emailmessage BEGIN"
    + SQLITE_REFRESH.format(rowid=SQLITE_MESSAGE_ROWID.format(side="old"))
    + "END",
    'CREATE TRIGGER conversation_search_mu AFTER UPDATE OF subject, "from", "to", cc, '
    "body_text, attachments, labels, conversation_id ON emailmessage BEGIN"
    + SQLITE_REFRESH.format(rowid=SQLITE_MESSAGE_ROWID.format(side="old"))
    + SQLITE_REFRESH.format(rowid=SQLITE_MESSAGE_ROWID.format(side="new"))
    + "END",
    """INSERT INTO conversation_search
        (rowid, subject, sender, recipients, body, filenames, labels, flags)
    SELECT * FROM conversation_search_source""",
]
SQLITE_DOWN = [
    "DROP TRIGGER conversation_search_mu",
    "DROP TRIGGER conversation_search_md",
    "DROP TRIGGER conversation_search_mi",
    "DROP TRIGGER conversation_search_cd",
    "DROP TRIGGER conversation_search_cu",
    "DROP TRIGGER conversation_search_ci",
    "DROP VIEW conversation_search_source",
    "DROP TABLE conversation_search",
]

POSTGRESQL = [
    # Every word of ``value`` as ``<tag><word>``; the body part of a thread is capped so the
    # document stays under PostgreSQL's 1 MB tsvector limit.
    r"""CREATE FUNCTION conversation_search_part(tag text, value text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT to_tsvector('simple', regexp_replace(
            regexp_replace(lower(left(coalesce(value, ''), 200000)), '[^[:alnum:]]+', ' ', 'g'),
            '([[:alnum:]]+)', tag || '\1', 'g'))
    $$""",
    """CREATE TABLE conversation_search (
        conversation_id uuid PRIMARY KEY REFERENCES conversation (id) ON DELETE CASCADE,
        document tsvector NOT NULL)""",
    "CREATE INDEX ix_conversation_search_document ON conversation_search USING gin (document)",
    """CREATE VIEW conversation_search_source AS
    SELECT c.id AS conversation_id,
        conversation_search_part(
            's', c.subject || ' ' || coalesce(string_agg(DISTINCT m.subject, ' '), ''))
        || conversation_search_part('f', string_agg(m."from", ' '))
        || conversation_search_part('t', string_agg(m."to"::text || ' ' || m.cc::text, ' '))
        || conversation_search_part('b', string_agg(m.body_text, ' '))
        || conversation_search_part('n', string_agg(f.names, ' '))
        || conversation_search_part('l', string_agg(m.labels::text, ' '))
        || conversation_search_part('x', CASE WHEN bool_or(f.names IS NOT NULL)
            THEN 'attachment' ELSE '' END) AS document
    FROM conversation AS c
    LEFT JOIN emailmessage AS m ON m.conversation_id = c.id
    LEFT JOIN LATERAL (
        SELECT string_agg(a ->> 'filename', ' ') AS names
        FROM json_array_elements(coalesce(m.attachments, '[]'::json)) AS a) AS f ON true
    GROUP BY c.id""",
    """CREATE FUNCTION conversation_search_refresh(target uuid) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM conversation_search WHERE conversation_id = target;
        INSERT INTO conversation_search (conversation_id, document)
        SELECT conversation_id, document FROM conversation_search_source
        WHERE conversation_id = target;
    END $$""",
    """CREATE FUNCTION conversation_search_message_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM conversation_search_refresh(OLD.conversation_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.conversation_id <> OLD.conversation_id)
        THEN
            PERFORM conversation_search_refresh(NEW.conversation_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION conversation_search_conversation_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM conversation_search_refresh(NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER conversation_search_message AFTER INSERT OR DELETE OR UPDATE
    ON emailmessage FOR EACH ROW EXECUTE FUNCTION conversation_search_message_changed()""",
    """CREATE TRIGGER conversation_search_conversation AFTER INSERT OR UPDATE OF subject
    ON conversation FOR EACH ROW EXECUTE FUNCTION conversation_search_conversation_changed()""",
    """INSERT INTO conversation_search (conversation_id, document)
    SELECT conversation_id, document FROM conversation_search_source""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER conversation_search_conversation ON conversation",
    "DROP TRIGGER conversation_search_message ON emailmessage",
    "DROP FUNCTION conversation_search_conversation_changed()",
    "DROP FUNCTION conversation_search_message_changed()",
    "DROP FUNCTION conversation_search_refresh(uuid)",
    "DROP VIEW conversation_search_source",
    "DROP TABLE conversation_search",
    "DROP FUNCTION conversation_search_part(text, text)",
]

OLD_SQLITE_UP = [
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


def upgrade() -> None:
    op.add_column(
        "emailmessage",
        sa.Column("labels", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.create_table(
        "receivedattachment",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["emailmessage.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", "position"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in [*OLD_SQLITE, *SQLITE] if sqlite else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        statements = [*SQLITE_DOWN, *OLD_SQLITE_UP]
    else:
        statements = POSTGRESQL_DOWN
    for statement in statements:
        op.execute(statement)
    op.drop_table("receivedattachment")
    op.drop_column("emailmessage", "labels")
