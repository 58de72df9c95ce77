"""outbound raw messages in 1 MiB pieces beside the record

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 07:00:00
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outboundrawchunk",
        sa.Column("outbound_email_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["outbound_email_id"], ["outboundemail.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbound_email_id", "position"),
    )
    # Existing messages move as one piece each: readers join the pieces in order.
    op.execute(
        "INSERT INTO outboundrawchunk (outbound_email_id, position, data) "
        "SELECT id, 0, raw_message FROM outboundemail WHERE raw_message IS NOT NULL"
    )
    if _sqlite_without_drop_column():
        # A batch rebuild of the table would cascade-delete the pieces just copied: the
        # column stays, empty and unused.
        op.execute("UPDATE outboundemail SET raw_message = NULL")
    else:
        op.drop_column("outboundemail", "raw_message")


def downgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("outboundemail")}
    if "raw_message" not in columns:
        op.add_column("outboundemail", sa.Column("raw_message", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    chunks = sa.table(
        "outboundrawchunk",
        sa.column("outbound_email_id", sa.Uuid()),
        sa.column("position", sa.Integer()),
        sa.column("data", sa.LargeBinary()),
    )
    records = sa.table(
        "outboundemail", sa.column("id", sa.Uuid()), sa.column("raw_message", sa.LargeBinary())
    )
    ids = connection.execute(sa.select(chunks.c.outbound_email_id).distinct()).scalars().all()
    for record_id in ids:
        pieces = connection.execute(
            sa.select(chunks.c.data)
            .where(chunks.c.outbound_email_id == record_id)
            .order_by(chunks.c.position)
        ).scalars()
        connection.execute(
            sa.update(records)
            .where(records.c.id == record_id)
            .values(raw_message=b"".join(bytes(p) for p in pieces))
        )
    op.drop_table("outboundrawchunk")


def _sqlite_without_drop_column() -> bool:
    """SQLite before 3.35 (e.g. Ubuntu 20.04's) has no ALTER TABLE ... DROP COLUMN."""
    return op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35)
