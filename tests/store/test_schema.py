"""The schema: Alembic builds it, matches the models, and the database enforces uniqueness."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from exante_tui.core.drafts import DraftContent
from exante_tui.services import Services
from exante_tui.store.db import Store, alembic_config, head_revision, migrate, stored_revision
from exante_tui.store.models import Account, OutboundEmail, Provider
from exante_tui.store.search import include_in_autogenerate


def test_migrated_schema_matches_the_models(services: Services) -> None:
    with services.store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_in_autogenerate}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
        assert context.get_current_revision() is not None


def test_the_cheap_head_is_alembics_head(services: Services) -> None:
    script = ScriptDirectory.from_config(alembic_config(services.store.url))
    assert head_revision() == script.get_current_head()
    assert stored_revision(services.store.engine) == head_revision()


def test_opening_a_store_behind_the_head_upgrades_it(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    migrate(services.store.engine, "-1", down=True)
    assert stored_revision(services.store.engine) != head_revision()
    again = Store(services.store.url)
    try:
        assert stored_revision(again.engine) == head_revision()
        with again.session() as session:
            assert session.get(Account, account.id) is not None
    finally:
        again.close()


def test_reopening_a_store_keeps_its_data(services: Services) -> None:
    services.accounts.add_outbox("desk@northwind.example")
    again = Store(services.store.url)
    try:
        assert inspect(again.engine).has_table("outboundemail")
        with again.session() as session:
            assert len(session.exec(select(Account)).all()) == 1
    finally:
        again.close()


def test_sqlite_stores_get_wal_and_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'own.db'}")
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def _record(account_id: uuid.UUID, **fields: object) -> OutboundEmail:
    return OutboundEmail(
        account_id=account_id, from_address="a@b.example", rfc_message_id="<x@b>", **fields
    )


def test_database_enforces_one_record_per_account_and_key(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.session() as session:
        session.add(_record(account.id, idempotency_key="k"))
    with pytest.raises(IntegrityError), services.store.session() as session:
        session.add(_record(account.id, idempotency_key="k"))


def test_database_enforces_one_record_per_draft(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    draft_uid = services.drafts.create(DraftContent(account_id=account.id, to=["a@b.example"]))
    with services.store.session() as session:
        session.add(_record(account.id, draft_uid=draft_uid))
    with pytest.raises(IntegrityError), services.store.session() as session:
        session.add(_record(account.id, draft_uid=draft_uid))


def test_records_without_key_or_draft_do_not_collide(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.session() as session:
        session.add(_record(account.id))
        session.add(_record(account.id))
    with services.store.session() as session:
        assert len(session.exec(select(OutboundEmail)).all()) == 2


def test_timestamps_come_back_timezone_aware(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.session() as session:
        stored = session.get(Account, account.id)
        assert stored is not None and stored.created_at.tzinfo is not None
        assert stored.provider == Provider.OUTBOX
