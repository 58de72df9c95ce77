"""Several processes, one idempotency key: exactly one Gmail request, consistent answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from builders import wait_until, write_token_file
from fakes.gmail_server import FakeGmail

PROCESSES = 6


def _env(home: Path, fake: FakeGmail, db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "EXANTE_HOME": str(home),
        "EXANTE_GMAIL_ENDPOINT": fake.endpoint,
        "EXANTE_DB_URL": db_url,
    }


def _start_send(env: dict[str, str], body: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "exante_tui", "send", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    process.stdin.write(body)
    process.stdin.close()
    return process


def _finish(process: subprocess.Popen[str]) -> tuple[int, dict[str, object]]:
    assert process.stdout is not None
    out = process.stdout.read()
    code = process.wait(timeout=60)
    return code, json.loads(out)


def _setup(tmp_path: Path, fake: FakeGmail, db_url: str) -> tuple[dict[str, str], str]:
    env = _env(tmp_path / "home", fake, db_url)
    token = write_token_file(tmp_path / "token.json")
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "exante_tui",
            "accounts",
            "add",
            "--email",
            "billing@northwind.example",
            "--token-file",
            str(token),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    account_id = json.loads(added.stdout)["account_id"]
    body = {
        "from_account_id": account_id,
        "to": ["customer@contoso.example"],
        "subject": "Payment reminder",
        "body_text": "Please pay.",
        "idempotency_key": "reminder-42",
    }
    return env, json.dumps(body)


def test_concurrent_processes_send_once(tmp_path: Path, fake_gmail: FakeGmail, db_url: str) -> None:
    env, body = _setup(tmp_path, fake_gmail, db_url)
    processes = [_start_send(env, body) for _ in range(PROCESSES)]
    answers = [_finish(p) for p in processes]

    assert len([r for r in fake_gmail.requests if r.route == "messages.send"]) == 1
    sent = [a for code, a in answers if code == 0]
    conflicts = [a for code, a in answers if code != 0]
    assert sent, answers
    assert len({a["outbound_email_uid"] for a in sent}) == 1
    assert all(a["error"]["code"] == "conflict" for a in conflicts)  # type: ignore[index]


def test_in_progress_conflict_then_replay(
    tmp_path: Path, fake_gmail: FakeGmail, db_url: str
) -> None:
    env, body = _setup(tmp_path, fake_gmail, db_url)
    fake_gmail.hang_next(route="messages.send")
    first = _start_send(env, body)
    wait_until(lambda: any(r.route == "messages.send" for r in fake_gmail.requests))

    others = [_finish(_start_send(env, body)) for _ in range(3)]
    assert [code for code, _ in others] == [2, 2, 2]
    assert all("in progress" in a["error"]["message"] for _, a in others)  # type: ignore[index]

    fake_gmail.release_hangs()
    code, result = _finish(first)
    assert code == 0 and result["status"] == "sent"
    code, replayed = _finish(_start_send(env, body))
    assert code == 0 and replayed == result
    assert len([r for r in fake_gmail.requests if r.route == "messages.send"]) == 1
