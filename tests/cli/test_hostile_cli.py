"""The CLI under hostile input, run as a script: bytes that are not UTF-8, deep nesting, a
broken store, mail whose text would drive the terminal. Always the one error shape, never a
traceback, never a raw control character on the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from builders import add_thread
from exante_tui.config import Settings
from exante_tui.services import Services
from fakes.gmail_server import FakeGmail

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"


def run(settings: Settings, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "EXANTE_HOME": str(settings.data_dir.parent),
        "EXANTE_DB_URL": settings.db_url,
        "EXANTE_GMAIL_ENDPOINT": settings.gmail_endpoint or "",
        "PYTHONIOENCODING": "utf-8",
    }
    result = subprocess.run(
        [sys.executable, "-m", "exante_tui", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert b"Traceback" not in result.stdout + result.stderr
    return result


def error_of(result: subprocess.CompletedProcess[bytes], code: int) -> dict[str, object]:
    assert result.returncode == code, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["details"] and all(d["field"] for d in error["details"])
    return error


@pytest.mark.parametrize(
    ("stdin", "reason"),
    [
        (b'{"subject": "caf\xe9 \xff"}', "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"to": [' + b"1" * 5000 + b"]}", "too long"),
    ],
)
def test_hostile_stdin_is_a_validation_error(
    services: Services, settings: Settings, stdin: bytes, reason: str
) -> None:
    error = error_of(run(settings, "send", "--json", "-", stdin=stdin), 2)
    assert error["code"] == "validation_error"
    assert reason in error["details"][0]["message"]  # type: ignore[index]


def test_a_broken_store_is_internal_error_with_the_details_in_the_log(
    services: Services, settings: Settings
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    with services.store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE outboundemail RENAME TO outboundemail_gone"))
    request = {"from_account_id": str(account.id), "to": ["a@b.example"], "subject": "s"}
    result = run(settings, "send", "--json", "-", stdin=json.dumps(request).encode())
    error = error_of(result, 1)
    assert error["code"] == "internal_error"
    log = (settings.data_dir / "logs" / "exante-tui.log").read_text()
    assert "Traceback" in log and "outboundemail" in log


def test_a_display_name_with_a_line_break_is_refused(settings: Settings) -> None:
    result = run(
        settings,
        "accounts",
        "add",
        "--provider",
        "outbox",
        "--email",
        "desk@northwind.example",
        "--display-name",
        "Desk\r\nBcc: spy@evil.example",
        "--json",
    )
    error = error_of(result, 2)
    assert error["details"] == [
        {
            "field": "display_name",
            "message": "contains a line break; header injection is not allowed",
        }
    ]


def test_received_text_never_reaches_the_terminal_raw(
    services: Services, settings: Settings, fake_gmail: FakeGmail
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    conversation, _messages = add_thread(
        services, account, subject=f"Invoice{ESCAPES}", sender=f"Eve{ESCAPES} <eve@evil.example>"
    )
    for args in (
        ["conversations", "list"],
        ["conversations", "show", str(conversation.id)],
        ["conversations", "list", "--json"],
        ["conversations", "show", str(conversation.id), "--json"],
    ):
        result = run(settings, *args)
        assert result.returncode == 0, result.stderr
        output = result.stdout.decode()
        for char in "\x1b\x07\x9b\u202e":
            assert char not in output, (args, output)
        assert "Invoice" in output
    shown = json.loads(run(settings, "conversations", "list", "--json").stdout)
    assert shown[0]["subject"] == f"Invoice{ESCAPES}"  # JSON escapes it; the data is intact
