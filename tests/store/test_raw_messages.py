"""Outbound raw messages: stored in pieces, read back whole, moved by migration 0006."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, String, Uuid, column, delete, insert, table, update
from sqlmodel import col, select

from exante_tui.services import Services
from exante_tui.store.db import Store, migrate
from exante_tui.store.models import Account, OutboundEmail, OutboundRawChunk, Provider
from exante_tui.store.raw_messages import (
    CHUNK_BYTES,
    load_raw_message,
    replace_raw_message,
    save_raw_message,
)
from exante_tui.store.types import UTCDateTime, utcnow


def _new_record(services: Services, raw: bytes) -> uuid.UUID:
    account = services.accounts.add_outbox("desk@northwind.example")
    record = OutboundEmail(
        account_id=account.id, from_address="d@n.example", rfc_message_id="<x@n>"
    )
    with services.store.session() as session:
        session.add(record)
        session.flush()
        save_raw_message(session, record.id, raw)
    return record.id


def _chunk_sizes(services: Services, record_id: uuid.UUID) -> list[int]:
    with services.store.session() as session:
        chunks = session.exec(
            select(OutboundRawChunk)
            .where(col(OutboundRawChunk.outbound_email_id) == record_id)
            .order_by(col(OutboundRawChunk.position))
        ).all()
        return [len(c.data) for c in chunks]


def test_a_large_message_is_stored_in_pieces_and_read_back_whole(services: Services) -> None:
    raw = os.urandom(2 * CHUNK_BYTES + 12345)
    record_id = _new_record(services, raw)
    assert _chunk_sizes(services, record_id) == [CHUNK_BYTES, CHUNK_BYTES, 12345]
    with services.store.session() as session:
        assert load_raw_message(session, record_id) == raw


def test_an_empty_message_is_one_empty_piece(services: Services) -> None:
    record_id = _new_record(services, b"")
    assert _chunk_sizes(services, record_id) == [0]
    with services.store.session() as session:
        assert load_raw_message(session, record_id) == b""
        assert load_raw_message(session, uuid.uuid4()) is None


def test_replacing_drops_every_old_piece(services: Services) -> None:
    record_id = _new_record(services, os.urandom(3 * CHUNK_BYTES))
    with services.store.session() as session:
        replace_raw_message(session, record_id, b"short")
    assert _chunk_sizes(services, record_id) == [5]
    with services.store.session() as session:
        assert load_raw_message(session, record_id) == b"short"


def test_pieces_go_with_their_record(services: Services) -> None:
    record_id = _new_record(services, os.urandom(CHUNK_BYTES + 1))
    with services.store.session() as session:
        session.execute(delete(Account))
    assert _chunk_sizes(services, record_id) == []


_OLD_RECORDS = table("outboundemail", column("id", Uuid()), column("raw_message", LargeBinary()))
"""``outboundemail`` as revision 0005 left it: the bytes in a column of the record."""
_OLD_ACCOUNTS = table(
    "account",
    column("id", Uuid()),
    column("email", String()),
    column("display_name", String()),
    column("provider", String()),
    column("created_at", UTCDateTime()),
)
"""The ``account`` columns revision 0005 has (later revisions add more)."""


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    migrate(store.engine, revision, down=down)


def _old_record(store: Store, raw: bytes) -> uuid.UUID:
    """A record as revision 0005 stored it, with ``raw`` in its own column."""
    with store.session() as session:
        account_id = uuid.uuid4()
        session.execute(
            insert(_OLD_ACCOUNTS).values(
                id=account_id,
                email="d@n.example",
                display_name="",
                provider=Provider.OUTBOX.value,
                created_at=utcnow(),
            )
        )
        record = OutboundEmail(
            account_id=account_id, from_address="d@n.example", rfc_message_id="<x@n>"
        )
        session.add(record)
        session.flush()
        session.execute(
            update(_OLD_RECORDS).where(_OLD_RECORDS.c.id == record.id).values(raw_message=raw)
        )
        return record.id


def _old_column(store: Store) -> bytes | None:
    with store.engine.connect() as connection:
        value = connection.execute(select(_OLD_RECORDS.c.raw_message)).scalar_one()
    return None if value is None else bytes(value)


def test_migration_0006_moves_stored_messages_and_back(db_url: str) -> None:
    store = Store(db_url, migrate=False)
    raw = b"From: d@n.example\r\n\r\nbody\r\n"
    try:
        _migrate(store, "head")  # PostgreSQL test databases come migrated already
        _migrate(store, "0005", down=True)
        record_id = _old_record(store, raw)
        _migrate(store, "head")
        with store.session() as session:
            assert load_raw_message(session, record_id) == raw
        _migrate(store, "0005", down=True)
        assert _old_column(store) == raw
    finally:
        store.close()


def test_migration_0006_on_sqlite_without_drop_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before SQLite 3.35 the old column is emptied, not dropped; both ways still work."""
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    store = Store(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    raw = b"From: d@n.example\r\n\r\nold sqlite\r\n"
    try:
        _migrate(store, "0005")
        record_id = _old_record(store, raw)
        _migrate(store, "head")
        with store.session() as session:
            assert load_raw_message(session, record_id) == raw
        assert _old_column(store) is None
        _migrate(store, "0005", down=True)
        assert _old_column(store) == raw
    finally:
        store.close()
