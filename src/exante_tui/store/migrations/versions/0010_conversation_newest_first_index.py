"""PostgreSQL: an index that reads conversations newest first with undated ones last

The lists order by ``last_message_at DESC NULLS LAST``. On PostgreSQL a plain index read
backwards gives ``DESC NULLS FIRST``, so every search sorted all its matches; with this
index the first page of a broad search is read newest first and stops at the page's end.
SQLite puts NULLs last in a descending order anyway and reads the existing
``ix_conversation_last_message_at`` so; nothing changes there. Only ``CREATE INDEX``: no
table is rebuilt.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_conversation_newest_first"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(INDEX, "conversation", [sa.text("last_message_at DESC NULLS LAST")])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(INDEX, table_name="conversation")
