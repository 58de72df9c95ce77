"""One rule for every header: values are checked as decoded (RFC 2047 included), the built
message is read back before it is recorded, and threading headers from synced mail that are
malformed are dropped rather than sent."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest
from sqlmodel import select

from builders import add_thread, b64, stored_raw
from exante_tui.core.mime import OutgoingMessage, build_message
from exante_tui.core.parse_back import check_built_message
from exante_tui.core.validation import parse_send_request
from exante_tui.errors import ValidationFailed
from exante_tui.services import Services
from exante_tui.store.models import Account, EmailMessage, OutboundEmail
from fakes.gmail_server import FakeGmail

INJECT = "=?utf-8?q?Invoice=0D=0ABcc=3A_attacker=40evil.example?="
ACCOUNT = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"


def fresh(**fields: object) -> dict[str, object]:
    return {"from_account_id": ACCOUNT, "to": ["ap@contoso.example"], "subject": "s", **fields}


def problems(raw: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_send_request(raw)
    return {d.field: d.message for d in caught.value.details}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": INJECT}, "subject"),
        ({"subject": "=?utf-8?b?SW52b2ljZQ0KQmNjOiB4QHkuZXhhbXBsZQ==?="}, "subject"),
        ({"context_type": INJECT}, "context_type"),
        ({"idempotency_key": INJECT}, "idempotency_key"),
        ({"to": [f"{INJECT} <a@b.example>"]}, "to[0]"),
        ({"cc": [f'"{INJECT}" <a@b.example>']}, "cc[0]"),
        ({"bcc": ["=?utf-8?q?Eve=1B]0;owned=07?= <a@b.example>"]}, "bcc[0]"),
        (
            {
                "attachments": [
                    {"filename": INJECT, "content_type": "text/plain", "data_base64": b64(b"x")}
                ]
            },
            "attachments[0].filename",
        ),
    ],
)
def test_encoded_words_hiding_line_breaks_are_refused_by_field(
    fields: dict[str, object], field: str
) -> None:
    found = problems(fresh(**fields))
    assert set(found) == {field}
    assert "decoded" in found[field] or "control" in found[field] or "line break" in found[field]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"subject": "a\ud800b"}, "subject", "surrogate"),
        ({"body_text": "a\udfffb"}, "body_text", "surrogate"),
        ({"body_html": "\ud83d"}, "body_html", "surrogate"),
        ({"idempotency_key": "k\ud800"}, "idempotency_key", "surrogate"),
        ({"subject": "a\x9bb"}, "subject", "control"),
        ({"subject": "=?x-unknown-charset?q?a?="}, "subject", "encoded word"),
    ],
)
def test_text_that_cannot_be_sent_is_refused_by_field(
    fields: dict[str, object], field: str, reason: str
) -> None:
    assert reason in problems(fresh(**fields))[field]


@pytest.mark.parametrize("content_type", ["multipart/mixed", "message/rfc822", "Message/partial"])
def test_container_content_types_are_refused(content_type: str) -> None:
    attachment = {"filename": "a.eml", "content_type": content_type, "data_base64": b64(b"x")}
    found = problems(fresh(attachments=[attachment]))
    assert "container type" in found["attachments[0].content_type"]


def test_plain_encoded_words_still_send(services: Services, fake_gmail: FakeGmail) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    request = fresh(
        from_account_id=str(account.id),
        subject="=?utf-8?q?Gr=C3=BC=C3=9Fe?=",
        to=["=?utf-8?q?J=C3=BCrgen?= <j@contoso.example>"],
    )
    response = services.core.send(request)
    parsed = message_from_bytes(stored_raw(services, response.outbound_email_uid), policy=default)
    assert parsed["Subject"] == "Grüße"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["j@contoso.example"]
    assert parsed["Bcc"] is None


def _message(**overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "from_address": "Desk <desk@northwind.example>",
        "to": ["ap@contoso.example"],
        "subject": "Invoice",
        "message_id": "<1@northwind.example>",
        "date": datetime(2026, 1, 1, tzinfo=UTC),
        **overrides,
    }
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def test_parse_back_accepts_what_was_validated() -> None:
    message = _message(cc=["b@contoso.example"], bcc=["c@contoso.example"])
    check_built_message(build_message(message), message)


@pytest.mark.parametrize(
    ("raw_header", "field"),
    [
        (b"Bcc: attacker@evil.example\r\n", "bcc"),
        (b"To: second@evil.example\r\n", "headers"),
        (b"X-Injected: 1\r\n", "headers"),
    ],
)
def test_parse_back_refuses_any_header_nobody_asked_for(raw_header: bytes, field: str) -> None:
    message = _message()
    raw = build_message(message)
    with pytest.raises(ValidationFailed) as caught:
        check_built_message(raw_header + raw, message)
    assert [d.field for d in caught.value.details] == [field]


def test_parse_back_refuses_a_lost_recipient() -> None:
    message = _message(to=["ap@contoso.example", "ar@contoso.example"])
    built = build_message(_message(to=["ap@contoso.example"]))
    with pytest.raises(ValidationFailed) as caught:
        check_built_message(built, message)
    assert caught.value.details[0].field == "to"


def test_malformed_threading_headers_from_sync_are_dropped(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    _conversation, messages = add_thread(services, gmail_account)
    parent = messages[-1]
    with services.store.session() as session:
        stored = session.get(EmailMessage, parent.id)
        assert stored is not None
        stored.references = (
            "<first@contoso.example> =?utf-8?q?=0D=0ABcc=3A_x=40evil.example?= <no-at-sign> "
            "<ok@contoso.example>"
        )
    response = services.core.send(
        {"reply_to_message_uid": str(parent.id), "to": ["maria@contoso.example"], "subject": "Re"}
    )
    parsed = message_from_bytes(stored_raw(services, response.outbound_email_uid), policy=default)
    assert str(parsed["References"]).split() == [
        "<first@contoso.example>",
        "<ok@contoso.example>",
        "<second@contoso.example>",
    ]
    assert parsed["Bcc"] is None


def test_a_malformed_parent_message_id_is_not_replied_to(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    _conversation, [parent] = add_thread(
        services, gmail_account, message_ids=("<a@b> =?utf-8?q?=0A?=",)
    )
    with pytest.raises(ValidationFailed) as caught:
        services.core.send(
            {"reply_to_message_uid": str(parent.id), "to": ["m@contoso.example"], "subject": "Re"}
        )
    [detail] = caught.value.details
    assert detail.field == "reply_to_message_uid" and "malformed" in detail.message
    assert fake_gmail.sent == []


@pytest.mark.parametrize("name", ["Billing\r\nBcc: x@evil.example", INJECT, "a\x00b", "x" * 201])
def test_display_names_are_checked_when_an_account_is_added(services: Services, name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.accounts.add_outbox("desk@northwind.example", name)
    assert [d.field for d in caught.value.details] == ["display_name"]


def test_a_stored_display_name_with_a_line_break_is_refused_at_send(
    services: Services, fake_gmail: FakeGmail
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example", "Desk")
    with services.store.session() as session:
        stored = session.get(Account, account.id)
        assert stored is not None
        stored.display_name = "Desk\r\nBcc: x@evil.example"
    with pytest.raises(ValidationFailed) as caught:
        services.core.send(fresh(from_account_id=str(account.id)))
    assert caught.value.details[0].field == "from_account_id"
    with services.store.session() as session:
        assert session.exec(select(OutboundEmail)).all() == []


def test_a_display_name_with_a_comma_is_quoted_not_split(
    services: Services, fake_gmail: FakeGmail
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example", "Smith, Jane")
    response = services.core.send(fresh(from_account_id=str(account.id)))
    parsed = message_from_bytes(stored_raw(services, response.outbound_email_uid), policy=default)
    [sender] = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Smith, Jane", "desk@northwind.example")


def test_counts_come_before_checking_each_recipient() -> None:
    started = time.process_time()
    found = problems(fresh(to=["not an address"] * 100_000))
    assert time.process_time() - started < 1.0
    assert found == {"to": "100000 recipients; Gmail accepts at most 500"}


def test_details_are_capped_with_a_count_of_the_rest() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_send_request(fresh(to=["bad"] * 300))
    payload = caught.value.to_payload()["error"]
    assert len(payload["details"]) == 101
    assert payload["details"][-1] == {"field": "details", "message": "200 more not listed"}
