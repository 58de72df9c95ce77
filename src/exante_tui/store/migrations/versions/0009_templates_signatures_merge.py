"""templates, account signatures, mail-merge keys on drafts, a pacing index on sends

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import exante_tui.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "template",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("body_markdown", sa.Text(), nullable=True),
        sa.Column("from_account_id", sa.Uuid(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("signature", sa.Boolean(), nullable=False),
        sa.Column("created_at", exante_tui.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", exante_tui.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["from_account_id"], ["account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_template_name"), "template", ["name"], unique=True)
    # Plain ADD COLUMN and CREATE INDEX only: on SQLite a batch rebuild of ``account`` or
    # ``draft`` would cascade-delete the rows that reference them (foreign keys are on).
    for table, column in _columns_added():
        if column.name not in _columns(table):
            op.add_column(table, column)
    op.create_index(op.f("ix_draft_merge_template_id"), "draft", ["merge_template_id"])
    op.create_index("uq_draft_merge_key", "draft", ["merge_template_id", "merge_key"], unique=True)
    op.create_index(
        "ix_outbound_account_attempted", "outboundemail", ["account_id", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_account_attempted", table_name="outboundemail")
    op.drop_index("uq_draft_merge_key", table_name="draft")
    op.drop_index(op.f("ix_draft_merge_template_id"), table_name="draft")
    for table, column in reversed(_columns_added()):
        if _sqlite_without_drop_column():
            op.execute(f"UPDATE {table} SET {column.name} = NULL")  # the column stays, unused
        else:
            op.drop_column(table, column.name)
    op.drop_index(op.f("ix_template_name"), table_name="template")
    op.drop_table("template")


def _columns_added() -> list[tuple[str, sa.Column[object]]]:
    return [
        ("account", sa.Column("signature_text", sa.Text(), nullable=True)),
        ("account", sa.Column("signature_html", sa.Text(), nullable=True)),
        ("draft", sa.Column("merge_template_id", sa.Uuid(), nullable=True)),
        ("draft", sa.Column("merge_key", sa.String(), nullable=True)),
    ]


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _sqlite_without_drop_column() -> bool:
    """SQLite before 3.35 has no ALTER TABLE ... DROP COLUMN (see revision 0006)."""
    return op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35)
