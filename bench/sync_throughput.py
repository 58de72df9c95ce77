"""Sync throughput (issue 4): batched requests against one request per item; run by hand.

Run from the repository root::

    .venv/bin/python bench/sync_throughput.py
    .venv/bin/python bench/sync_throughput.py --threads 200 --per-thread 5   # quicker

The loopback :class:`FakeGmail` is filled with ``--threads`` threads of ``--per-thread``
messages (default 2,000 / 10,000). Each variant imports all of it with the real client
into a fresh file-based SQLite store, in the same run against the same fake:

* **full sync** of every thread (``threads.get``): batched (``--batch-size`` per batch
  request) and one request per thread;
* **incremental sync** of every message (``history.list`` from the start, then
  ``messages.get``): batched and **one request per message**.

Reported per variant: wall time, HTTP round trips, messages per second. The target is
batched at least 5 times faster than one request per message. Exit status 0 when met, else 1.

``--quota 250`` instead runs the batched full and incremental syncs against a fake that
enforces Gmail's per-user quota at that many units per second (a token bucket holding one
second; over it, 429 ``rateLimitExceeded`` with ``Retry-After``), the client pacing itself
at the same rate (``EXANTE_GMAIL_QUOTA``). Reported: wall time ÷ the quota floor (units the
fake charged ÷ the rate), and the 429s among all requests. Targets: ≤ 1.2x the floor, 429s
≤ 2 % of requests (default mailbox for this mode: 150 threads x 3 messages).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import func, select

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from builders import write_token_file  # noqa: E402
from exante_tui.config import Settings  # noqa: E402
from exante_tui.services import Services  # noqa: E402
from exante_tui.store.models import Account, EmailMessage  # noqa: E402
from exante_tui.sync import run_sync  # noqa: E402
from fakes.gmail_mailbox import FIRST_HISTORY_ID, build_mail  # noqa: E402
from fakes.gmail_server import FakeGmail  # noqa: E402

TARGET_SPEEDUP = 5.0
TARGET_FLOOR_RATIO = 1.2
TARGET_REFUSED_SHARE = 0.02
UNPACED = 1e9
FETCH_ROUTES = frozenset({"threads.get", "messages.get"})
"""Requests that ride inside batch requests when batching (the fake records each part)."""
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Outcome:
    name: str
    seconds: float
    round_trips: int
    messages: int

    def line(self) -> str:
        rate = self.messages / self.seconds
        return (
            f"{self.name:<44} {self.seconds:8.2f} s {self.round_trips:7d} round trips "
            f"{rate:9.0f} messages/s"
        )


def seed(fake: FakeGmail, threads: int, per_thread: int) -> None:
    """Threads of chained messages with a text and an HTML part each."""
    for t in range(threads):
        thread_id = None
        for n in range(per_thread):
            mail = build_mail(
                subject=f"Order {t}" if n == 0 else f"Re: Order {t}",
                text=f"Message {n} of order {t}.\n" * 5,
                html_body=f"<p>Message {n} of order <b>{t}</b>.</p>" * 5,
                message_id=f"<o{t}m{n}@contoso.example>",
                date=T0 + timedelta(minutes=t * per_thread + n),
            )
            gmail_id = fake.mailbox.deliver(mail, thread_id=thread_id)
            thread_id = thread_id or gmail_id


def run_variant(
    fake: FakeGmail,
    name: str,
    *,
    incremental: bool,
    batch_size: int,
    threads: int,
    quota: float = UNPACED,
) -> Outcome:
    """Import the whole mailbox into a fresh store; time the sync alone."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(
            data_dir=root / "data",
            config_dir=root / "config",
            db_url=f"sqlite:///{root / 'store.db'}",
            gmail_endpoint=fake.endpoint,
            gmail_retry_base_delay=0.0 if quota == UNPACED else 1.0,
            gmail_quota=quota,
        )
        services = Services.open(settings)
        try:
            account = services.accounts.add_gmail_from_token_file(
                "billing@northwind.example", write_token_file(root / "token.json")
            )
            if incremental:  # history from the very first message: every message is new
                with services.store.session() as session:
                    stored = session.get(Account, account.id)
                    assert stored is not None
                    stored.history_id = str(FIRST_HISTORY_ID)
            before = len(fake.requests)
            started = time.perf_counter()
            [result] = run_sync(services, max_threads=threads, batch_size=batch_size).accounts
            seconds = time.perf_counter() - started
            if result.error is not None:
                raise SystemExit(f"{name}: {result.error}")
            with services.store.session() as session:
                stored_messages = session.exec(select(func.count()).select_from(EmailMessage)).one()
            requests = fake.requests[before:]
            fetches = sum(1 for r in requests if r.route in FETCH_ROUTES)
            batches = sum(1 for r in requests if r.route == "batch")
            others = len(requests) - fetches - batches
            trips = batches + others + (fetches if batch_size == 1 else 0)
        finally:
            services.close()
    return Outcome(name, seconds, trips, stored_messages)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2000)
    parser.add_argument("--per-thread", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--quota", type=float, help="enforce Gmail's quota (units/s)")
    args = parser.parse_args()
    if args.quota:
        return quota_mode(args)

    with FakeGmail() as fake:
        started = time.perf_counter()
        seed(fake, args.threads, args.per_thread)
        total = args.threads * args.per_thread
        print(
            f"seeded {args.threads:,} threads / {total:,} messages in "
            f"{time.perf_counter() - started:.1f} s"
        )
        common = {"threads": args.threads}
        outcomes = [
            run_variant(
                fake,
                f"full, batched ({args.batch_size}/batch)",
                incremental=False,
                batch_size=args.batch_size,
                **common,
            ),
            run_variant(
                fake, "full, one request per thread", incremental=False, batch_size=1, **common
            ),
            run_variant(
                fake,
                f"incremental, batched ({args.batch_size}/batch)",
                incremental=True,
                batch_size=args.batch_size,
                **common,
            ),
            run_variant(
                fake,
                "incremental, one request per message",
                incremental=True,
                batch_size=1,
                **common,
            ),
        ]
    for outcome in outcomes:
        print(outcome.line())
        assert outcome.messages == total, f"{outcome.name} stored {outcome.messages}"
    full = outcomes[1].seconds / outcomes[0].seconds
    per_message = outcomes[3].seconds / outcomes[2].seconds
    print(f"speed-up, full sync (batched vs per thread):              {full:.1f}x")
    print(
        f"speed-up, incremental (batched vs one request per message): {per_message:.1f}x "
        f"(target {TARGET_SPEEDUP:.0f}x)"
    )
    return 0 if per_message >= TARGET_SPEEDUP else 1


def quota_mode(args: argparse.Namespace) -> int:
    """Full and incremental sync against the quota-enforcing fake, against the floor."""
    threads = args.threads if args.threads != 2000 else 150
    per_thread = args.per_thread if args.per_thread != 5 else 3
    ok = True
    with FakeGmail() as fake:
        seed(fake, threads, per_thread)
        print(f"{threads} threads x {per_thread} messages, quota {args.quota:g} units/s")
        for incremental in (False, True):
            quota = fake.enforce_quota(args.quota)
            before = len(fake.requests)
            name = "incremental" if incremental else "full"
            outcome = run_variant(
                fake,
                name,
                incremental=incremental,
                batch_size=args.batch_size,
                threads=threads,
                quota=args.quota,
            )
            requests = sum(1 for r in fake.requests[before:] if r.route != "batch")
            floor = quota.spent / args.quota
            ratio = outcome.seconds / floor
            share = quota.refused / requests
            ok = ok and ratio <= TARGET_FLOOR_RATIO and share <= TARGET_REFUSED_SHARE
            print(
                f"{name:<12} {outcome.seconds:6.2f} s, floor {floor:5.2f} s "
                f"({quota.spent} units): {ratio:.2f}x the floor "
                f"(target {TARGET_FLOOR_RATIO}x); {quota.refused} of {requests} requests "
                f"answered 429 ({share:.1%}, target ≤ {TARGET_REFUSED_SHARE:.0%}); "
                f"{outcome.messages} messages stored"
            )
            assert outcome.messages == threads * per_thread
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
