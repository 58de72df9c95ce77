"""The three send modes end to end: core → real Gmail client → loopback fake Gmail → store."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from builders import add_thread, b64, stored_raw, write_token_file
from exante_tui.errors import AuthFailure, NotFound, ProviderFailure, ValidationFailed
from exante_tui.services import Services
from exante_tui.store.models import (
    Account,
    Draft,
    EmailMessage,
    OutboundEmail,
    SendStatus,
)
from fakes.gmail_server import FakeGmail


def fresh(account: Account, **extra: object) -> dict[str, object]:
    return {
        "from_account_id": str(account.id),
        "to": ["customer@contoso.example"],
        "subject": "Invoice INV-2024-001 - Payment Reminder",
        "body_text": "Hi,\n\nThis is a friendly reminder...",
        **extra,
    }


def record(services: Services, uid: uuid.UUID) -> OutboundEmail:
    with services.store.session() as session:
        found = session.get(OutboundEmail, uid)
        assert found is not None
        return found


def test_fresh_send_goes_through_gmail_and_is_recorded(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    response = services.core.send(fresh(gmail_account, cc=["accounting@northwind.example"]))

    assert response.status == "sent"
    [sent] = fake_gmail.sent
    assert response.provider_message_id == sent["id"]
    assert response.provider_thread_id == sent["threadId"]
    assert sent["requested_thread_id"] is None
    assert sent["message"]["To"] == "customer@contoso.example"
    assert sent["message"]["Cc"] == "accounting@northwind.example"
    assert sent["message"]["From"] == "Northwind Billing <billing@northwind.example>"
    stored = record(services, response.outbound_email_uid)
    assert stored.status == SendStatus.SENT
    assert stored.sent_at is not None and stored.sent_at.tzinfo is not None
    assert stored.rfc_message_id == sent["message_id"]
    assert stored.attempts == 1


def test_response_json_has_exactly_the_seed_fields(
    services: Services, gmail_account: Account
) -> None:
    body = services.core.send(fresh(gmail_account)).model_dump(mode="json")
    assert set(body) == {
        "outbound_email_uid",
        "provider_message_id",
        "provider_thread_id",
        "status",
        "sent_at",
    }
    assert body["status"] == "sent"
    assert body["sent_at"].endswith("Z")


def test_message_id_replaced_by_gmail_is_stored(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    fake_gmail.replace_message_id = True
    response = services.core.send(fresh(gmail_account))
    [sent] = fake_gmail.sent
    assert sent["message_id"].endswith("@mail.gmail.com>")
    assert record(services, response.outbound_email_uid).rfc_message_id == sent["message_id"]


def test_reply_threads_with_thread_id_and_headers(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    conversation, messages = add_thread(services, gmail_account)
    parent = messages[-1]
    response = services.core.send(
        {
            "to": ["maria@contoso.example"],
            "subject": "RE: Invoice INV-2024-001",
            "body_html": "<p>Following up here…</p>",
            "reply_to_message_uid": str(parent.id),
            "from_account_id": str(uuid.uuid4()),  # ignored for replies, per the seed
        }
    )
    [sent] = fake_gmail.sent
    mime = sent["message"]
    assert sent["requested_thread_id"] == "thread-abc"
    assert response.provider_thread_id == "thread-abc"
    assert mime["In-Reply-To"] == "<second@contoso.example>"
    assert mime["References"] == "<first@contoso.example> <second@contoso.example>"
    assert mime["Subject"] == "RE: Invoice INV-2024-001"
    assert mime["From"] == "Northwind Billing <billing@northwind.example>"
    with services.store.session() as session:
        filed = session.exec(
            select(EmailMessage).where(
                EmailMessage.outbound_email_id == response.outbound_email_uid
            )
        ).one()
        assert filed.conversation_id == conversation.id
        assert filed.in_reply_to == "<second@contoso.example>"
        assert record(services, response.outbound_email_uid).reply_to_message_uid == parent.id


def test_reply_to_first_message_references_only_it(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    _, messages = add_thread(services, gmail_account, message_ids=("<only@contoso.example>",))
    services.core.send(
        {
            "to": ["maria@contoso.example"],
            "subject": "Re: x",
            "reply_to_message_uid": str(messages[0].id),
        }
    )
    mime = fake_gmail.sent[0]["message"]
    assert mime["In-Reply-To"] == "<only@contoso.example>"
    assert mime["References"] == "<only@contoso.example>"


@pytest.mark.parametrize(
    ("thread_kwargs", "expected"),
    [
        ({"message_ids": (None,)}, "no RFC Message-ID"),
        ({"thread_id": None}, "no Gmail thread mapping"),
        ({"owner_email": ""}, "no owner inbox"),
        ({"owner_email": "someone-else@northwind.example"}, "is not a connected account"),
    ],
)
def test_reply_that_cannot_thread_is_a_validation_error(
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    thread_kwargs: dict[str, object],
    expected: str,
) -> None:
    _, messages = add_thread(services, gmail_account, **thread_kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as caught:
        services.core.send(
            {
                "to": ["maria@contoso.example"],
                "subject": "Re: x",
                "reply_to_message_uid": str(messages[-1].id),
            }
        )
    [detail] = caught.value.details
    assert detail.field == "reply_to_message_uid"
    assert expected in detail.message
    assert fake_gmail.sent == []


def test_unknown_references_are_not_found(services: Services, gmail_account: Account) -> None:
    for payload, field in [
        ({**fresh(gmail_account), "from_account_id": str(uuid.uuid4())}, "from_account_id"),
        ({"draft_uid": str(uuid.uuid4())}, "draft_uid"),
        (
            {"to": ["a@b.example"], "subject": "s", "reply_to_message_uid": str(uuid.uuid4())},
            "reply_to_message_uid",
        ),
    ]:
        with pytest.raises(NotFound) as caught:
            services.core.send(payload)
        assert [d.field for d in caught.value.details] == [field]
    with services.store.session() as session:
        assert session.exec(select(OutboundEmail)).all() == []


def test_send_draft_by_uid_once(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    draft_uid = services.drafts.create_from_request(
        {
            "from_account_id": str(gmail_account.id),
            "to": ["ap@contoso.example"],
            "subject": "Invoice INV-2024-014",
            "body_text": "Attached.",
            "attachments": [
                {
                    "filename": "INV-2024-014.pdf",
                    "content_type": "application/pdf",
                    "data_base64": b64(b"%PDF-1.4 demo"),
                }
            ],
        }
    )
    first = services.core.send({"draft_uid": str(draft_uid)})
    second = services.core.send({"draft_uid": str(draft_uid)})

    assert first == second
    assert len(fake_gmail.sent) == 1
    [attachment] = list(fake_gmail.sent[0]["message"].iter_attachments())
    assert attachment.get_filename() == "INV-2024-014.pdf"
    assert attachment.get_content() == b"%PDF-1.4 demo"
    with services.store.session() as session:
        draft = session.get(Draft, draft_uid)
        assert draft is not None and draft.outbound_email_uid == first.outbound_email_uid
        assert record(services, first.outbound_email_uid).draft_uid == draft_uid


def test_incomplete_draft_is_not_sent(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    draft_uid = services.drafts.create_from_request({"from_account_id": str(gmail_account.id)})
    with pytest.raises(ValidationFailed) as caught:
        services.core.send({"draft_uid": str(draft_uid)})
    # A draft may go without a subject (the composer asks first); never without a recipient.
    assert {d.field for d in caught.value.details} == {"to"}
    assert "draft" in caught.value.message
    assert fake_gmail.sent == []


def test_failed_send_is_recorded_and_draft_kept(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    draft_uid = services.drafts.create_from_request(
        {
            "from_account_id": str(gmail_account.id),
            "to": ["ap@contoso.example"],
            "subject": "S",
            "body_text": "keep me",
        }
    )
    fake_gmail.fail_next(400, message="Invalid To header")
    with pytest.raises(ProviderFailure) as caught:
        services.core.send({"draft_uid": str(draft_uid)})

    failed = record(services, caught.value.outbound_email_uid)  # type: ignore[arg-type]
    assert failed.status == SendStatus.FAILED
    assert "Invalid To header" in (failed.error or "")
    assert caught.value.to_payload()["error"]["outbound_email_uid"] == str(failed.id)
    draft, _ = services.drafts.load(draft_uid)
    assert draft.body_text == "keep me" and draft.outbound_email_uid is None

    # Sending the draft again retries the same record and Message-ID.
    response = services.core.send({"draft_uid": str(draft_uid)})
    assert response.outbound_email_uid == failed.id
    assert fake_gmail.sent[0]["message"]["Message-ID"] == failed.rfc_message_id
    assert record(services, failed.id).attempts == 2


def test_429_then_success_gives_one_sent_record(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    fake_gmail.fail_next(429, reason="rateLimitExceeded")
    response = services.core.send(fresh(gmail_account))
    assert response.status == "sent"
    assert len(fake_gmail.sent) == 1
    with services.store.session() as session:
        assert [r.status for r in session.exec(select(OutboundEmail)).all()] == [SendStatus.SENT]


def test_retry_of_failed_record_resends_same_bytes(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    # The first try and all five retries; the mailbox search after each says "not sent".
    fake_gmail.fail_next(503, count=6, route="messages.send")
    with pytest.raises(ProviderFailure) as caught:
        services.core.send(fresh(gmail_account))
    uid = caught.value.outbound_email_uid
    assert uid is not None
    assert "503" in (record(services, uid).error or "")
    response = services.core.retry(uid)
    assert response.status == "sent"
    assert fake_gmail.sent[0]["raw"] == stored_raw(services, uid)
    assert services.core.retry(uid) == response  # retrying a sent record just replays it
    assert len(fake_gmail.sent) == 1


def test_rejected_token_is_an_auth_error(
    services: Services, fake_gmail: FakeGmail, tmp_path: Path
) -> None:
    token_file = write_token_file(tmp_path / "t.json", token="stale", refresh_token=None)
    account = services.accounts.add_gmail_from_token_file("desk@northwind.example", token_file)
    with pytest.raises(AuthFailure) as caught:
        services.core.send(fresh(account))
    assert "desk@northwind.example" in caught.value.message
    assert fake_gmail.sent == []
    assert "exante-tui accounts add" in caught.value.message
    assert record(services, caught.value.outbound_email_uid).status == SendStatus.FAILED  # type: ignore[arg-type]


def test_outbox_account_writes_eml(services: Services, settings) -> None:  # type: ignore[no-untyped-def]
    account = services.accounts.add_outbox("desk@northwind.example")
    response = services.core.send(fresh(account))
    [eml] = list(settings.outbox_dir.glob("*.eml"))
    assert eml.stem == response.provider_message_id
    assert b"Subject: Invoice INV-2024-001 - Payment Reminder" in eml.read_bytes()
