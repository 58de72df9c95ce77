"""How the TUI scales: first paint, filter latency and memory, big store against empty.

Builds (once, kept in ``--cache``) a SQLite store with 100k conversations and 1M messages
(SQLAlchemy core bulk inserts in one transaction, the search index built in one pass at the
end), then runs the app headless on it and on an empty store, each in a fresh process so
peak RSS is comparable, ``--rounds`` times interleaved (so load on the machine hits both
alike), and reports the medians. Run: ``python -u bench/tui_scale.py [--small]``;
``--search`` runs the search benchmark (``search_scale.py``: 20 queries, first page each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import search_scale  # beside this file
from sqlalchemy import insert

from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Conversation, EmailMessage

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DATA_VERSION = 1
"""Part of the cached file's name: bump it when :func:`build_big` makes different data."""
BATCH = 50_000
WORDS = [
    "invoice",
    "payment",
    "reminder",
    "retainer",
    "renewal",
    "statement",
    "visit",
    "contract",
    "quote",
    "order",
]
COMPANIES = [
    "contoso",
    "fabrikam",
    "litware",
    "adatum",
    "tailspin",
    "northwind",
    "wingtip",
    "proseware",
]
QUERIES = ["invoice", "inv-0042", "zzz-no-match"]


def settings_for(root: Path, db_url: str) -> Settings:
    return Settings(data_dir=root / "data", config_dir=root / "config", db_url=db_url)


def build_big(db_url: str, conversations: int, per_conversation: int) -> float:
    """Fill a fresh store; returns seconds taken."""
    started = time.perf_counter()
    store = Store(db_url)
    rng = random.Random(7)
    account_id = uuid.uuid4()
    with store.engine.begin() as connection:
        restore = search_scale.set_aside(connection)
        connection.execute(
            insert(Account.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": account_id,
                    "email": "bulk@northwind.example",
                    "display_name": "Bulk",
                    "provider": "outbox",
                    "created_at": NOW,
                }
            ],
        )
        conv_rows, msg_rows = [], []
        for n in range(conversations):
            conv_id = uuid.uuid4()
            company = rng.choice(COMPANIES)
            subject = f"{rng.choice(WORDS).title()} INV-{n % 10_000:04d} for {company}"
            last = NOW - timedelta(minutes=n)
            conv_rows.append(
                {
                    "id": conv_id,
                    "account_id": account_id,
                    "subject": subject,
                    "gmail_thread_id": f"t{n:x}",
                    "owner_email": "bulk@northwind.example",
                    "last_message_at": last,
                    "snippet": f"About {subject.lower()}, see attached",
                }
            )
            for m in range(per_conversation):
                msg_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "conversation_id": conv_id,
                        "rfc_message_id": f"<{n}.{m}@bulk.example>",
                        "from_address": f"{company}-{m}@{company}.example",
                        "to": [],
                        "cc": [],
                        "subject": subject,
                        "date": last - timedelta(minutes=m),
                        "body_text": "Hello, this is a message body.",
                        "snippet": "Hello",
                        "direction": "inbound",
                        "attachments": [],
                    }
                )
            if len(msg_rows) >= BATCH or n == conversations - 1:
                connection.execute(insert(Conversation.__table__), conv_rows)  # type: ignore[attr-defined]
                if msg_rows:
                    connection.execute(insert(EmailMessage.__table__), msg_rows)  # type: ignore[attr-defined]
                conv_rows, msg_rows = [], []
        restore()
    store.close()
    return time.perf_counter() - started


def big_store(cache: Path, conversations: int) -> str:
    """The URL of the cached big store of this size, built first if missing."""
    path = cache / f"tui-v{DATA_VERSION}-{conversations}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".building")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        took = build_big(f"sqlite:///{partial}", conversations, 10)
        partial.rename(path)
        print(
            f"built {conversations:,} conversations / {conversations * 10:,} messages "
            f"in {took:.0f} s"
        )
    return f"sqlite:///{path}"


