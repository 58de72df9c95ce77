"""draft lease (held while open in a composer) and the undo-send flag

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:00:00
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import exante_tui.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch rebuild: on SQLite rebuilding ``draft`` would
    # cascade-delete the files of every draft (foreign keys are on).
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("draft")}
    for column in _columns_added():
        if column.name not in present:
            op.add_column("draft", column)


def downgrade() -> None:
    if _sqlite_without_drop_column():
        # The columns stay, emptied (see revision 0006).
        op.execute("UPDATE draft SET held_by = NULL, held_until = NULL, undo_send = 0")
        return
    for column in reversed(_columns_added()):
        op.drop_column("draft", column.name)


def _columns_added() -> list[sa.Column[object]]:
    return [
        sa.Column("held_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("held_until", exante_tui.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undo_send", sa.Boolean(), nullable=False, server_default=sa.false()),
    ]


def _sqlite_without_drop_column() -> bool:
    """SQLite before 3.35 has no ALTER TABLE ... DROP COLUMN (see revision 0006)."""
    return op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35)
