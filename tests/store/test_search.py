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


def test_common_and_rare_patterns_page_the_same_way(services: Services) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.session() as session:
        for n in range(30):
            session.add(
                Conversation(
                    account_id=account.id,
                    subject=f"Common subject {n:02d}",
                    snippet="",
                    last_message_at=T0 + timedelta(minutes=n),
                )
            )
    expected = [f"Common subject {n:02d}" for n in reversed(range(30))]

    def page(search: str, limit: int, offset: int) -> list[str]:
        found = queries.list_conversations(
            services.store, search=search, limit=limit, offset=offset
        )
        return [c.subject for c in found]

    assert page("common", 10, 0) == expected[:10]  # the newest rows hold the page
    assert page("COMMON", 10, 25) == expected[25:]  # a short last page: the index answers
    assert page("subject 0", 20, 0) == expected[20:]
