"""GmailTransport: the real google-api-python-client against the loopback fake_gmail."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage
from typing import Any

import pytest
from googleapiclient.http import HttpMockSequence

from exante_tui.providers.base import (
    Delivery,
    TransportAmbiguous,
    TransportAuthError,
    TransportError,
)
from exante_tui.providers.gmail import GmailTransport
from fakes.gmail_server import FakeGmail, fake_credentials


def make_raw(body: str = "Hello.", message_id: str = "<ours-1@example.com>") -> bytes:
    message = EmailMessage()
    message["From"] = "ann@example.com"
    message["To"] = "bob@example.com"
    message["Subject"] = "Quarterly figures"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def transport(fake_gmail: FakeGmail, sleeps: list[float]) -> GmailTransport:
    return GmailTransport(
        fake_credentials(),
        endpoint=fake_gmail.endpoint,
        timeout=5,
        retry_base_delay=0.5,
        max_retries=3,
        sleep=sleeps.append,
    )


def sends(fake: FakeGmail) -> int:
    return sum(1 for request in fake.requests if request.route == "messages.send")


def searches(fake: FakeGmail) -> int:
    return sum(1 for request in fake.requests if request.route == "messages.list")


def test_small_send_posts_raw_and_thread_id(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    raw = make_raw()
    progress: list[tuple[int, int]] = []

    delivery = transport.send(
        raw,
        thread_id="18f00000000000aa",
        progress=lambda sent, total: progress.append((sent, total)),
    )

    [stored] = fake_gmail.sent
    assert stored["raw"] == raw
    assert stored["requested_thread_id"] == "18f00000000000aa"
    assert stored["message"]["Subject"] == "Quarterly figures"
    assert delivery == Delivery(
        provider_message_id=stored["id"],
        provider_thread_id="18f00000000000aa",
        rfc_message_id="<ours-1@example.com>",
    )
    assert progress == [(len(raw), len(raw))]
    send_request = next(r for r in fake_gmail.requests if r.route == "messages.send")
    assert send_request.headers["authorization"] == "Bearer fake-access-token"


def test_fresh_send_omits_thread_id_and_gets_a_new_thread(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    delivery = transport.send(make_raw(), thread_id=None)

    send_request = next(r for r in fake_gmail.requests if r.route == "messages.send")
    assert "threadId" not in send_request.body
    assert delivery.provider_thread_id == delivery.provider_message_id


def test_reads_back_the_message_id_gmail_kept(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    fake_gmail.replace_message_id = True

    delivery = transport.send(make_raw(), thread_id=None)

    [stored] = fake_gmail.sent
    assert delivery.rfc_message_id == stored["message_id"]
    assert delivery.rfc_message_id != "<ours-1@example.com>"
    get_request = next(r for r in fake_gmail.requests if r.route == "messages.get")
    assert get_request.query["format"] == ["metadata"]
    assert get_request.query["metadataHeaders"] == ["Message-ID"]


def test_failed_read_back_still_returns_the_delivery(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    fake_gmail.fail_next(404, route="messages.get")

    delivery = transport.send(make_raw(), thread_id=None)

    assert delivery.provider_message_id == fake_gmail.sent[0]["id"]
    assert delivery.rfc_message_id is None


def test_429_then_success_sends_once_after_one_backoff(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float]
) -> None:
    fake_gmail.fail_next(429)

    transport.send(make_raw(), thread_id=None)

    assert len(fake_gmail.sent) == 1
    assert sends(fake_gmail) == 2
    [delay] = sleeps
    assert 0.5 <= delay <= 0.55


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_with_exponential_backoff(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float], status: int
) -> None:
    fake_gmail.fail_next(status, count=2, route="messages.send")

    transport.send(make_raw(), thread_id=None)

    assert len(fake_gmail.sent) == 1
    assert sends(fake_gmail) == 3
    assert searches(fake_gmail) == 2  # each 5xx is ambiguous: the mailbox is checked first
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.55
    assert 1.0 <= sleeps[1] <= 1.05


def test_400_fails_at_once_with_gmails_message(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float]
) -> None:
    fake_gmail.fail_next(400, message="Invalid To header")

    with pytest.raises(TransportError) as caught:
        transport.send(make_raw(), thread_id=None)

    assert caught.value.status == 400
    assert "Invalid To header" in str(caught.value)
    assert not isinstance(caught.value, TransportAuthError)
    assert sends(fake_gmail) == 1
    assert sleeps == []
    assert fake_gmail.sent == []


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_403_rate_limit_is_retried(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float], reason: str
) -> None:
    fake_gmail.fail_next(403, reason=reason)

    transport.send(make_raw(), thread_id=None)

    assert len(fake_gmail.sent) == 1
    assert len(sleeps) == 1


def test_plain_403_is_not_retried(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float]
) -> None:
    fake_gmail.fail_next(403, reason="forbidden", message="Delegation denied")

    with pytest.raises(TransportError) as caught:
        transport.send(make_raw(), thread_id=None)

    assert caught.value.status == 403
    assert "Delegation denied" in str(caught.value)
    assert sleeps == []
    assert sends(fake_gmail) == 1


def test_401_is_an_auth_error(fake_gmail: FakeGmail, transport: GmailTransport) -> None:
    fake_gmail.fail_next(401)

    with pytest.raises(TransportAuthError):
        transport.send(make_raw(), thread_id=None)

    assert fake_gmail.sent == []


def test_wrong_token_is_an_auth_error_without_the_token(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    fake_gmail.token = "the-right-token"

    with pytest.raises(TransportAuthError) as caught:
        transport.send(make_raw(), thread_id=None)

    assert "fake-access-token" not in str(caught.value)
    assert fake_gmail.sent == []


def test_retries_exhausted(
    fake_gmail: FakeGmail, transport: GmailTransport, sleeps: list[float]
) -> None:
    fake_gmail.fail_next(503, count=10, route="messages.send")

    with pytest.raises(TransportError) as caught:
        transport.send(make_raw(), thread_id=None)

    assert caught.value.status == 503
    assert "after 3 retries" in str(caught.value)
    assert not isinstance(caught.value, TransportAmbiguous)  # the mailbox says: not sent
    assert sends(fake_gmail) == 4
    assert searches(fake_gmail) == 4
    assert len(sleeps) == 4
    for delay, base in zip(sleeps, [0.5, 1.0, 2.0, 4.0], strict=True):
        assert base <= delay <= base + 0.05
    assert fake_gmail.sent == []


def test_timeout_is_checked_in_the_mailbox_before_resending(
    fake_gmail: FakeGmail, sleeps: list[float]
) -> None:
    transport = GmailTransport(
        fake_credentials(), endpoint=fake_gmail.endpoint, timeout=0.5, sleep=sleeps.append
    )
    fake_gmail.hang_next()  # held until the fixture stops the fake_gmail: never sent

    delivery = transport.send(make_raw(), thread_id=None)

    assert delivery.provider_message_id == fake_gmail.sent[0]["id"]
    assert sends(fake_gmail) == 2
    assert searches(fake_gmail) == 1
    assert len(sleeps) == 1


def test_unreachable_server_is_a_transport_error(sleeps: list[float]) -> None:
    with FakeGmail() as stopped:
        endpoint = stopped.endpoint
    transport = GmailTransport(
        fake_credentials(), endpoint=endpoint, timeout=2, sleep=sleeps.append
    )

    with pytest.raises(TransportError, match="Could not talk to Gmail"):
        transport.send(make_raw(), thread_id=None)

    assert sleeps == []


def test_oversized_message_is_refused_before_any_request(fake_gmail: FakeGmail) -> None:
    transport = GmailTransport(fake_credentials(), endpoint=fake_gmail.endpoint)

    with pytest.raises(TransportError, match="35 MiB"):
        transport.send(b"x" * (36_700_160 + 1), thread_id=None)

    assert fake_gmail.requests == []


class RecordingHttp(HttpMockSequence):
    """An ``HttpMockSequence`` that keeps chunk bodies as bytes (they are stream slices)."""

    def request(self, uri: str, method: str = "GET", body: Any = None, *args: Any, **kwargs: Any):
        if hasattr(body, "read"):
            body = body.read()
        return super().request(uri, method, body, *args, **kwargs)


def upload_transport(
    responses: list[tuple[dict[str, str], str]], sleeps: list[float]
) -> tuple[GmailTransport, RecordingHttp]:
    http = RecordingHttp(responses)
    transport = GmailTransport(
        fake_credentials(),
        http=http,
        upload_threshold=1024,
        upload_chunk_size=1024,
        retry_base_delay=0.5,
        sleep=sleeps.append,
    )
    return transport, http


READ_BACK = json.dumps(
    {
        "id": "m1",
        "threadId": "t1",
        "payload": {"headers": [{"name": "Message-Id", "value": "<kept@mail.gmail.com>"}]},
    }
)


def test_large_message_goes_as_resumable_rfc822_upload(sleeps: list[float]) -> None:
    raw = make_raw(body="x" * 1500)
    assert 1024 < len(raw) <= 2048
    transport, http = upload_transport(
        [
            ({"status": "200", "location": "https://upload.example/session/1"}, ""),
            ({"status": "308", "range": "0-1023"}, ""),
            ({"status": "200"}, json.dumps({"id": "m1", "threadId": "t1"})),
            ({"status": "200"}, READ_BACK),
        ],
        sleeps,
    )
    progress: list[tuple[int, int]] = []

    delivery = transport.send(
        raw, thread_id="t1", progress=lambda sent, total: progress.append((sent, total))
    )

    assert delivery == Delivery("m1", "t1", "<kept@mail.gmail.com>")
    start, first, last, read_back = http.request_sequence
    uri, method, body, headers = start
    assert method == "POST"
    assert uri.startswith("https://gmail.googleapis.com/upload/gmail/v1/users/me/messages/send?")
    assert "uploadType=resumable" in uri
    assert headers["X-Upload-Content-Type"] == "message/rfc822"
    assert headers["X-Upload-Content-Length"] == str(len(raw))
    assert json.loads(body) == {"threadId": "t1"}
    assert first[0] == last[0] == "https://upload.example/session/1"
    assert first[3]["Content-Range"] == f"bytes 0-1023/{len(raw)}"
    assert last[3]["Content-Range"] == f"bytes 1024-{len(raw) - 1}/{len(raw)}"
    assert first[2] + last[2] == raw
    assert read_back[1] == "GET"
    assert progress == [(1024, len(raw)), (len(raw), len(raw))]
    assert sleeps == []


def test_upload_chunk_503_is_retried_by_resuming(sleeps: list[float]) -> None:
    raw = make_raw(body="y" * 1500)
    transport, http = upload_transport(
        [
            ({"status": "200", "location": "https://upload.example/session/2"}, ""),
            ({"status": "503"}, '{"error": {"code": 503, "message": "Backend Error"}}'),
            ({"status": "308", "range": "0-1023"}, ""),  # status query after the error
            ({"status": "200"}, json.dumps({"id": "m2", "threadId": "t2"})),
            ({"status": "200"}, READ_BACK),
        ],
        sleeps,
    )

    delivery = transport.send(raw, thread_id=None)

    assert delivery.provider_message_id == "m2"
    assert len(sleeps) == 1
    status_query = http.request_sequence[2]
    assert status_query[1] == "PUT"
    assert status_query[3]["Content-Range"] == f"bytes */{len(raw)}"


def test_upload_401_is_an_auth_error(sleeps: list[float]) -> None:
    transport, _ = upload_transport(
        [({"status": "401"}, '{"error": {"code": 401, "message": "Invalid Credentials"}}')],
        sleeps,
    )

    with pytest.raises(TransportAuthError, match="Invalid Credentials"):
        transport.send(make_raw(body="z" * 1500), thread_id=None)


def test_raw_is_base64url(fake_gmail: FakeGmail, transport: GmailTransport) -> None:
    raw = make_raw(body="\u00e9t\u00e9 ???>>>~~~")
    transport.send(raw, thread_id=None)

    send_request = next(r for r in fake_gmail.requests if r.route == "messages.send")
    encoded = send_request.body["raw"]
    assert "+" not in encoded and "/" not in encoded
    assert base64.urlsafe_b64decode(encoded) == raw
