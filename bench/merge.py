"""A 200-row mail merge against the loopback fake Gmail (issue 14); run by hand.

Run from the repository root::

    .venv/bin/python bench/merge.py              # 200 rows
    .venv/bin/python bench/merge.py --rows 50    # quicker

The README's example, step by step, through the real CLI (``exante_tui.cli.main``) on a
fresh SQLite store and the real Gmail client: a dry run, ``--create``, ``--create`` again,
``--send`` (unpaced: how long the work itself takes), ``--send`` again, then ``outbox list
--context-type invoice``. Reported per step: wall time and Gmail requests by route.

Pacing is then shown on a test clock (no real waiting): the same merge sent through
:func:`~exante_tui.core.merge_send.send_merge` at ``--rate`` messages a minute, reporting the
time the sends span on that clock and the real time spent.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from builders import Clock, write_token_file  # noqa: E402
from exante_tui.cli import main  # noqa: E402
from exante_tui.config import Settings  # noqa: E402
from exante_tui.core.merge import MergeOptions  # noqa: E402
from exante_tui.core.merge_rows import read_rows  # noqa: E402
from exante_tui.core.merge_send import send_merge  # noqa: E402
from exante_tui.core.pacing import Pace  # noqa: E402
from exante_tui.services import Services  # noqa: E402
from fakes.gmail_server import FakeGmail  # noqa: E402

TEMPLATE = {
    "name": "reminder",
    "subject": "Invoice {{ number }}: payment reminder",
    "body_text": "Dear {{ customer }},\n\n{{ amount | money('EUR') }} was due on "
    "{{ due | date('%d %B %Y') }}. Please pay at your earliest convenience.",
}


def write_rows(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["invoice_id", "number", "email", "customer", "amount", "due"])
        for n in range(1, count + 1):
            writer.writerow(
                [uuid.uuid4(), f"INV-{n:04d}", f"ap{n}@customer{n}.example", f"Customer {n}",
                 f"{100 + n}.50", "2026-12-15"]
            )  # fmt: skip


def cli(*args: str, stdin: str = "") -> tuple[int, str]:
    """Run one command; its exit code and output."""
    out = io.StringIO()
    sys.stdin = io.StringIO(stdin)
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def step(name: str, fake: FakeGmail, *args: str) -> str:
    before = len(fake.requests)
    start = time.perf_counter()
    code, out = cli(*args)
    seconds = time.perf_counter() - start
    routes = Counter(r.route for r in fake.requests[before:])
    last = out.strip().splitlines()[-1] if out.strip() else ""
    shown = ", ".join(f"{k} {v}" for k, v in sorted(routes.items())) or "none"
    print(f"{name:<22} {seconds:7.2f} s  exit {code}  Gmail requests: {shown}")
    print(f"{'':<22} > {last[:100]}")
    return out


def paced(settings: Settings, rows_path: Path, rate: int) -> None:
    """The same merge as a second template, sent at ``rate`` a minute on a test clock (a day
    on, so the unpaced sends are out of every window)."""
    clock = Clock(datetime.now(UTC) + timedelta(days=1))
    services = Services.open(settings, clock=clock)
    try:
        template = services.templates.get("reminder")
        copy = {**TEMPLATE, "name": "paced", "from_account_id": str(template.from_account_id)}
        services.templates.create(copy)
        rows = read_rows(str(rows_path))
        plan = services.merge.plan(MergeOptions(template="paced", key_column="number"), rows)
        services.merge.create(plan)
        services.merge.queue(plan.template.id, plan.keys, clock())
        start_clock, start = clock(), time.perf_counter()
        waited = timedelta()

        def wait(seconds: float) -> None:
            nonlocal waited
            waited += timedelta(seconds=seconds)
            clock.advance(seconds)

        outcome = send_merge(
            services.merge, services.core, Pace(per_minute=rate), plan.template.id, plan.keys,
            wait=wait,
        )  # fmt: skip
        real = time.perf_counter() - start
        span = clock() - start_clock
        print(
            f"paced at {rate}/min: {outcome.progress.sent} sent over {span} on the clock "
            f"(waited {waited}), {real:.2f} s real"
        )
    finally:
        services.close()


def run(count: int, rate: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeGmail() as fake:
        home = Path(tmp)
        os.environ.update(
            EXANTE_HOME=str(home),
            EXANTE_GMAIL_ENDPOINT=fake.endpoint,
            EXANTE_GMAIL_RETRY_DELAY="0",
            EXANTE_DB_URL=f"sqlite:///{home / 'bench.db'}",
        )
        os.environ.pop("EXANTE_SEND_RATE", None)
        token = write_token_file(home / "token.json")
        _, out = cli("accounts", "add", "--email", "billing@northwind.example",
                     "--token-file", str(token), "--json")  # fmt: skip
        account_id = json.loads(out)["account_id"]
        cli("templates", "create", "--json", "-",
            stdin=json.dumps({**TEMPLATE, "from_account_id": account_id}))  # fmt: skip
        rows = home / "invoices.csv"
        write_rows(rows, count)
        merge = [
            *("merge", "--template", "reminder", "--rows", str(rows), "--key-column", "number"),
            *("--context-type", "invoice", "--context-id-column", "invoice_id"),
        ]
        print(f"{count}-row merge against the fake Gmail (SQLite, real client)\n")
        step("dry run", fake, *merge)
        step("--create", fake, *merge, "--create")
        step("--create again", fake, *merge, "--create")
        step("--send (unpaced)", fake, *merge, "--send")
        step("--send again", fake, *merge, "--send")
        out = step("outbox --context-type", fake, "outbox", "list", "--context-type", "invoice",
                   "--limit", str(count * 2), "--json")  # fmt: skip
        records = json.loads(out)
        linked = sum(1 for r in records if r["status"] == "sent" and r["context_id"])
        print(f"\noutbox: {len(records)} invoice sends, {linked} sent and linked to an invoice")
        print(f"Gmail messages stored by the fake: {len(fake.sent)}\n")
        paced(Settings.load(), rows, rate)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="rows in the merge (default 200)")
    parser.add_argument("--rate", type=int, default=60, help="sends a minute when paced")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    run(arguments.rows, arguments.rate)
