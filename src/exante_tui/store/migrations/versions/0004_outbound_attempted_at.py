"""when the latest send attempt of an outbound email started

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import exante_tui.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboundemail", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "attempted_at", exante_tui.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outboundemail", schema=None) as batch_op:
        batch_op.drop_column("attempted_at")
