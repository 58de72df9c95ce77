"""Gmail faults through the whole core: bounded retries, the right final status, no duplicate.

Each case sets up a fault on the fake Gmail, sends once, and checks the record's status,
the number of ``messages.send`` and ``messages.list`` (mailbox search) requests and the
number of messages Gmail kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from crash.support import records, sent_message_ids
from exante_tui.core.reconcile import reconcile
from exante_tui.core.send import SendCore
from exante_tui.errors import Conflict, ProviderFailure
from exante_tui.providers.gmail import GmailTransport
from exante_tui.services import Services
from exante_tui.store.models import Account, OutboundEmail, SendStatus
from fakes.gmail_server import FakeGmail, fake_credentials, lose_answers

RETRIES = 3


@dataclass(frozen=True)
class Case:
    fault: Callable[[FakeGmail], None]
    status: SendStatus
    sends: int
    searches: int
    kept: int


CASES = {
    "429 twice": Case(lambda f: f.fail_next(429, count=2), SendStatus.SENT, 3, 0, 1),
    "429 always": Case(
        lambda f: f.fail_next(429, count=RETRIES + 1), SendStatus.FAILED, RETRIES + 1, 0, 0
    ),
    "500 before sending": Case(
        lambda f: f.fail_next(500, route="messages.send"), SendStatus.SENT, 2, 1, 1
    ),
    "503 always": Case(
        lambda f: f.fail_next(503, count=RETRIES + 1, route="messages.send"),
        SendStatus.FAILED,
        RETRIES + 1,
        RETRIES + 1,
        0,
    ),
    "500 after sending": Case(lambda f: lose_answers(f, status=500), SendStatus.SENT, 1, 1, 1),
    "hang before sending": Case(
        lambda f: f.hang_next(route="messages.send"), SendStatus.SENT, 2, 1, 1
    ),
    "hang after sending": Case(lambda f: lose_answers(f, hang=3.0), SendStatus.SENT, 1, 1, 1),
    "503 after sending, search down": Case(
        lambda f: (
            lose_answers(f, status=503),
            f.fail_next(503, count=RETRIES + 1, route="messages.list"),
        ),
        SendStatus.UNKNOWN,
        1,
        RETRIES + 1,
        1,
    ),
}


@pytest.fixture
def core(services: Services, fake_gmail: FakeGmail) -> SendCore:
    """The app's core with a quick Gmail transport: 0.5 s timeout, 3 retries, no backoff."""

    def transport(_account: Account) -> GmailTransport:
        return GmailTransport(
            fake_credentials(),
            endpoint=fake_gmail.endpoint,
            timeout=0.5,
            retry_base_delay=0.0,
            max_retries=RETRIES,
        )

    return SendCore(services.store, transport, services.core.clock)


def count(fake: FakeGmail, route: str) -> int:
    return sum(1 for r in fake.requests if r.route == route)


@pytest.mark.parametrize("name", list(CASES))
def test_fault(
    name: str,
    core: SendCore,
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    case = CASES[name]
    case.fault(fake_gmail)
    request = {
        "from_account_id": str(gmail_account.id),
        "to": ["customer@contoso.example"],
        "subject": "Statement",
        "body_text": "Attached.",
    }
    try:
        core.send(request)
    except ProviderFailure:
        assert case.status != SendStatus.SENT

    [record] = records(services)
    assert record.status == case.status
    assert (count(fake_gmail, "messages.send"), count(fake_gmail, "messages.list")) == (
        case.sends,
        case.searches,
    )
    assert len(fake_gmail.sent) == case.kept
    if case.status == SendStatus.SENT:
        assert record.provider_message_id == fake_gmail.sent[0]["id"]


def test_unknown_send_is_settled_later_not_resent(
    core: SendCore, services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    CASES["503 after sending, search down"].fault(fake_gmail)  # the search fails once
    request = {
        "from_account_id": str(gmail_account.id),
        "to": ["a@contoso.example"],
        "subject": "s",
        "idempotency_key": "k",
    }
    with pytest.raises(ProviderFailure, match="may or may not"):
        core.send(request)
    with pytest.raises(ProviderFailure, match="reconcile"):
        core.send(request)  # replayed, not resent

    [settled] = reconcile(core)
    assert (settled.before, settled.after) == (SendStatus.UNKNOWN, SendStatus.SENT)
    assert core.retry(settled.outbound_email_uid).status == "sent"
    assert len(fake_gmail.sent) == 1 and count(fake_gmail, "messages.send") == 1


def test_failed_send_retried_from_the_outbox_keeps_record_and_message_id(
    core: SendCore, services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    CASES["503 always"].fault(fake_gmail)
    request = {
        "from_account_id": str(gmail_account.id),
        "to": ["a@contoso.example"],
        "subject": "s",
    }
    with pytest.raises(ProviderFailure) as caught:
        core.send(request)
    assert caught.value.outbound_email_uid is not None

    response = core.retry(caught.value.outbound_email_uid)

    [record] = records(services)
    assert response.outbound_email_uid == record.id and record.attempts == 2
    assert dict(sent_message_ids(fake_gmail)) == {record.rfc_message_id: RETRIES + 2}
    assert len(fake_gmail.sent) == 1


def test_retry_of_unknown_resends_only_after_the_mailbox_says_not_sent(
    core: SendCore, services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    fake_gmail.hang_next(route="messages.send")  # never reaches Gmail's mailbox
    fake_gmail.fail_next(503, count=RETRIES + 1, route="messages.list")
    request = {
        "from_account_id": str(gmail_account.id),
        "to": ["a@contoso.example"],
        "subject": "s",
    }
    with pytest.raises(ProviderFailure) as caught:
        core.send(request)
    uid = caught.value.outbound_email_uid
    assert uid is not None and records(services)[0].status == SendStatus.UNKNOWN

    assert core.retry(uid).status == "sent"

    [record] = records(services)
    assert record.id == uid and record.attempts == 2
    assert len(fake_gmail.sent) == 1


def test_retry_of_a_live_pending_send_is_a_conflict(
    core: SendCore, services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    with services.store.session() as session:
        record = OutboundEmail(
            account_id=gmail_account.id,
            from_address=gmail_account.email,
            rfc_message_id="<live@northwind.example>",
            attempted_at=core.clock(),
        )
        session.add(record)

    with pytest.raises(Conflict, match="in progress"):
        core.retry(record.id)
    assert fake_gmail.requests == []
