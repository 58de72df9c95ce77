"""Search latency on a big store: 20 fixed queries, first page of conversations.

Builds (once, cached in ``--cache``) a SQLite store with 100k conversations / 1M messages
whose senders, recipients, bodies, labels and attachments vary, then answers each query
of :data:`QUERIES` ``--runs`` times through ``queries.list_conversations`` (the call the
TUI filter and ``conversations list --search`` make) and reports the median and worst
time of each, and the CPU time beside them (on a shared machine the wall time also counts
waiting for a core). Target: median <= 50 ms and worst <= 150 ms for every query.
``--postgresql`` builds the same data on a throwaway server (``tests/pg.py``) each run.
Run: ``python bench/search_scale.py [--small] [--cache DIR] [--postgresql]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, insert, text

from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Conversation, EmailMessage
from exante_tui.store.search import REBUILD

CACHE = "/tmp/exante-search-bench"
"""Where the built stores are kept (``tui_scale.py`` uses the same ones)."""
DATA_VERSION = 2
"""Part of the cached file's name: bump it when :func:`build` makes different data."""
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PAGE = 200
"""What the TUI's list asks for (``PagedTable.PAGE_SIZE``)."""
BATCH = 20_000
SPAN = timedelta(days=5 * 365)
"""How far back the conversations' last activity goes."""
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


