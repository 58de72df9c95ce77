"""The exact bytes of each outbound email, kept in 1 MiB pieces beside its record.

Written and read a piece at a time, so neither SQLite nor the PostgreSQL driver ever holds
a whole copy of a 25 MiB message: a large send keeps one copy of it in memory, not three.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from exante_tui.store.models import OutboundRawChunk

CHUNK_BYTES = 1024 * 1024
_CHUNKS = OutboundRawChunk.metadata.tables["outboundrawchunk"]
_INSERT = insert(_CHUNKS)
"""One statement, compiled once, for every piece (a piece at a time: never all at once)."""


def save_raw_message(session: Session, record_id: uuid.UUID, raw: bytes) -> None:
    """Store ``raw`` for a record already flushed in ``session`` (which has none yet)."""
    connection = session.connection()
    view = memoryview(raw)
    for position, start in enumerate(range(0, max(len(raw), 1), CHUNK_BYTES)):
        piece = {
            "outbound_email_id": record_id,
            "position": position,
            "data": view[start : start + CHUNK_BYTES],
        }
        connection.execute(_INSERT, piece)


def replace_raw_message(session: Session, record_id: uuid.UUID, raw: bytes) -> None:
    """Store ``raw`` for a record in place of the bytes it had."""
    session.connection().execute(delete(_CHUNKS).where(_CHUNKS.c.outbound_email_id == record_id))
    save_raw_message(session, record_id, raw)


def load_raw_message(session: Session, record_id: uuid.UUID) -> bytes | None:
    """The record's stored bytes; None if it has none."""
    chunks = session.connection().execute(
        select(_CHUNKS.c.data)
        .where(_CHUNKS.c.outbound_email_id == record_id)
        .order_by(_CHUNKS.c.position)
    )
    pieces = [bytes(chunk) for chunk in chunks.scalars()]
    return b"".join(pieces) if pieces else None
