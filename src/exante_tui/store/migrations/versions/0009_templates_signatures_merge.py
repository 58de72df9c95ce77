"""templates, account signatures, mail-merge keys on drafts, a pacing index on sends

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import exante_tui.store.types

revision: str = "0009"
down_revision: str | None = "0007"
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
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signature_html", sa.Text(), nullable=True))
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merge_template_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("merge_key", sa.String(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_draft_merge_template_id"), ["merge_template_id"], unique=False
        )
        batch_op.create_unique_constraint("uq_draft_merge_key", ["merge_template_id", "merge_key"])
        batch_op.create_foreign_key(
            "fk_draft_merge_template_id_template",
            "template",
            ["merge_template_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(
        "ix_outbound_account_attempted", "outboundemail", ["account_id", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbound_account_attempted", table_name="outboundemail")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint("fk_draft_merge_template_id_template", type_="foreignkey")
        batch_op.drop_constraint("uq_draft_merge_key", type_="unique")
        batch_op.drop_index(batch_op.f("ix_draft_merge_template_id"))
        batch_op.drop_column("merge_key")
        batch_op.drop_column("merge_template_id")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("signature_html")
        batch_op.drop_column("signature_text")
    op.drop_index(op.f("ix_template_name"), table_name="template")
    op.drop_table("template")
