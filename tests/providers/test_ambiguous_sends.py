"""Ambiguous Gmail failures: the mailbox decides between "sent", "resend" and "unknown"."""

from __future__ import annotations

from pathlib import Path

import pytest

from exante_tui.providers.base import Delivery, TransportAmbiguous, TransportError
from exante_tui.providers.gmail import GmailTransport
from exante_tui.providers.outbox import OutboxTransport
from fakes.gmail_server import FakeGmail, fake_credentials, lose_answers
from providers.test_gmail_transport import make_raw, searches, sends


@pytest.fixture
def transport(fake_gmail: FakeGmail) -> GmailTransport:
    return GmailTransport(
        fake_credentials(),
        endpoint=fake_gmail.endpoint,
        timeout=0.5,
        max_retries=3,
        sleep=lambda _delay: None,
    )


def test_5xx_after_gmail_sent_is_found_not_resent(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    lose_answers(fake_gmail, status=500)

    delivery = transport.send(make_raw(), thread_id=None)

    [stored] = fake_gmail.sent
    assert delivery == Delivery(stored["id"], stored["threadId"], "<ours-1@example.com>")
    assert (sends(fake_gmail), searches(fake_gmail)) == (1, 1)


def test_timeout_after_gmail_sent_is_found_not_resent(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    lose_answers(fake_gmail, hang=2.0)

    delivery = transport.send(make_raw(), thread_id=None)

    assert delivery.provider_message_id == fake_gmail.sent[0]["id"]
    assert (len(fake_gmail.sent), sends(fake_gmail)) == (1, 1)


def test_failing_search_leaves_the_send_unknown(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    lose_answers(fake_gmail, status=503)
    fake_gmail.fail_next(503, count=100, route="messages.list")

    with pytest.raises(TransportAmbiguous, match="may or may not have been sent"):
        transport.send(make_raw(), thread_id=None)

    assert (len(fake_gmail.sent), sends(fake_gmail)) == (1, 1)


def test_rate_limits_are_certain_and_never_searched(
    fake_gmail: FakeGmail, transport: GmailTransport
) -> None:
    fake_gmail.fail_next(429, count=10, route="messages.send")

    with pytest.raises(TransportError) as caught:
        transport.send(make_raw(), thread_id=None)

    assert not isinstance(caught.value, TransportAmbiguous)
    assert (sends(fake_gmail), searches(fake_gmail)) == (4, 0)


def test_find_sent_by_message_id(fake_gmail: FakeGmail, transport: GmailTransport) -> None:
    delivery = transport.send(make_raw(message_id="<abc.1@example.com>"), thread_id=None)

    assert transport.find_sent("<abc.1@example.com>") == delivery
    assert transport.find_sent("<other@example.com>") is None
    search = next(r for r in fake_gmail.requests if r.route == "messages.list")
    assert search.query["q"] == ["rfc822msgid:abc.1@example.com"]
    assert search.query["includeSpamTrash"] == ["true"]


def test_outbox_find_sent(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    assert outbox.find_sent("<abc@example.com>") is None
    delivery = outbox.send(make_raw(message_id="<abc@example.com>"), thread_id=None)

    found = outbox.find_sent("<abc@example.com>")
    assert found is not None and found.provider_message_id == delivery.provider_message_id
    assert outbox.find_sent("<other@example.com>") is None
