"""Migration 0009 (templates, signatures, merge keys) keeps every row, both ways."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Integer,
    LargeBinary,
    String,
    Uuid,
    column,
    func,
    insert,
    inspect,
    select,
    table,
)
from sqlalchemy.exc import IntegrityError

from exante_tui.store.db import Store, migrate
from exante_tui.store.models import Draft
from exante_tui.store.types import UTCDateTime, utcnow

_ACCOUNTS = table(
    "account",
    column("id", Uuid()),
    column("email", String()),
    column("display_name", String()),
    column("provider", String()),
    column("created_at", UTCDateTime()),
)
_DRAFTS = table(
    "draft",
    column("id", Uuid()),
    column("account_id", Uuid()),
    column("to", JSON()),
    column("cc", JSON()),
    column("bcc", JSON()),
    column("subject", String()),
    column("body_text", String()),
    column("created_at", UTCDateTime()),
    column("updated_at", UTCDateTime()),
)
_FILES = table(
    "draftattachment",
    column("id", Uuid()),
    column("draft_id", Uuid()),
    column("position", Integer()),
    column("filename", String()),
    column("content_type", String()),
    column("size", Integer()),
    column("data", LargeBinary()),
)


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    migrate(store.engine, revision, down=down)


def _rows_at_0006(store: Store) -> None:
    """An account with a draft and its attachment, written as revision 0006 has them."""
    account_id, draft_id, now = uuid.uuid4(), uuid.uuid4(), utcnow()
    with store.engine.begin() as connection:
        connection.execute(
            insert(_ACCOUNTS).values(
                id=account_id, email="d@n.example", display_name="", provider="outbox",
                created_at=now,
            )
        )  # fmt: skip
        connection.execute(
            insert(_DRAFTS).values(
                id=draft_id, account_id=account_id, to=[], cc=[], bcc=[], subject="s",
                body_text="b", created_at=now, updated_at=now,
            )
        )  # fmt: skip
        connection.execute(
            insert(_FILES).values(
                id=uuid.uuid4(), draft_id=draft_id, position=0, filename="a.txt",
                content_type="text/plain", size=1, data=b"a",
            )
        )  # fmt: skip


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (_ACCOUNTS, _DRAFTS, _FILES)
        )


def _up_and_down(store: Store) -> None:
    _migrate(store, "head")  # PostgreSQL test databases come migrated already
    _migrate(store, "0006", down=True)
    _rows_at_0006(store)
    _migrate(store, "head")
    assert _counts(store) == (1, 1, 1)
    _migrate(store, "0006", down=True)
    assert _counts(store) == (1, 1, 1)
    _migrate(store, "head")
    assert _counts(store) == (1, 1, 1)


def test_upgrade_and_downgrade_keep_accounts_drafts_and_files(db_url: str) -> None:
    store = Store(db_url, migrate=False)
    try:
        _up_and_down(store)
        with store.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("account")}
        assert {"signature_text", "signature_html"} <= columns
    finally:
        store.close()


def test_old_sqlite_without_drop_column_keeps_rows_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    store = Store(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    try:
        _up_and_down(store)
    finally:
        store.close()


def test_database_enforces_one_draft_per_template_and_key(db_url: str) -> None:
    store = Store(db_url)
    template_id = uuid.uuid4()
    try:
        with store.session() as session:
            session.add(Draft(merge_template_id=template_id, merge_key="INV-1"))
            session.add(Draft(merge_template_id=template_id, merge_key="INV-2"))
            session.add(Draft())
            session.add(Draft())
        with pytest.raises(IntegrityError), store.session() as session:
            session.add(Draft(merge_template_id=template_id, merge_key="INV-1"))
    finally:
        store.close()