async def measure(root: Path, db_url: str) -> dict[str, object]:
    """Run the app headless once: first paint, per-keystroke filter latency."""
    from textual.widgets import Input

    from exante_tui.tui.app import ExanteApp
    from exante_tui.tui.widgets.paged_table import FILTER_DEBOUNCE, PagedTable

    loaded: list[tuple[float, PagedTable.Loaded]] = []
    changed: dict[str, float] = {}

    def hook(message: object) -> None:
        if isinstance(message, PagedTable.Loaded):
            loaded.append((time.perf_counter(), message))
        elif isinstance(message, Input.Changed):
            changed[message.value] = time.perf_counter()

    async def until(predicate) -> float:  # type: ignore[no-untyped-def]
        while True:
            for when, message in loaded:
                if predicate(message):
                    return when
            await asyncio.sleep(0.001)

    started = time.perf_counter()
    services = Services.open(settings_for(root, db_url), clock=lambda: NOW)
    app = ExanteApp(services, clock=lambda: NOW)
    result: dict[str, object] = {}
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        seen = await until(lambda m: m.table.id == "conversations")
        result["first_paint_ms"] = (seen - started) * 1000
        await app.workers.wait_for_complete()
        await pilot.press("c", "slash")
        latencies = []
        for query in QUERIES:
            await pilot.press("ctrl+u")
            await app.workers.wait_for_complete()
            for end in range(1, len(query) + 1):
                typed = query[:end]
                loaded.clear()
                await pilot.press(typed[-1])
                done = await until(lambda m, t=typed: m.search == t)
                latencies.append((done - changed[typed] - FILTER_DEBOUNCE) * 1000)
                if os.environ.get("BENCH_VERBOSE"):
                    print(f"{typed!r:16} {latencies[-1]:7.1f} ms", file=sys.stderr)
        result["filter_ms_median"] = sorted(latencies)[len(latencies) // 2]
        result["filter_ms_max"] = max(latencies)
    services.close()
    result["peak_rss_mib"] = peak_rss_mib()
    return result


def reset_peak_rss() -> None:
    """Forget the peak RSS inherited from the parent (Linux keeps it across fork and exec)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM) since the last reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024


def child(root: str, db_url: str) -> None:
    reset_peak_rss()
    print(json.dumps(asyncio.run(measure(Path(root), db_url))))


def run_child(root: Path, db_url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(root), "--db-url", db_url],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child")
    parser.add_argument("--small", action="store_true", help="10k conversations, 100k messages")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each store (median)")
    parser.add_argument("--db-url", help="(child) the store to open")
    parser.add_argument("--cache", default=search_scale.CACHE, help="where the big store is kept")
    parser.add_argument(
        "--search", action="store_true", help="the search benchmark instead (search_scale.py)"
    )
    args, rest = parser.parse_known_args()
    if args.search:
        small = ["--small"] if args.small else []
        sys.argv = [search_scale.__file__, *small, "--cache", args.cache, *rest]
        search_scale.main()
        return
    if args.child:
        child(args.child, args.db_url)
        return
    big_url = big_store(Path(args.cache), 10_000 if args.small else 100_000)
    with tempfile.TemporaryDirectory() as tmp:
        empty_url = f"sqlite:///{tmp}/empty.db"
        Store(empty_url).close()
        runs: dict[str, list[dict[str, float]]] = {"empty": [], "big": []}
        for _ in range(args.rounds):
            runs["empty"].append(run_child(Path(tmp) / "empty", empty_url))
            runs["big"].append(run_child(Path(tmp) / "big", big_url))
    keys = ["first_paint_ms", "filter_ms_median", "filter_ms_max", "peak_rss_mib"]
    print(
        f"{'metric (median of ' + str(args.rounds) + ')':<26}{'empty':>10}{'big':>10}{'ratio':>8}"
    )
    for key in keys:
        a = statistics.median(run[key] for run in runs["empty"])
        b = statistics.median(run[key] for run in runs["big"])
        ratio = f"{b / a:.2f}" if a else "-"
        print(f"{key:<26}{a:>10.1f}{b:>10.1f}{ratio:>8}")
    for n, (empty, big) in enumerate(zip(runs["empty"], runs["big"], strict=True), 1):
        print(
            f"round {n}: first paint {big['first_paint_ms'] / empty['first_paint_ms']:.2f}x, "
            f"worst keystroke {empty['filter_ms_max']:.1f} / {big['filter_ms_max']:.1f} ms"
        )
    worst = max(run["filter_ms_max"] for run in runs["big"])
    print(f"worst keystroke of the whole run (big store): {worst:.1f} ms")
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
