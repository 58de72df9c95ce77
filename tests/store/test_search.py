"""The search language on the store, operator by operator (SQLite FTS5 and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from exante_tui.errors import ValidationFailed
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store import search as search_sql
from exante_tui.store.models import Account, Conversation, EmailMessage

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
PDF = {"filename": "INV-2024-001.pdf", "content_type": "application/pdf", "size": 10}
PNG = {"filename": "site-photo.png", "content_type": "image/png", "size": 10}

# subject, account, days after T0, messages: (from, to, cc, body, labels, attachments)
THREADS = [
    (
        "Invoice INV-2024-001 - Payment Reminder",
        "billing",
        0,
        [
            (
                "Northwind Billing <billing@northwind.example>",
                ["maria@contoso.example"],
                [],
                "Invoice INV-2024-001 for 4,200.00 EUR was due on Monday.",
                ["SENT"],
                [],
            ),
            (
                "Maria Garcia <maria@contoso.example>",
                ["billing@northwind.example"],
                ["ap@contoso.example"],
                "Could you resend it with our PO number 88-1402?",
                ["INBOX", "UNREAD"],
                [],
            ),
        ],
    ),
    (
        "Q3 retainer renewal",
        "billing",
        1,
        [
            (
                "Ken Sato <ken@fabrikam.example>",
                ["billing@northwind.example"],
                [],
                "We'd like to renew the retainer. The signed contract is attached.",
                ["INBOX", "STARRED", "IMPORTANT", "Clients/Fabrikam"],
                [PDF],
            ),
        ],
    ),
    (
        "Site visit next Tuesday",
        "ada",
        2,
        [
            (
                "Ada Lovelace <ada@northwind.example>",
                ["tom@litware.example"],
                [],
                "Does 10:00 next Tuesday still work?",
                ["SENT"],
                [],
            ),
            (
                "Tom Becker <tom@litware.example>",
                ["ada@northwind.example"],
                [],
                "Tuesday works. A photo of the site is attached.",
                ["INBOX"],
                [PNG],
            ),
        ],
    ),
    (
        "Zahlungserinnerung: Rechnung fällig",
        "ada",
        3,
        [
            (
                "Jürgen Weiß <jw@adatum.example>",
                ["ada@northwind.example"],
                [],
                "Die Rechnung ist seit Montag fällig.",
                ["INBOX", "UNREAD"],
                [],
            ),
        ],
    ),
]


def seed(services: Services) -> dict[str, Account]:
    accounts = {
        "billing": services.accounts.add_outbox("billing@northwind.example"),
        "ada": services.accounts.add_outbox("ada@northwind.example"),
    }
    with services.store.session() as session:
        for subject, owner, days, messages in THREADS:
            last = T0 + timedelta(days=days)
            conversation = Conversation(
                account_id=accounts[owner].id,
                subject=subject,
                owner_email=accounts[owner].email,
                last_message_at=last,
            )
            session.add(conversation)
            for n, (sender, to, cc, body, labels, files) in enumerate(messages):
                session.add(
                    EmailMessage(
                        conversation_id=conversation.id,
                        from_address=sender,
                        to=to,
                        cc=cc,
                        subject=subject if n == 0 else f"Re: {subject}",
                        date=last - timedelta(hours=len(messages) - n),
                        body_text=body,
                        labels=labels,
                        attachments=files,
                    )
                )
    return accounts


def found(services: Services, search: str) -> list[str]:
    """The subjects matching ``search``, newest first, as their first word."""
    return [c.subject.split()[0] for c in queries.list_conversations(services.store, search=search)]


ALL = ["Zahlungserinnerung:", "Site", "Q3", "Invoice"]


OPERATOR_CASES = [
    ("", ALL),
    ("from:ken", ["Q3"]),
    ("from:Sato", ["Q3"]),
    ("from:ken@fabrikam.example", ["Q3"]),
    ("from:fabrikam", ["Q3"]),
    ("from:maria", ["Invoice"]),
    ("to:maria", ["Invoice"]),
    ("to:ap@contoso.example", ["Invoice"]),  # Cc counts as To
    ("to:tom", ["Site"]),
    ("subject:renewal", ["Q3"]),
    ('subject:"payment reminder"', ["Invoice"]),
    ("subject:contract", []),  # only in a body
    ("has:attachment", ["Site", "Q3"]),
    ("filename:pdf", ["Q3"]),
    ("filename:site-photo", ["Site"]),
    ("is:unread", ["Zahlungserinnerung:", "Invoice"]),
    ("is:read", ["Site", "Q3"]),
    ("is:starred", ["Q3"]),
    ("is:important", ["Q3"]),
    ("label:clients", ["Q3"]),
    ("label:clients/fabrikam", ["Q3"]),
    ("label:inbox", ALL),
    ("label:nosuchlabel", []),
    ("after:2026-11-12", ["Zahlungserinnerung:", "Site"]),
    ("before:2026-11-11", ["Invoice"]),
    ("after:2026-11-11 before:2026-11-13", ["Site", "Q3"]),
    ("account:ada", ["Zahlungserinnerung:", "Site"]),
    ("account:billing@northwind.example", ["Q3", "Invoice"]),
    ('"PO number 88-1402"', ["Invoice"]),
    ('"number PO"', []),
    ("-invoice", ["Zahlungserinnerung:", "Site", "Q3"]),
    ("-from:ken -is:unread", ["Site"]),
    ("label:inbox -from:ken -is:unread", ["Site"]),  # exclusions inside the match
    ("contract", ["Q3"]),  # a body word
    ("Tuesday", ["Site"]),
    ("tues", []),  # whole words, as in Gmail
    ("tues*", ["Site"]),  # a trailing * matches from the word's start
    ("from:fabri*", ["Q3"]),
    ("-tues*", ["Zahlungserinnerung:", "Q3", "Invoice"]),
    ("inv-2024-001", ["Invoice"]),
    ("litware", ["Site"]),  # a participant's domain
    ("Becker", ["Site"]),  # a participant's name
    ("fällig", ["Zahlungserinnerung:"]),
    ("jürgen", ["Zahlungserinnerung:"]),
    ("from:ken has:attachment", ["Q3"]),
    ("from:ken is:unread", []),
    ("account:billing is:unread maria", ["Invoice"]),
    ("retainer -has:attachment", []),
    ("re: 10:00", ["Site"]),  # not operators: plain words
    ("- & ", ALL),  # nothing to search for
]


@pytest.mark.parametrize(("search", "expected"), OPERATOR_CASES)
def test_each_operator(services: Services, search: str, expected: list[str]) -> None:
    seed(services)
    assert found(services, search) == expected


@pytest.mark.parametrize("dense", [0, 10**9], ids=["collect-matches", "test-each"])
def test_broad_matches_read_newest_first_find_the_same(
    services: Services, monkeypatch: pytest.MonkeyPatch, dense: int
) -> None:
    """SQLite walks the date index when a match is broad (``search.BROAD``): with the bar at
    one conversation every match takes that plan (collecting the matches first, or testing
    each conversation: ``search.DENSE``), and finds what the other plan finds. (PostgreSQL's
    planner makes its own choice: there the bars change nothing, and the results must be the
    same all the same.)"""
    seed(services)
    monkeypatch.setattr(search_sql, "BROAD", 1)
    monkeypatch.setattr(search_sql, "DENSE", dense)
    for query, expected in OPERATOR_CASES:
        assert found(services, query) == expected, query
    unread = {"Zahlungserinnerung:", "Invoice"}
    assert queries.count_rows(services.store)["unread"] == len(unread)


@pytest.mark.parametrize(
    ("search", "problem"),
    [
        ("from:", "from: needs a value"),
        ('subject:""', "subject: needs a value"),
        ("has:pdf", "has: knows attachment"),
        ("is:shouting", "is: knows unread"),
        ("after:2026-13-01", "after: wants a date as YYYY-MM-DD"),
        ("before:yesterday", "before: wants a date as YYYY-MM-DD"),
        ('"unclosed phrase', "missing its closing quote"),
    ],
)
def test_bad_syntax_is_a_validation_error_naming_the_query(
    services: Services, search: str, problem: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        queries.list_conversations(services.store, search=search)
    [detail] = caught.value.details
    assert detail.field == "query"
    assert problem in detail.message


def test_the_index_follows_new_messages_label_changes_and_deletes(services: Services) -> None:
    accounts = seed(services)
    with services.store.session() as session:
        renewal = session.exec(select(Conversation).where(Conversation.subject.startswith("Q3")))
        conversation = renewal.one()
        session.add(
            EmailMessage(
                conversation_id=conversation.id,
                from_address="Northwind Billing <billing@northwind.example>",
                to=["ken@fabrikam.example"],
                subject="Re: Q3 retainer renewal",
                date=T0 + timedelta(days=1, hours=1),
                body_text="Countersigned and returned.",
                labels=["SENT"],
            )
        )
    assert found(services, "countersigned") == ["Q3"]
    with services.store.session() as session:
        ken = session.exec(select(EmailMessage).where(EmailMessage.from_address.startswith("Ken")))
        message = ken.one()
        message.labels = [*message.labels, "UNREAD"]
    assert found(services, "is:unread from:ken") == ["Q3"]
    with services.store.session() as session:
        conversation.subject = "Q3 retainer signed"
        session.add(conversation)
    assert found(services, "subject:signed") == ["Q3"]
    assert found(services, "subject:renewal") == ["Q3"]  # the messages keep theirs
    with services.store.session() as session:
        session.delete(session.get(Conversation, conversation.id))
    assert found(services, "countersigned") == []
    assert found(services, "account:billing") == ["Invoice"]
    assert accounts["billing"].email == "billing@northwind.example"


def test_account_filter_and_pages_stay_newest_first(services: Services) -> None:
    accounts = seed(services)
    with services.store.session() as session:
        for n in range(30):
            session.add(
                Conversation(
                    account_id=accounts["ada"].id,
                    subject=f"Common subject {n:02d}",
                    last_message_at=T0 - timedelta(minutes=n),
                )
            )
    expected = [f"Common subject {n:02d}" for n in range(30)]

    def page(search: str, limit: int, offset: int) -> list[str]:
        rows = queries.list_conversations(
            services.store,
            search=search,
            account_id=accounts["ada"].id,
            limit=limit,
            offset=offset,
        )
        return [c.subject for c in rows]

    assert page("common", 10, 0) == expected[:10]
    assert page("COMMON", 10, 25) == expected[25:]
    assert page("subject:subj*", 40, 0) == expected
    assert page("site", 5, 0) == ["Site visit next Tuesday"]
    assert (
        queries.list_conversations(
            services.store, search="common", account_id=accounts["billing"].id
        )
        == []
    )


def test_summaries_and_counts_for_the_lists(services: Services) -> None:
    accounts = seed(services)
    every = queries.list_conversations(services.store)
    summaries = queries.conversation_summaries(services.store, every)
    shown = {c.subject.split()[0]: summaries[c.id] for c in every}
    assert {name for name, summary in shown.items() if summary.unread} == {
        "Invoice",
        "Zahlungserinnerung:",
    }
    assert shown["Q3"].other_party == "Ken Sato"
    assert shown["Invoice"].other_party == "Maria Garcia"
    assert shown["Zahlungserinnerung:"].other_party == "Jürgen Weiß"
    ada = accounts["ada"].id
    assert queries.count_rows(services.store) == {
        "drafts": 0,
        "conversations": 4,
        "unread": 2,
        "outbox": 0,
    }
    assert queries.count_rows(services.store, ada)["unread"] == 1
    assert queries.count_rows(services.store, ada)["conversations"] == 2
