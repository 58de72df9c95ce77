"""Conversation search: the SQLite trigram index agrees with a plain substring match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Conversation

T0 = datetime(2026, 11, 1, tzinfo=UTC)
SUBJECTS = [
    "Invoice INV-2024-001 - Payment Reminder",
    "Q3 retainer renewal",
    'He said "100% done" (really)',
    "Zahlungserinnerung: Rechnung fällig",
    "under_score and back\\slash",
]


def seed(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.session() as session:
        for n, subject in enumerate(SUBJECTS):
            session.add(
                Conversation(
                    account_id=account.id,
                    subject=subject,
                    snippet=f"snippet number {n}",
                    last_message_at=T0 + timedelta(hours=n),
                )
            )


def subjects(services: Services, search: str) -> list[str]:
    return [c.subject for c in queries.list_conversations(services.store, search=search)]


def test_search_finds_substrings_case_insensitively_newest_first(services: Services) -> None:
    seed(services)
    assert subjects(services, "inv-2024") == [SUBJECTS[0]]
    assert subjects(services, "RETAINER") == [SUBJECTS[1]]
    assert subjects(services, "snippet number") == list(reversed(SUBJECTS))
    assert subjects(services, "e") == [s for s in reversed(SUBJECTS) if "e" in s.lower()]


def test_search_treats_quotes_and_wildcards_literally(services: Services) -> None:
    seed(services)
    assert subjects(services, '"100% done"') == [SUBJECTS[2]]
    assert subjects(services, "100%") == [SUBJECTS[2]]
    assert subjects(services, "d_r") == []
    assert subjects(services, "r%s") == []
    assert subjects(services, "under_score") == [SUBJECTS[4]]
    assert subjects(services, "back\\sl") == [SUBJECTS[4]]
    assert subjects(services, "fällig") == [SUBJECTS[3]]


def test_search_follows_updates_and_deletes(services: Services) -> None:
    seed(services)
    with services.store.session() as session:
        renewal = session.exec(
            select(Conversation).where(Conversation.subject == SUBJECTS[1])
        ).one()
        renewal.snippet = "countersigned contract attached"
    assert subjects(services, "countersigned") == [SUBJECTS[1]]
    assert subjects(services, "snippet number 1") == []
    with services.store.session() as session:
        session.delete(session.get(Conversation, renewal.id))
    assert subjects(services, "countersigned") == []
