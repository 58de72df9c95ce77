"""Idempotency keys: replay, conflict on a different body, conflict while in progress."""

from __future__ import annotations

import pytest
from sqlmodel import select

from exante_tui.errors import Conflict, ProviderFailure
from exante_tui.services import Services
from exante_tui.store.models import Account, OutboundEmail, SendStatus
from fakes.gmail_server import FakeGmail


def body(account: Account, **extra: object) -> dict[str, object]:
    return {
        "from_account_id": str(account.id),
        "to": ["customer@contoso.example"],
        "subject": "Payment reminder",
        "body_text": "Please pay.",
        "idempotency_key": "reminder-inv-2024-001-attempt-1",
        **extra,
    }


def test_same_key_same_body_returns_stored_result_without_second_call(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    first = services.core.send(body(gmail_account))
    second = services.core.send(body(gmail_account))
    assert first == second
    assert len(fake_gmail.sent) == 1
    sends = [r for r in fake_gmail.requests if r.route == "messages.send"]
    assert len(sends) == 1


def test_same_key_different_body_is_a_conflict(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    first = services.core.send(body(gmail_account))
    with pytest.raises(Conflict) as caught:
        services.core.send(body(gmail_account, body_text="Please pay now."))
    assert caught.value.details[0].field == "idempotency_key"
    assert caught.value.outbound_email_uid == first.outbound_email_uid
    assert len(fake_gmail.sent) == 1


def test_same_key_while_pending_is_a_conflict(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    first = services.core.send(body(gmail_account))
    with services.store.session() as session:
        record = session.get(OutboundEmail, first.outbound_email_uid)
        assert record is not None
        record.status = SendStatus.PENDING
    with pytest.raises(Conflict) as caught:
        services.core.send(body(gmail_account))
    assert "in progress" in caught.value.message


def test_failed_result_is_replayed_not_resent(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    fake_gmail.fail_next(400, message="Invalid To header")
    with pytest.raises(ProviderFailure) as first:
        services.core.send(body(gmail_account))
    with pytest.raises(ProviderFailure) as second:
        services.core.send(body(gmail_account))
    assert first.value.outbound_email_uid == second.value.outbound_email_uid
    assert "Invalid To header" in second.value.message
    assert fake_gmail.sent == []
    assert len([r for r in fake_gmail.requests if r.route == "messages.send"]) == 1


def test_keys_are_scoped_per_account(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    other = services.accounts.add_outbox("desk@northwind.example")
    services.core.send(body(gmail_account))
    services.core.send(body(other))
    with services.store.session() as session:
        assert len(session.exec(select(OutboundEmail)).all()) == 2


def test_no_key_sends_every_time(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    payload = body(gmail_account)
    del payload["idempotency_key"]
    services.core.send(payload)
    services.core.send(payload)
    assert len(fake_gmail.sent) == 2
