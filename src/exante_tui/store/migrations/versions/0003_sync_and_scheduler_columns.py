"""sync and scheduler columns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:56:15.267475
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import exante_tui.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_conversation_thread", ["account_id", "gmail_thread_id"]
        )

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "claimed_at", exante_tui.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("emailmessage", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_message_gmail_id", ["conversation_id", "gmail_message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("emailmessage", schema=None) as batch_op:
        batch_op.drop_constraint("uq_message_gmail_id", type_="unique")

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_conversation_thread", type_="unique")
