"""The Gmail client policy: quota pacing, AIMD, Retry-After and partial-batch retries.

The fake Gmail enforces the per-user quota on the same :class:`FakeClock` the client
waits on, so seconds of pacing take no time and every wait is visible in ``clock.sleeps``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httplib2
import pytest
from googleapiclient.errors import HttpError
from sqlmodel import func, select

from exante_tui.providers.gmail import GmailTransport, batch_uri, build_service
from exante_tui.providers.pacing import QuotaBucket, bucket_for
from exante_tui.providers.policy import GmailPolicy, retry_after_of
from exante_tui.services import Services
from exante_tui.store.models import Account, EmailMessage
from exante_tui.sync.gmail import GmailSync
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail, fake_credentials
from fakes.quota import FakeClock


def make_raw(message_id: str) -> bytes:
    return (
        f"From: ann@example.com\r\nTo: bob@example.com\r\nSubject: Hi\r\n"
        f"Message-ID: {message_id}\r\n\r\nHello.\r\n"
    ).encode()


def seed(fake: FakeGmail, threads: int, per_thread: int = 2) -> None:
    for t in range(threads):
        thread_id = None
        for n in range(per_thread):
            gmail_id = fake.mailbox.deliver(
                build_mail(subject=f"Order {t}", text=f"{n}"), thread_id=thread_id
            )
            thread_id = thread_id or gmail_id


def stored_messages(services: Services) -> int:
    with services.store.session() as session:
        return session.exec(select(func.count()).select_from(EmailMessage)).one()


def sync_policy(fake: FakeGmail, bucket: QuotaBucket) -> GmailPolicy:
    return GmailPolicy(bucket, batch_uri=batch_uri(fake.endpoint), retry_base_delay=0.5)


def test_the_bucket_spends_what_it_banked_then_waits_for_the_rest() -> None:
    clock = FakeClock()
    bucket = QuotaBucket(250, clock=clock)

    bucket.take(200)  # 0.8 s of quota
    bucket.take(100)
    bucket.take(25)

    assert clock.sleeps == [pytest.approx(0.4), pytest.approx(0.1)]


def test_a_refusal_halves_the_rate_and_success_brings_it_back() -> None:
    clock = FakeClock()
    bucket = QuotaBucket(200, clock=clock)

    bucket.refused(None)
    assert bucket.rate == 100
    bucket.take(50)
    assert clock.sleeps == [pytest.approx(0.5)]  # the bucket was emptied
    for _ in range(30):
        bucket.accepted()
    assert bucket.rate == 200


def test_retry_after_pauses_every_caller_of_the_account() -> None:
    clock = FakeClock()
    bucket = QuotaBucket(250, clock=clock)

    bucket.refused(3.0)
    bucket.take(1)

    assert clock.sleeps == [pytest.approx(3.0)]


def test_one_bucket_per_account_in_the_process() -> None:
    assert bucket_for("acct-1", 250) is bucket_for("acct-1", 250)
    assert bucket_for("acct-1", 250) is not bucket_for("acct-2", 250)


def _refusal(headers: dict[str, str], message: str = "Rate limit") -> HttpError:
    error = {"code": 429, "message": message, "errors": [{"reason": "rateLimitExceeded"}]}
    content = json.dumps({"error": error})
    return HttpError(httplib2.Response({"status": "429", **headers}), content.encode())


def test_retry_after_is_read_from_the_header_a_date_or_gmails_message() -> None:
    now = datetime(2026, 12, 2, 12, 0, 0, tzinfo=UTC)
    assert retry_after_of(_refusal({"retry-after": "7"}), now) == 7
    dated = {"retry-after": "Wed, 02 Dec 2026 12:00:05 GMT"}
    assert retry_after_of(_refusal(dated), now) == 5
    message = "User-rate limit exceeded.  Retry after 2026-12-02T12:00:02.500Z"
    assert retry_after_of(_refusal({}, message), now) == 2.5
    assert retry_after_of(_refusal({}), now) is None


def test_a_sync_under_an_enforced_quota_finishes_with_nothing_unfetched(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    """The client believes it may spend 250 units/s; the fake allows 100. It is refused,
    slows down, waits as told, and still fetches every thread."""
    seed(fake_gmail, 60)
    clock = FakeClock()
    quota = fake_gmail.enforce_quota(100, clock=clock.now)
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    engine = GmailSync(
        services.store,
        gmail_account,
        service,
        sync_policy(fake_gmail, QuotaBucket(250, clock=clock)),
    )

    result = engine.run()

    assert result.error is None and result.fetched == 60
    assert stored_messages(services) == 120
    assert quota.refused > 0
    assert quota.spent == 60 * 10 + 10 + 1  # each thread charged once; the list; the profile


def test_a_paced_sync_at_the_real_rate_is_never_refused(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed(fake_gmail, 60)
    clock = FakeClock()
    quota = fake_gmail.enforce_quota(250, clock=clock.now)
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    bucket = QuotaBucket(250, clock=clock)
    engine = GmailSync(services.store, gmail_account, service, sync_policy(fake_gmail, bucket))
    started = clock.now()

    assert engine.run().fetched == 60

    assert quota.refused == 0
    floor = (quota.spent - 200) / 250  # what is left after the banked 0.8 s
    assert clock.now() - started == pytest.approx(floor, abs=0.05)
    batches = [r for r in fake_gmail.requests if r.route == "batch"]
    assert len(batches) == 3  # 20 threads.get (200 units) per batch at most


def test_only_the_refused_parts_of_a_batch_go_again(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    seed(fake_gmail, 10)
    fake_gmail.fail_next(429, count=3, route="threads.get")
    service = build_service(fake_credentials(), endpoint=fake_gmail.endpoint)
    clock = FakeClock()
    engine = GmailSync(
        services.store,
        gmail_account,
        service,
        sync_policy(fake_gmail, QuotaBucket(250, clock=clock)),
    )

    assert engine.run().fetched == 10

    gets = [r.path.rsplit("/", 1)[-1] for r in fake_gmail.requests if r.route == "threads.get"]
    assert len(gets) == 13
    retried = gets[10:]
    assert retried == gets[:3]  # the three refused, and nothing else, went again
    assert stored_messages(services) == 20
    assert 0.5 <= clock.sleeps[-1] <= 0.55  # no Retry-After: exponential backoff


def test_a_send_waits_out_retry_after_instead_of_backing_off(fake_gmail: FakeGmail) -> None:
    clock = FakeClock()
    quota = fake_gmail.enforce_quota(100, clock=clock.now)
    backoffs: list[float] = []
    transport = GmailTransport(
        fake_credentials(),
        endpoint=fake_gmail.endpoint,
        retry_base_delay=0.5,
        sleep=backoffs.append,
        bucket=QuotaBucket(1000, clock=clock),
    )

    transport.send(make_raw("<a@example.com>"), thread_id=None)
    transport.send(make_raw("<b@example.com>"), thread_id=None)

    assert len(fake_gmail.sent) == 2
    assert quota.refused >= 1
    assert backoffs == []
    assert 1.0 in clock.sleeps  # the Retry-After the fake gave, waited on the shared clock
