"""``POST /api/email/send`` in every mode, with every status code, through the fake Gmail."""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from builders import add_thread, b64, write_token_file
from exante_tui.services import Services
from exante_tui.store.models import Account, OutboundEmail, SendStatus
from fakes.gmail_server import FakeGmail

URL = "/api/email/send"
SEED_RESPONSE_KEYS = {
    "outbound_email_uid",
    "provider_message_id",
    "provider_thread_id",
    "status",
    "sent_at",
}
UTC_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def option_b(account: Account) -> dict[str, Any]:
    """The seed's Option B body, with real uids in place of the placeholders."""
    return {
        "from_account_id": str(account.id),
        "to": ["customer@example.com"],
        "cc": ["accounting@mycompany.com"],
        "subject": "Invoice INV-2024-001 - Payment Reminder",
        "body_text": "Hi,\n\nThis is a friendly reminder...",
        "body_html": "<html><body><p>Hi,</p><p>This is a friendly reminder...</p></body></html>",
        "context_type": "invoice",
        "context_id": str(uuid.uuid4()),
        "idempotency_key": "reminder-inv-2024-001-attempt-1",
    }


def assert_sent(body: dict[str, Any]) -> None:
    assert set(body) == SEED_RESPONSE_KEYS
    assert body["status"] == "sent"
    assert UTC_Z.fullmatch(body["sent_at"])
    uuid.UUID(body["outbound_email_uid"])


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    return error


