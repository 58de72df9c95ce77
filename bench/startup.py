"""Start-up benchmark (issue 12): whole CLI processes, as a script calling the CLI sees them.

Run from the repository root::

    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --runs 11

In one run, each variant is started ``--runs`` times as a fresh process (interleaved, so
load on the machine hits them alike) and the median wall time is reported:

* ``python -c pass``: the interpreter's own start, the floor of any CLI;
* a bare 15-line script making the send's two Gmail requests with google-api-python-client
  (``users.messages.send``, then ``users.messages.get`` ``format=metadata``);
* the floor: the same script after importing the store and request models, which every
  send through the store needs;
* the store's floor: a process that only imports the store (what ``outbox list`` cannot
  do without);
* ``exante-tui --help`` (target ≤ 0.15 s);
* ``exante-tui outbox list`` on the demo store (target ≤ 0.30 s);
* ``exante-tui send --json FILE``, a small fresh message, to the loopback fake Gmail
  (target ≤ 1.5x the bare script).

Exit status 0 when every target is met, else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from builders import write_token_file  # noqa: E402
from fakes.gmail_server import DEFAULT_TOKEN, FakeGmail  # noqa: E402

HELP_TARGET = 0.15
LIST_TARGET = 0.30
SEND_RATIO_TARGET = 1.5
SENDER = "billing@northwind.example"

BARE_CLIENT = """\
import base64, sys
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

endpoint, token = sys.argv[1], sys.argv[2]
raw = b"From: billing@northwind.example\\r\\nTo: maria@contoso.example\\r\\n" \\
    b"Subject: Invoice\\r\\nMessage-ID: <bare@northwind.example>\\r\\n\\r\\nHello.\\r\\n"
service = build("gmail", "v1", credentials=Credentials(token=token), static_discovery=True,
                cache_discovery=False, client_options={"api_endpoint": endpoint})
messages = service.users().messages()
body = {"raw": base64.urlsafe_b64encode(raw).decode("ascii")}
sent = messages.send(userId="me", body=body).execute()
messages.get(userId="me", id=sent["id"], format="metadata",
             metadataHeaders=["Message-ID"]).execute()
print(sent["id"])
"""


FLOOR = """\
import runpy, sys
import {modules}
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
"""The bare script after importing ``modules`` first: what any send through the store needs
(SQLAlchemy, SQLModel and the tables, the pydantic request models) is the lowest a CLI send
can reach; the stack's ORM alone (``sqlmodel``) is the lowest any store on it can."""


def median_seconds(command: list[str], env: dict[str, str], check: bool = True) -> float:
    """One timed run of ``command`` (wall time of the whole process)."""
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if check and result.returncode != 0:
        raise SystemExit(f"{command} failed:\n{result.stderr}{result.stdout}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per variant (median; ≥ 7)")
    args = parser.parse_args()
    cli = [sys.executable, str(Path(sys.executable).with_name("exante-tui"))]
    with tempfile.TemporaryDirectory() as tmp, FakeGmail() as fake:
        root = Path(tmp)
        # As users run it: compiled modules cached (this sandbox sets the variable).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base = {**env, "EXANTE_GMAIL_ENDPOINT": fake.endpoint}
        demo_env = {**base, "EXANTE_HOME": str(root / "demo")}
        gmail_env = {**base, "EXANTE_HOME": str(root / "gmail")}
        subprocess.run([*cli, "demo"], env=demo_env, check=True, capture_output=True)
        token = write_token_file(root / "token.json")
        subprocess.run(
            [*cli, "accounts", "add", "--email", SENDER, "--token-file", str(token)],
            env=gmail_env,
            check=True,
            capture_output=True,
        )
        accounts = json.loads(
            subprocess.run(
                [*cli, "accounts", "list", "--json"],
                env=gmail_env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        request = root / "send.json"
        request.write_text(
            json.dumps(
                {
                    "from_account_id": accounts[0]["account_id"],
                    "to": ["maria@contoso.example"],
                    "subject": "Invoice",
                    "body_text": "Hello.",
                }
            )
        )
        bare = root / "bare.py"
        bare.write_text(BARE_CLIENT)
        bare_args = [str(bare), fake.endpoint, DEFAULT_TOKEN]
        variants = {
            "python -c pass": ([sys.executable, "-c", "pass"], base),
            "bare client script (2 Gmail calls)": (
                [sys.executable, *bare_args],
                base,
            ),
            "floor: bare script + the store's imports": (
                [
                    sys.executable,
                    "-c",
                    FLOOR.format(modules="exante_tui.store.db, exante_tui.core.contract"),
                    *bare_args,
                ],
                base,
            ),
            "floor: bare script + import sqlmodel": (
                [sys.executable, "-c", FLOOR.format(modules="sqlmodel"), *bare_args],
                base,
            ),
            "floor: import sqlmodel (SQLAlchemy + pydantic)": (
                [sys.executable, "-c", "import sqlmodel"],
                base,
            ),
            "floor: import the store (no query)": (
                [sys.executable, "-c", "import exante_tui.store.queries"],
                base,
            ),
            "exante-tui --help": ([*cli, "--help"], base),
            "exante-tui outbox list (demo store)": ([*cli, "outbox", "list"], demo_env),
            "exante-tui send --json FILE": ([*cli, "send", "--json", str(request)], gmail_env),
        }
        for command, env in variants.values():  # warm the page cache and .pyc files
            median_seconds(command, env)
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, (command, env) in variants.items():
                times[name].append(median_seconds(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:<40} {value * 1000:7.0f} ms  (median of {args.runs})")
    help_s = medians["exante-tui --help"]
    list_s = medians["exante-tui outbox list (demo store)"]
    bare_s = medians["bare client script (2 Gmail calls)"]
    ratio = medians["exante-tui send --json FILE"] / bare_s
    floor = medians["floor: bare script + the store's imports"] / bare_s
    stack_floor = medians["floor: bare script + import sqlmodel"] / bare_s
    checks = [
        (f"--help {help_s:.3f} s (target ≤ {HELP_TARGET} s)", help_s <= HELP_TARGET),
        (f"outbox list {list_s:.3f} s (target ≤ {LIST_TARGET} s)", list_s <= LIST_TARGET),
        (f"send ÷ bare client {ratio:.2f}x (target ≤ {SEND_RATIO_TARGET}x)", ratio <= 1.5),
    ]
    print(f"floor (store imports + bare script) ÷ bare client: {floor:.2f}x")
    print(f"floor (sqlmodel alone + bare script) ÷ bare client: {stack_floor:.2f}x")
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
