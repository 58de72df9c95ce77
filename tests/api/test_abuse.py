"""``serve`` under abuse, as a real process on loopback: a 1,000-socket slowloris against a
server allowed few descriptors, then a valid send; no token in any log."""

from __future__ import annotations

import http.client
import select
import socket
import time
from contextlib import suppress
from pathlib import Path

from api.server import running_server, server_env
from api.test_server import post
from exante_tui.config import Settings
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail

ATTACKERS = 1000
CAP = 100


def half_request(port: int) -> socket.socket:
    """A connection that sends half a request line and then nothing (slowloris)."""
    attacker = socket.create_connection(("127.0.0.1", port), timeout=5)
    with suppress(OSError):  # already shed by the server
        attacker.sendall(b"POST /api/email/send HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ")
    return attacker


def shed(attackers: list[socket.socket]) -> int:
    """How many attacking connections the server has closed."""
    closed = 0
    for attacker in attackers:
        readable, _, _ = select.select([attacker], [], [], 0)
        if readable:
            try:
                closed += attacker.recv(1) == b""
            except OSError:
                closed += 1
    return closed


def test_a_slowloris_does_not_stop_the_server(
    settings: Settings,
    tmp_path: Path,
    token: str,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    env = server_env(settings, tmp_path)
    request = {"from_account_id": str(gmail_account.id), "to": ["a@b.example"], "subject": "s"}
    log = tmp_path / "serve.log"
    with running_server(env, log, "--max-connections", str(CAP), fd_limit=256) as server:
        attackers = [half_request(server.port) for _ in range(ATTACKERS)]
        try:
            status, body = post(server.url, request, token)  # while every socket is held
            assert (status, body["status"]) == (200, "sent")
            assert shed(attackers) >= ATTACKERS - CAP
        finally:
            for attacker in attackers:
                attacker.close()
        status, body = post(server.url, request, token)
        assert (status, body["status"]) == (200, "sent")
    assert len(fake_gmail.sent) == 2
    output = log.read_text() + (tmp_path / "data" / "logs" / "exante-tui.log").read_text()
    assert "Traceback" not in output


def test_no_token_reaches_a_log(
    settings: Settings, tmp_path: Path, token: str, gmail_account: Account
) -> None:
    env = server_env(settings, tmp_path)
    log = tmp_path / "serve.log"
    with running_server(env, log) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request(
            "POST",
            f"/api/email/send?token={token}&access_token={token}",
            body=b"{}",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert connection.getresponse().status == 422
        connection.close()
    logs = [log, tmp_path / "data" / "logs" / "exante-tui.log"]
    for path in logs:
        assert token not in path.read_text()
    assert "Uvicorn running" in log.read_text()  # the server did log, just not the request


HEADER_TIMEOUT = 1.0
"""``EXANTE_API_HEADER_TIMEOUT`` for the test below: well under the 10 s default."""


def test_a_client_slow_to_send_its_headers_is_disconnected(
    settings: Settings,
    tmp_path: Path,
    token: str,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    """Half a request line and then nothing: the connection is closed once the configured
    header timeout passes (not before, and long before the default), and the server goes
    on answering."""
    env = {**server_env(settings, tmp_path), "EXANTE_API_HEADER_TIMEOUT": str(HEADER_TIMEOUT)}
    request = {"from_account_id": str(gmail_account.id), "to": ["a@b.example"], "subject": "s"}
    with running_server(env, tmp_path / "serve.log") as server:
        slow = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        with slow:
            started = time.monotonic()
            slow.sendall(b"POST /api/em")
            answer = slow.recv(1024)  # blocks until the server closes (or 5 s: a failure)
            waited = time.monotonic() - started
        assert answer == b""  # closed without a response
        assert HEADER_TIMEOUT * 0.9 <= waited < 5
        status, body = post(server.url, request, token)
        assert (status, body["status"]) == (200, "sent")
    assert len(fake_gmail.sent) == 1
