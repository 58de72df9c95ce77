"""Revision 0011: a draft and its send record point at each other through foreign keys.

Removing a draft keeps its record (``draft_uid`` cleared), removing a record clears the
draft's link, and neither can point at a row that does not exist. The migration clears
references that already point nowhere and keeps every row both ways, on SQLite (a table
rebuild with foreign keys off) and PostgreSQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.exc import IntegrityError

from exante_tui.core.drafts import DraftContent
from exante_tui.errors import NotFound
from exante_tui.services import Services
from exante_tui.store.db import Store, alembic_config, migrate
from exante_tui.store.models import (
    Account,
    Conversation,
    Draft,
    DraftAttachment,
    EmailMessage,
    OutboundEmail,
    OutboundRawChunk,
)
from exante_tui.store.raw_messages import load_raw_message, save_raw_message

KEYS = {("draft", "fk_draft_outbound_email"), ("outboundemail", "fk_outbound_draft")}


def _record(account_id: uuid.UUID, **fields: object) -> OutboundEmail:
    return OutboundEmail(
        account_id=account_id, from_address="a@b.example", rfc_message_id="<x@b>", **fields
    )


def _foreign_keys(store: Store) -> set[tuple[str, str | None]]:
    """The (table, name) of the foreign keys between drafts and records."""
    with store.engine.connect() as connection:
        inspector = inspect(connection)
        return {
            (table, fk["name"])
            for table, referred in (("draft", "outboundemail"), ("outboundemail", "draft"))
            for fk in inspector.get_foreign_keys(table)
            if fk["referred_table"] == referred
        }


def test_a_record_for_a_draft_that_does_not_exist_is_refused(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with pytest.raises(IntegrityError), services.store.session() as session:
        session.add(_record(account.id, draft_uid=uuid.uuid4()))


def test_a_draft_cannot_point_at_a_record_that_does_not_exist(services: Services) -> None:
    with pytest.raises(IntegrityError), services.store.session() as session:
        session.add(Draft(outbound_email_uid=uuid.uuid4()))


def test_deleting_a_sent_draft_keeps_its_record(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    draft_uid = services.drafts.create(
        DraftContent(account_id=account.id, to=["ada@example.com"], subject="Hi", body_text="b")
    )
    sent = services.core.send({"draft_uid": str(draft_uid)})
    services.drafts.delete(draft_uid)
    with services.store.session() as session:
        assert session.get(Draft, draft_uid) is None
        record = session.get(OutboundEmail, sent.outbound_email_uid)
        assert record is not None and record.draft_uid is None
        assert load_raw_message(session, record.id)


def test_deleting_a_record_clears_its_drafts_link(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    draft_uid = services.drafts.create(DraftContent(account_id=account.id, to=["a@b.example"]))
    sent = services.core.send({"draft_uid": str(draft_uid)})
    with services.store.session() as session:
        session.execute(delete(OutboundEmail).where(OutboundEmail.id == sent.outbound_email_uid))
    with services.store.session() as session:
        draft = session.get(Draft, draft_uid)
        assert draft is not None and draft.outbound_email_uid is None
    services.accounts.remove("desk@northwind.example")  # the cascades meet no cycle
    with services.store.session() as session:
        assert session.get(Draft, draft_uid) is None


@dataclass
class _Rows:
    draft: uuid.UUID
    record: uuid.UUID
    message: uuid.UUID
    stray_draft: uuid.UUID
    stray_record: uuid.UUID


def _rows_at_0010(store: Store) -> _Rows:
    """A sent draft with a file, its record's bytes and filed message, plus a draft and a
    record whose links point nowhere (possible before 0011)."""
    with store.session() as session:
        account = Account(email="d@n.example", provider="outbox")
        session.add(account)
        session.flush()
        draft = Draft(account_id=account.id, subject="sent")
        stray_draft = Draft(account_id=account.id, outbound_email_uid=uuid.uuid4())
        record = _record(account.id, draft_uid=draft.id)
        stray_record = _record(account.id, draft_uid=uuid.uuid4())
        draft.outbound_email_uid = record.id
        conversation = Conversation(account_id=account.id, subject="sent")
        session.add_all([draft, stray_draft, record, stray_record, conversation])
        session.flush()
        attachment = {"filename": "a", "content_type": "t", "size": 1, "data": b"a"}
        session.add(DraftAttachment(draft_id=draft.id, **attachment))
        message = EmailMessage(conversation_id=conversation.id, outbound_email_id=record.id)
        session.add(message)
        save_raw_message(session, record.id, b"raw bytes")
        return _Rows(draft.id, record.id, message.id, stray_draft.id, stray_record.id)


def _links(store: Store, rows: _Rows) -> tuple[object, ...]:
    with store.engine.connect() as connection:

        def one(column: object, key: object, value: uuid.UUID) -> object:
            return connection.execute(select(column).where(key == value)).scalar_one()  # type: ignore[call-overload]

        return (
            one(Draft.outbound_email_uid, Draft.id, rows.draft),
            one(OutboundEmail.draft_uid, OutboundEmail.id, rows.record),
            one(EmailMessage.outbound_email_id, EmailMessage.id, rows.message),
            one(Draft.outbound_email_uid, Draft.id, rows.stray_draft),
            one(OutboundEmail.draft_uid, OutboundEmail.id, rows.stray_record),
            *(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (Draft, OutboundEmail, DraftAttachment, OutboundRawChunk)
            ),
        )


def test_upgrade_clears_stray_links_and_keeps_every_row_both_ways(services: Services) -> None:
    store = services.store
    assert _foreign_keys(store) == KEYS
    migrate(store.engine, "0010", down=True)
    assert _foreign_keys(store) == set()
    rows = _rows_at_0010(store)
    migrate(store.engine, "head")
    assert _foreign_keys(store) == KEYS
    kept = (rows.record, rows.draft, rows.record, None, None, 2, 2, 1, 1)
    assert _links(store, rows) == kept
    migrate(store.engine, "0010", down=True)
    assert _foreign_keys(store) == set()
    assert _links(store, rows) == kept
    migrate(store.engine, "head")
    assert _links(store, rows) == kept
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Draft(outbound_email_uid=uuid.uuid4()))


def test_sqlite_refuses_the_rebuild_with_foreign_keys_on(tmp_path: Path) -> None:
    """A SQLite store on either test run: the refusal is SQLite's alone."""
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(store.engine, "0010", down=True)
    rows = _rows_at_0010(store)
    config = alembic_config(store.url)
    with pytest.raises(RuntimeError, match="foreign keys off"), store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _links(store, rows)[-4:] == (2, 2, 1, 1)
    store.close()


def test_a_draft_deleted_while_it_is_being_sent_is_not_found(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    draft_uid = services.drafts.create(DraftContent(account_id=account.id, to=["a@b.example"]))
    insert = services.core.records.insert

    def deleted_first(record: OutboundEmail, raw: bytes) -> None:
        services.drafts.delete(draft_uid)
        insert(record, raw)

    monkeypatch.setattr(services.core.records, "insert", deleted_first)
    with pytest.raises(NotFound):
        services.core.send({"draft_uid": str(draft_uid)})
    with services.store.session() as session:
        assert session.execute(select(func.count()).select_from(OutboundEmail)).scalar_one() == 0
