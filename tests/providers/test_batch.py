"""The batch protocol on public ground: a recorded Gmail batch answer, and the real client
against the fake's batch endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from googleapiclient.errors import BatchError
from googleapiclient.http import HttpMockSequence

from exante_tui.providers.base import TransportError
from exante_tui.providers.batch import decode, encode
from exante_tui.providers.gmail import batch_uri, build_service
from exante_tui.providers.pacing import QuotaBucket
from exante_tui.providers.policy import GmailPolicy
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail, fake_credentials
from fakes.quota import FakeClock

RECORDED = Path(__file__).parent / "recorded" / "gmail_batch_answer.http"
RECORDED_TYPE = "multipart/mixed; boundary=batch_QbKPacQzDgVo8GhIZh_46t5tf9-xysgo"
IDS = ("17ed3860b714f93e", "17ed36c19ec18aeb", "17ed36c19ec18aec")


def test_a_recorded_gmail_answer_is_read_part_by_part() -> None:
    parts = decode(RECORDED_TYPE, RECORDED.read_bytes())

    assert set(parts) == set(IDS)
    ok, missing, limited = (parts[key] for key in IDS)
    assert ok[0].status == 200 and ok[1].startswith(b"{")
    assert b'"threadId": "17ed3860b714f93e"' in ok[1]
    assert missing[0].status == 404
    assert limited[0].status == 429 and limited[0].reason == "Too Many Requests"
    assert limited[0]["vary"] == "Referer"


def test_the_recorded_answer_through_the_policy_gives_results_404s_and_a_retry() -> None:
    """The real client's requests, answered by the recorded bytes: the 200 part is a result,
    the 404 part None, and only the 429 part goes again (answered on its own)."""
    http = HttpMockSequence(
        [
            ({"status": "200", "content-type": RECORDED_TYPE}, RECORDED.read_bytes()),
            ({"status": "200"}, b'{"id": "17ed36c19ec18aec", "threadId": "t"}'),
        ]
    )
    messages = build_service(fake_credentials(), http=http).users().messages()
    requests = {key: messages.get(userId="me", id=key, format="full") for key in IDS}
    clock = FakeClock()
    policy = GmailPolicy(
        QuotaBucket(250, clock=clock), batch_uri="https://gmail.example/batch/gmail/v1"
    )

    batches = list(policy.run(requests))

    assert len(batches) == 2
    assert batches[0][IDS[0]]["snippet"] == "Meeting moved to Thursday"
    assert batches[0][IDS[1]] is None and IDS[2] not in batches[0]
    assert batches[1] == {IDS[2]: {"id": "17ed36c19ec18aec", "threadId": "t"}}
    assert policy.bucket.rate < 250  # the refusal slowed the pace down


def test_what_is_sent_is_one_part_per_request_with_its_key() -> None:
    http = HttpMockSequence([({"status": "200"}, b"{}")])
    messages = build_service(fake_credentials(), http=http).users().messages()
    body, boundary = encode({"abc": messages.get(userId="me", id="abc", format="full")})

    assert body.startswith(f"--{boundary}\r\n") and body.endswith(f"--{boundary}--\r\n")
    assert "Content-ID: <item-abc>" in body
    assert "GET /gmail/v1/users/me/messages/abc?format=full" in body


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/json", b"{}"),
        (RECORDED_TYPE, b"--batch_QbKPacQzDgVo8GhIZh_46t5tf9-xysgo\r\n"),
        (RECORDED_TYPE, RECORDED.read_bytes().replace(b"Content-ID", b"X-Id")),
    ],
)
def test_an_answer_not_in_the_batch_format_is_a_batch_error(
    content_type: str, content: bytes
) -> None:
    with pytest.raises(BatchError):
        decode(content_type, content)


def test_batches_against_the_fake_carry_credentials_on_the_outer_request(
    fake_gmail: FakeGmail,
) -> None:
    ids = [fake_gmail.mailbox.deliver(build_mail(subject=f"s{n}")) for n in range(3)]
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    threads = service.users().threads()
    policy = GmailPolicy(QuotaBucket(10_000), batch_uri=batch_uri(fake_gmail.endpoint))

    [results] = list(policy.run({i: threads.get(userId="me", id=i) for i in ids}))

    assert {key: value["id"] for key, value in results.items() if value} == {i: i for i in ids}
    [batch] = [r for r in fake_gmail.requests if r.route == "batch"]
    assert batch.headers["authorization"] == f"Bearer {fake_gmail.token}"


def test_a_batch_refused_as_a_whole_for_bad_input_fails_at_once(fake_gmail: FakeGmail) -> None:
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    threads = service.users().threads()
    policy = GmailPolicy(QuotaBucket(10_000), batch_uri=batch_uri(fake_gmail.endpoint))
    fake_gmail.fail_next(400, route="batch", message="Bad batch")

    with pytest.raises(TransportError, match="Bad batch"):
        list(policy.run({i: threads.get(userId="me", id=i) for i in ("a", "b")}))
