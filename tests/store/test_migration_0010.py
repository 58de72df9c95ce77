"""Migration 0010 (PostgreSQL's newest-first index) goes both ways and keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, inspect, select

from exante_tui.services import Services
from exante_tui.store.db import Store, migrate
from exante_tui.store.models import Account, Conversation
from exante_tui.store.search import NEWEST_FIRST_INDEX

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    migrate(store.engine, revision, down=down)


def _state(store: Store) -> tuple[bool, int]:
    """Whether the index exists, and how many conversations there are."""
    with store.engine.connect() as connection:
        names = {i["name"] for i in inspect(connection).get_indexes("conversation")}
        count = connection.execute(select(func.count()).select_from(Conversation)).scalar_one()
    return NEWEST_FIRST_INDEX in names, count


def test_down_and_up_keep_conversations_and_only_postgresql_gets_the_index(
    services: Services,
) -> None:
    store = services.store
    with store.session() as session:
        account = Account(email="ada@northwind.example", display_name="Ada", provider="outbox")
        session.add(account)
        session.flush()
        for n, when in enumerate([T0, T0 + timedelta(days=1), None]):
            session.add(Conversation(account_id=account.id, subject=f"t{n}", last_message_at=when))
    postgresql = store.dialect == "postgresql"
    assert _state(store) == (postgresql, 3)
    _migrate(store, "0009", down=True)
    assert _state(store) == (False, 3)
    _migrate(store, "head")
    assert _state(store) == (postgresql, 3)
