"""Search latency on a big store: 20 fixed queries, first page of conversations.

Builds (once, cached in ``--cache``) a SQLite store with 100k conversations / 1M messages
whose senders, recipients, bodies, labels and attachments vary, then answers each query
of :data:`QUERIES` ``--runs`` times through ``queries.list_conversations`` (the call the
TUI filter and ``conversations list --search`` make) and reports the median and worst
time of each. Target: median <= 50 ms and worst <= 150 ms for every query.
Run: ``python bench/search_scale.py [--small] [--cache DIR]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Conversation, EmailMessage
from exante_tui.store.search import REBUILD

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PAGE = 200
"""What the TUI's list asks for (``PagedTable.PAGE_SIZE``)."""
BATCH = 2_000
PEOPLE = ["ken sato", "maria garcia", "tom becker", "lena fischer", "ada lovelace", "ravi rao"]
PEOPLE += [f"person{n} example" for n in range(400)]
COMPANIES = ["contoso", "fabrikam", "litware", "adatum", "tailspin", "wingtip", "proseware"]
COMPANIES += [f"company{n}" for n in range(200)]
TOPICS = ["invoice", "payment", "reminder", "retainer", "renewal", "statement", "contract"]
VOCABULARY = [f"word{n}" for n in range(5_000)] + TOPICS * 20
USER_LABELS = ["Clients", "Finance", "Legal", "Travel"]
QUERIES = [
    "invoice",
    "zzzq-no-match",
    "from:ken",
    "to:maria",
    "subject:renewal",
    "has:attachment",
    "filename:pdf",
    "is:unread",
    "is:starred",
    "label:legal",
    "after:2026-11-15",
    "before:2026-05-01",
    "account:bulk2",
    '"payment reminder"',
    "-invoice",
    "word4242",
    "from:ken has:attachment",
    "is:unread label:finance contract",
    "from:person7 -is:unread after:2026-10-01",
    "subject:statement to:lena word17",
]


def build(path: Path, conversations: int, per_conversation: int) -> float:
    """Fill a fresh store; seconds taken. The per-message search trigger is set aside while
    the rows go in and the index is then built in one pass (``search.REBUILD``)."""
    started = time.perf_counter()
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as connection:
        trigger = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'conversation_search_mi'")
        ).scalar_one()
        connection.execute(text("DROP TRIGGER conversation_search_mi"))
    rng = random.Random(13)
    accounts = [uuid.uuid4(), uuid.uuid4()]
    with store.engine.begin() as connection:
        connection.execute(
            insert(Account.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": a,
                    "email": f"bulk{n + 1}@northwind.example",
                    "display_name": "Bulk",
                    "provider": "outbox",
                    "created_at": NOW,
                }
                for n, a in enumerate(accounts)
            ],
        )
    conv_rows: list[dict[str, object]] = []
    msg_rows: list[dict[str, object]] = []
    for n in range(conversations):
        conv_id = uuid.uuid4()
        last = NOW - timedelta(minutes=3 * n)
        subject = f"{rng.choice(TOPICS).title()} {rng.choice(TOPICS)} INV-{n % 10_000:04d}"
        conv_rows.append(
            {
                "id": conv_id,
                "account_id": accounts[n % 2],
                "subject": subject,
                "gmail_thread_id": f"t{n:x}",
                "owner_email": f"bulk{n % 2 + 1}@northwind.example",
                "last_message_at": last,
                "snippet": subject,
            }
        )
        for m in range(per_conversation):
            person, company = rng.choice(PEOPLE), rng.choice(COMPANIES)
            sender = f"{person.title()} <{person.split()[0]}@{company}.example>"
            other = rng.choice(PEOPLE)
            files = []
            if rng.random() < 0.03:
                files = [
                    {
                        "filename": f"{rng.choice(TOPICS)}-{n}.{rng.choice(['pdf', 'png'])}",
                        "content_type": "application/pdf",
                        "size": 1000,
                    }
                ]
            labels = ["INBOX"]
            if rng.random() < 0.05:
                labels.append("UNREAD")
            if rng.random() < 0.01:
                labels.append("STARRED")
            if rng.random() < 0.05:
                labels.append(rng.choice(USER_LABELS))
            msg_rows.append(
                {
                    "id": uuid.uuid4(),
                    "conversation_id": conv_id,
                    "rfc_message_id": f"<{n}.{m}@bulk.example>",
                    "from": sender,
                    "to": [f"{other.split()[0]}@{rng.choice(COMPANIES)}.example"],
                    "cc": [],
                    "subject": subject,
                    "date": last - timedelta(minutes=m),
                    "body_text": " ".join(rng.choices(VOCABULARY, k=40)),
                    "snippet": "",
                    "direction": "inbound",
                    "attachments": files,
                    "labels": labels,
                }
            )
        if len(msg_rows) >= BATCH or n == conversations - 1:
            with store.engine.begin() as connection:
                connection.execute(insert(Conversation.__table__), conv_rows)  # type: ignore[attr-defined]
                connection.execute(insert(EmailMessage.__table__), msg_rows)  # type: ignore[attr-defined]
            conv_rows, msg_rows = [], []
    with store.engine.begin() as connection:
        for statement in REBUILD:
            connection.execute(text(statement))
        connection.execute(text(trigger))
        connection.execute(
            text("INSERT INTO conversation_search(conversation_search) VALUES('optimize')")
        )
        connection.execute(text("ANALYZE"))
    store.close()
    return time.perf_counter() - started


def measure(path: Path, runs: int) -> list[tuple[str, float, float, int]]:
    """(query, median ms, worst ms, rows) for each query."""
    store = Store(f"sqlite:///{path}")
    results = []
    for query in QUERIES:
        times, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            rows = len(queries.list_conversations(store, search=query, limit=PAGE))
            times.append((time.perf_counter() - started) * 1000)
        results.append((query, statistics.median(times), max(times), rows))
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="10k conversations, 100k messages")
    parser.add_argument("--cache", default="/tmp/exante-search-bench", help="where the store lives")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    conversations = 10_000 if args.small else 100_000
    path = Path(args.cache) / f"search-{conversations}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        took = build(partial, conversations, 10)
        partial.rename(path)
        print(
            f"built {conversations:,} conversations / {conversations * 10:,} messages "
            f"in {took:.0f} s"
        )
    print(f"{'query':<44}{'median ms':>10}{'worst ms':>10}{'rows':>6}")
    for query, median, worst, rows in measure(path, args.runs):
        flag = "" if median <= 50 and worst <= 150 else "  over target"
        print(f"{query:<44}{median:>10.1f}{worst:>10.1f}{rows:>6}{flag}")


if __name__ == "__main__":
    main()