def test_seed_option_b_fresh_send(
    client: TestClient, auth: dict[str, str], gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    response = client.post(URL, json=option_b(gmail_account), headers=auth)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_sent(body)
    [sent] = fake_gmail.sent
    assert body["provider_message_id"] == sent["id"]
    assert body["provider_thread_id"] == sent["threadId"]
    assert sent["message"]["Cc"] == "accounting@mycompany.com"
    assert sent["message"]["From"] == "Northwind Billing <billing@northwind.example>"


def test_seed_option_c_reply(
    client: TestClient,
    auth: dict[str, str],
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    _, messages = add_thread(services, gmail_account)
    body = {
        "to": ["customer@example.com"],
        "subject": "RE: Invoice INV-2024-001 - Payment Reminder",
        "body_html": "<p>Following up here…</p>",
        "reply_to_message_uid": str(messages[-1].id),
    }
    response = client.post(URL, json=body, headers=auth)

    assert response.status_code == 200, response.text
    assert_sent(response.json())
    assert response.json()["provider_thread_id"] == "thread-abc"
    [sent] = fake_gmail.sent
    assert sent["requested_thread_id"] == "thread-abc"
    assert sent["message"]["In-Reply-To"] == "<second@contoso.example>"
    assert sent["message"]["References"] == "<first@contoso.example> <second@contoso.example>"


def test_seed_option_a_draft_is_sent_once(
    client: TestClient,
    auth: dict[str, str],
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    draft_uid = services.drafts.create_from_request(
        {
            "from_account_id": str(gmail_account.id),
            "to": ["ap@contoso.example"],
            "subject": "Invoice INV-2024-014",
            "attachments": [
                {
                    "filename": "INV-2024-014.pdf",
                    "content_type": "application/pdf",
                    "data_base64": b64(b"%PDF-1.4"),
                }
            ],
        }
    )
    first = client.post(URL, json={"draft_uid": str(draft_uid)}, headers=auth)
    again = client.post(URL, json={"draft_uid": str(draft_uid)}, headers=auth)

    assert first.status_code == again.status_code == 200
    assert_sent(first.json())
    assert first.json() == again.json()
    assert len(fake_gmail.sent) == 1


def test_idempotency_key_replays_and_refuses_another_body(
    client: TestClient, auth: dict[str, str], gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    body = option_b(gmail_account)
    first = client.post(URL, json=body, headers=auth)
    replay = client.post(URL, json=body, headers=auth)
    other = client.post(URL, json={**body, "subject": "Another subject"}, headers=auth)

    assert replay.status_code == 200 and replay.json() == first.json()
    error = error_of(other, 409, "conflict")
    assert error["details"] == [
        {"field": "idempotency_key", "message": "reused with a different request body"}
    ]
    assert error["outbound_email_uid"] == first.json()["outbound_email_uid"]
    assert len(fake_gmail.sent) == 1


def test_send_in_progress_with_same_key_is_a_conflict(
    client: TestClient, auth: dict[str, str], gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    body = option_b(gmail_account)
    fake_gmail.hang_next(route="messages.send")
    answers: list[Any] = []
    first = threading.Thread(
        target=lambda: answers.append(client.post(URL, json=body, headers=auth))
    )
    first.start()
    deadline = time.monotonic() + 10
    while not any(r.route == "messages.send" for r in fake_gmail.requests):
        assert time.monotonic() < deadline, "the first send never reached Gmail"
        time.sleep(0.01)

    second = client.post(URL, json=body, headers=auth)
    fake_gmail.release_hangs()
    first.join(10)

    error = error_of(second, 409, "conflict")
    assert "in progress" in error["message"]
    assert answers[0].status_code == 200
    assert error["outbound_email_uid"] == answers[0].json()["outbound_email_uid"]
    assert len(fake_gmail.sent) == 1


def test_validation_errors_name_every_field(
    client: TestClient, auth: dict[str, str], gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    body = {
        "from_account_id": str(gmail_account.id),
        "to": ["customer@example.com", "not an address"],
        "cc": ["x@example.com\r\nBcc: victim@example.com"],
        "attachments": [{"filename": "a.pdf", "content_type": "application/pdf"}],
    }
    error = error_of(client.post(URL, json=body, headers=auth), 422, "validation_error")

    fields = {d["field"] for d in error["details"]}
    assert {"to[1]", "cc[0]", "attachments[0].data_base64", "subject"} <= fields
    assert fake_gmail.requests == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "is not valid JSON"),
        (b"", "is not valid JSON"),
        (b"\xff\xfe\xfa", "is not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b'["a list"]', "must be a JSON object"),
    ],
)
def test_body_that_is_not_a_json_object_is_a_validation_error(
    client: TestClient, auth: dict[str, str], content: bytes, message: str
) -> None:
    response = client.post(
        URL, content=content, headers={**auth, "Content-Type": "application/json"}
    )
    [detail] = error_of(response, 422, "validation_error")["details"]
    assert detail["field"] == "body"
    assert message in detail["message"]


def test_mixed_modes_are_a_validation_error(
    client: TestClient, auth: dict[str, str], gmail_account: Account
) -> None:
    body = {"draft_uid": str(uuid.uuid4()), "to": ["a@example.com"]}
    error = error_of(client.post(URL, json=body, headers=auth), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["to"]


def test_reply_that_cannot_thread_is_a_validation_error(
    client: TestClient, auth: dict[str, str], services: Services, gmail_account: Account
) -> None:
    _, messages = add_thread(services, gmail_account, thread_id=None)
    body = {
        "to": ["a@example.com"],
        "subject": "Re: x",
        "reply_to_message_uid": str(messages[0].id),
    }
    error = error_of(client.post(URL, json=body, headers=auth), 422, "validation_error")
    assert error["details"][0]["field"] == "reply_to_message_uid"
    assert "Gmail thread" in error["details"][0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"from_account_id": str(uuid.uuid4()), "to": ["a@b.example"], "subject": "s"},
            "from_account_id",
        ),
        ({"draft_uid": str(uuid.uuid4())}, "draft_uid"),
        (
            {"to": ["a@b.example"], "subject": "s", "reply_to_message_uid": str(uuid.uuid4())},
            "reply_to_message_uid",
        ),
    ],
)
def test_unknown_references_are_404(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    error = error_of(client.post(URL, json=body, headers=auth), 404, "not_found")
    assert [d["field"] for d in error["details"]] == [field]


def test_gmail_failure_is_502_with_the_failed_record(
    client: TestClient,
    auth: dict[str, str],
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    fake_gmail.fail_next(400, message="Invalid To header")
    response = client.post(URL, json=option_b(gmail_account), headers=auth)

    error = error_of(response, 502, "provider_error")
    assert "Invalid To header" in error["message"]
    with services.store.session() as session:
        record = session.get(OutboundEmail, uuid.UUID(error["outbound_email_uid"]))
        assert record is not None and record.status == SendStatus.FAILED


def test_revoked_gmail_account_is_502_not_401(
    client: TestClient,
    auth: dict[str, str],
    services: Services,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    """The sending account needs reconnecting: the caller's own token is fine."""
    token_file = write_token_file(tmp_path / "stale.json", token="stale", refresh_token=None)
    account = services.accounts.add_gmail_from_token_file("desk@northwind.example", token_file)
    body = {"from_account_id": str(account.id), "to": ["a@example.com"], "subject": "s"}
    response = client.post(URL, json=body, headers=auth)

    error = error_of(response, 502, "auth_error")
    assert "reconnected" in error["message"]
    assert "www-authenticate" not in response.headers
    assert error["outbound_email_uid"]
    assert fake_gmail.sent == []


@pytest.mark.parametrize("address", ["<", '"', "0@"])
def test_unparsable_address_is_a_validation_error(
    client: TestClient, auth: dict[str, str], address: str
) -> None:
    """Found by the property tests: these were a 500 instead of a 422."""
    response = client.post(URL, json={"to": [address]}, headers=auth)
    assert response.status_code == 422
