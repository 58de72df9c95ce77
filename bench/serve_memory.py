"""Server CPU per large request, and peak memory of ``exante-tui serve`` under concurrent
large requests (issue 10); run by hand, never part of the test suite.

Run from the repository root::

    .venv/bin/python bench/serve_memory.py
    .venv/bin/python bench/serve_memory.py --concurrency 8 --rounds 5

A real ``serve`` process (the CLI, on a throwaway home with an offline outbox account, so no
Gmail is needed) gets requests of two kinds, first ``--concurrency`` simultaneous ones,
then ``--rounds`` of each one at a time (the server's CPU seconds for each, from ``/proc``:
the least and the median are reported, since other load on the machine only ever adds):

1. **at the body limit**: 50 MiB bodies (one attachment) that Gmail's 35 MiB limit refuses;
2. **largest accepted**: bodies with a 25 MiB attachment (about 35 MB of JSON), which are
   decoded, checked, built into a message, recorded and written to the outbox.

Reported for the concurrent requests: the server's resident memory when idle, its
high-water mark (``VmHWM``) after each kind, each answer's status, the server's CPU per
request and the wall time. The server reads and decodes at most two bodies over 1 MiB at
once (``LARGE_BODIES`` in ``exante_tui.api.app``), so the peak should stay near
idle + 2 x (cost of one large request), however many arrive together.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MiB = 1024 * 1024
LIMIT = 50 * MiB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            found[name] = int(value.split()[0]) // 1024
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_high_water(pid: int) -> None:
    """Start a new high-water mark (Linux: writing 5 to clear_refs resets VmHWM)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def prepare(home: Path) -> tuple[str, str]:
    """An outbox account and an API token in a fresh store under ``home``."""
    os.environ["EXANTE_HOME"] = str(home)
    from exante_tui.api.tokens import ApiTokens
    from exante_tui.config import Settings
    from exante_tui.services import Services

    services = Services.open(Settings.load())
    try:
        account = services.accounts.add_outbox("desk@northwind.example")
        token = ApiTokens(services.store).create("bench").token
    finally:
        services.close()
    return str(account.id), token


def body(account_id: str, attachment_bytes: int, pad_to: int | None = None) -> bytes:
    data = base64.b64encode(os.urandom(attachment_bytes)).decode()
    request = {
        "from_account_id": account_id,
        "to": ["ap@contoso.example"],
        "subject": "Large attachment",
        "attachments": [
            {"filename": "scan.pdf", "content_type": "application/pdf", "data_base64": data}
        ],
    }
    encoded = json.dumps(request).encode()
    if pad_to is not None and len(encoded) < pad_to:
        request["body_text"] = "x" * (pad_to - len(encoded) - len(', "body_text": ""'))
        encoded = json.dumps(request).encode()
    return encoded


def post(port: int, token: str, payload: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request(
        "POST",
        "/api/email/send",
        body=payload,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    status = connection.getresponse().status
    connection.close()
    return status


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("serve exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("serve did not start")


def serial_cpu(pid: int, port: int, token: str, payload: bytes, rounds: int) -> str:
    """The server's CPU seconds for ``payload`` sent ``rounds`` times, one at a time."""
    costs, statuses = [], set()
    for _ in range(rounds):
        before = cpu_seconds(pid)
        statuses.add(post(port, token, payload))
        costs.append(cpu_seconds(pid) - before)
    return (
        f"statuses {sorted(statuses)}, server CPU per request {min(costs):.2f} s least, "
        f"{statistics.median(costs):.2f} s median of {rounds}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="serial requests of each kind")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        account_id, token = prepare(home)
        kinds = {
            "largest refused (50 MiB body limit, over Gmail's 35 MiB)": body(
                account_id, 36 * MiB, pad_to=LIMIT
            ),
            "largest accepted (25 MiB attachment, sent to the outbox)": body(account_id, 25 * MiB),
        }
        port = free_port()
        env = {**os.environ, "EXANTE_HOME": str(home)}
        command = [sys.executable, "-m", "exante_tui", "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_listening(port, server)
            idle = memory(server.pid)["VmRSS"]
            print(f"serve idle: {idle} MiB RSS; {options.concurrency} concurrent requests each")
            for name, payload in kinds.items():
                reset_high_water(server.pid)
                started, cpu = time.monotonic(), cpu_seconds(server.pid)
                with ThreadPoolExecutor(options.concurrency) as pool:
                    sent = [
                        pool.submit(post, port, token, payload) for _ in range(options.concurrency)
                    ]
                    statuses = sorted({future.result() for future in sent})
                elapsed = time.monotonic() - started
                per_request = (cpu_seconds(server.pid) - cpu) / options.concurrency
                peak = memory(server.pid)["VmHWM"]
                print(
                    f"- {name}: body {len(payload) / MiB:.1f} MiB, statuses {statuses}, "
                    f"peak {peak} MiB RSS (+{peak - idle} MiB over idle), "
                    f"{per_request:.2f} s of server CPU per request, {elapsed:.1f} s in all"
                )
            print(f"one request at a time, {options.rounds} of each kind:")
            for name, payload in kinds.items():
                cost = serial_cpu(server.pid, port, token, payload, options.rounds)
                print(f"- {name}: body {len(payload) / MiB:.1f} MiB, {cost}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