def _messages(
    rng: random.Random, n: int, conv_id: uuid.UUID, subject: str, last: datetime, count: int
) -> list[dict[str, object]]:
    """``count`` messages of conversation ``n``, the newest dated ``last``."""
    rows: list[dict[str, object]] = []
    when = last
    for m in range(count):
        person, company = rng.choice(PEOPLE), rng.choice(COMPANIES)
        sender = f"{person.title()} <{person.split()[0]}@{company}.example>"
        other = rng.choice(PEOPLE)
        files = []
        if rng.random() < 0.03:
            kind = rng.choice(["pdf", "png"])
            files = [
                {
                    "filename": f"{rng.choice(TOPICS)}-{n}.{kind}",
                    "content_type": "application/pdf" if kind == "pdf" else "image/png",
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
        rows.append(
            {
                "id": uuid.uuid4(),
                "conversation_id": conv_id,
                "rfc_message_id": f"<{n}.{m}@bulk.example>",
                "from": sender,
                "to": [f"{other.split()[0]}@{rng.choice(COMPANIES)}.example"],
                "cc": [],
                "subject": subject,
                "date": when,
                "body_text": " ".join(rng.choices(VOCABULARY, k=40)),
                "snippet": "",
                "direction": "inbound",
                "attachments": files,
                "labels": labels,
            }
        )
        when -= timedelta(hours=rng.uniform(0.1, 48))
    return rows


PG_TRIGGERS = [
    ("emailmessage", "conversation_search_message"),
    ("conversation", "conversation_search_conversation"),
]
PG_REBUILD = [
    "DELETE FROM conversation_search",
    "INSERT INTO conversation_search (conversation_id, document) "
    "SELECT conversation_id, document FROM conversation_search_source",
]


def set_aside(connection: Connection) -> Callable[[], None]:
    """Drop (SQLite) or disable (PostgreSQL) what slows bulk loading; returns what puts it
    back and builds the search index in one pass."""
    if connection.dialect.name == "postgresql":
        for table, trigger in PG_TRIGGERS:
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")

        def restore_postgresql() -> None:
            for statement in PG_REBUILD:
                connection.exec_driver_sql(statement)
            for table, trigger in PG_TRIGGERS:
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

        return restore_postgresql
    connection.exec_driver_sql("PRAGMA cache_size = -1000000")  # 1 GB while building
    set_aside = connection.execute(
        text(
            "SELECT name, type, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
            "((type = 'trigger' AND name LIKE 'conversation_search_%') OR "
            "(type = 'index' AND tbl_name IN ('conversation', 'emailmessage')))"
        )
    ).all()
    for name, kind, _sql in set_aside:
        connection.exec_driver_sql(f"DROP {kind.upper()} {name}")

    def restore_sqlite() -> None:
        for _name, kind, sql in set_aside:
            if kind == "index":
                connection.exec_driver_sql(sql)
        for statement in REBUILD:
            connection.execute(text(statement))
        for _name, kind, sql in set_aside:
            if kind == "trigger":
                connection.exec_driver_sql(sql)
        connection.execute(
            text("INSERT INTO conversation_search(conversation_search) VALUES('optimize')")
        )

    return restore_sqlite


def build(url: str, conversations: int, messages: int) -> tuple[float, int]:
    """Fill a fresh store with ``conversations`` threads of about ``messages`` messages in
    all, their last activity spread over :data:`SPAN`; (seconds taken, messages made).

    Everything goes in one transaction of executemany batches, with the search triggers
    (and on SQLite the secondary indexes) set aside; the indexes are then recreated and the
    search index built in one pass, which is much faster than row by row."""
    started = time.perf_counter()
    store = Store(url)
    rng = random.Random(13)
    accounts = [uuid.uuid4(), uuid.uuid4()]
    per_conversation = messages / conversations
    made = 0
    with store.engine.begin() as connection:
        restore = set_aside(connection)
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
        step = SPAN / conversations
        for n in range(conversations):
            conv_id = uuid.uuid4()
            last = NOW - step * (n + rng.random())
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
            # 1 to 2 * average - 1 messages, so the total comes out near ``messages``
            count = rng.randint(1, max(1, round(2 * per_conversation) - 1))
            msg_rows += _messages(rng, n, conv_id, subject, last, count)
            if len(msg_rows) >= BATCH or n == conversations - 1:
                connection.execute(insert(Conversation.__table__), conv_rows)  # type: ignore[attr-defined]
                connection.execute(insert(EmailMessage.__table__), msg_rows)  # type: ignore[attr-defined]
                made += len(msg_rows)
                conv_rows, msg_rows = [], []
        restore()
        connection.execute(text("ANALYZE"))
    store.close()
    return time.perf_counter() - started, made


def measure(url: str, runs: int) -> list[tuple[str, float, float, float, float, int]]:
    """(query, first ms, median ms, worst ms, median CPU ms, rows) for each query. The first
    run may read the store from disk (the page cache may have dropped it); the CPU time (this
    process's) shows the work done when other processes share the cores."""
    store = Store(url)
    results = []
    for query in QUERIES:
        times, cpu, rows = [], [], 0
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            rows = len(queries.list_conversations(store, search=query, limit=PAGE))
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        results.append(
            (query, times[0], statistics.median(times), max(times), statistics.median(cpu), rows)
        )
    store.close()
    return results


def sqlite_store(cache: Path, conversations: int) -> str:
    """The URL of the cached SQLite store of this size, built first if missing."""
    path = cache / f"search-v{DATA_VERSION}-{conversations}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        took, made = build(f"sqlite:///{partial}", conversations, conversations * 10)
        partial.rename(path)
        print(f"built {conversations:,} conversations / {made:,} messages in {took:.0f} s")
    return f"sqlite:///{path}"


def report(url: str, runs: int) -> None:
    """Print each query's figures, flagging those over target."""
    print(f"{'query':<44}{'first ms':>9}{'median ms':>10}{'worst ms':>10}{'CPU ms':>8}{'rows':>6}")
    for query, first, median, worst, cpu, rows in measure(url, runs):
        flag = "" if median <= 50 and worst <= 150 else "  over target"
        print(f"{query:<44}{first:>9.1f}{median:>10.1f}{worst:>10.1f}{cpu:>8.1f}{rows:>6}{flag}")
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    if not url.startswith("sqlite"):
        print("CPU ms counts this process only, not the database server's work")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="10k conversations, 100k messages")
    parser.add_argument("--cache", default=CACHE, help="where the store lives")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="on a throwaway PostgreSQL server (tests/pg.py), built afresh each run",
    )
    args = parser.parse_args()
    conversations = 10_000 if args.small else 100_000
    if not args.postgresql:
        report(sqlite_store(Path(args.cache), conversations), args.runs)
        return
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from pg import PgServer

    server = PgServer().start()
    try:
        url = server.create_database()
        took, made = build(url, conversations, conversations * 10)
        print(f"built {conversations:,} conversations / {made:,} messages in {took:.0f} s")
        report(url, args.runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
