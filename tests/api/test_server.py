"""Real ``exante-tui serve`` processes on loopback: curl, raw sockets, logs, two servers."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from api.server import running_server, server_env
from builders import b64
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail

URL = "/api/email/send"


@pytest.fixture
def env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return server_env(settings, tmp_path)


def post(base_url: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        base_url + URL,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_example(
    env: dict[str, str], tmp_path: Path, token: str, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    """The seed's curl command with its placeholders filled in, against a local server."""
    body = {
        "from_account_id": str(gmail_account.id),
        "to": ["customer@example.com"],
        "subject": "Invoice INV-2024-001",
        "cc": ["accounting@mycompany.com"],
        "bcc": ["audit@mycompany.com"],
        "body_text": "Please find the invoice attached.",
        "body_html": "<p>Please find the invoice attached.</p>",
        "attachments": [
            {
                "filename": "INV-2024-001.pdf",
                "content_type": "application/pdf",
                "data_base64": b64(b"%PDF-1.4 invoice"),
            }
        ],
        "context_type": "invoice",
        "context_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "idempotency_key": "curl-example-1",
    }
    with running_server(env, tmp_path / "server.log") as server:
        result = subprocess.run(
            [
                *("curl", "--silent", "--show-error", "--request", "POST"),
                *("--url", f"{server.url}{URL}"),
                *("--header", f"Authorization: Bearer {token}"),
                *("--header", "Content-Type: application/json"),
                *("--data", json.dumps(body)),
                *("--write-out", "\n%{http_code}"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    answer, status = result.stdout.rsplit("\n", 1)
    assert status == "200", answer
    sent = json.loads(answer)
    assert set(sent) == {
        "outbound_email_uid",
        "provider_message_id",
        "provider_thread_id",
        "status",
        "sent_at",
    }
    assert sent["status"] == "sent"
    [gmail] = fake_gmail.sent
    assert sent["provider_message_id"] == gmail["id"]
    assert [a.get_filename() for a in gmail["message"].iter_attachments()] == ["INV-2024-001.pdf"]


def test_no_log_shows_the_token_or_a_request_line(
    env: dict[str, str], tmp_path: Path, token: str, gmail_account: Account
) -> None:
    body = {"from_account_id": str(gmail_account.id), "to": ["a@example.com"], "subject": "s"}
    with running_server(env, tmp_path / "server.log") as server:
        assert post(server.url, body, token)[0] == 200
        assert post(server.url, body, token + "-wrong")[0] == 401
    log = server.log.read_text() + (tmp_path / "data" / "logs" / "exante-tui.log").read_text()
    assert "Application startup complete" in log
    assert f"POST {URL}" not in log  # no access log: a request line can carry a secret
    assert token not in log
    assert "Bearer" not in log


def test_huge_declared_body_is_refused_before_it_is_sent(
    env: dict[str, str], tmp_path: Path, token: str
) -> None:
    with (
        running_server(env, tmp_path / "server.log") as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        sock.sendall(
            f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {10**12}\r\n\r\n{{".encode()
        )
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = json.loads(response.read())
        # The server is still up for everyone else.
        assert post(server.url, {}, token)[0] == 422
    assert response.status == 413
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"][0]["field"] == "body"


@pytest.mark.parametrize("mode", ["idempotency_key", "draft_uid"])
def test_two_servers_on_one_store_send_once(
    env: dict[str, str],
    tmp_path: Path,
    services: Services,
    token: str,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    mode: str,
) -> None:
    """Ten clients at once, across two server processes: one Gmail send; while it is in
    flight the others get 409, afterwards they all get its result."""
    fields = {"from_account_id": str(gmail_account.id), "to": ["a@example.com"], "subject": "s"}
    if mode == "draft_uid":
        body: dict[str, Any] = {"draft_uid": str(services.drafts.create_from_request(fields))}
    else:
        body = {**fields, "idempotency_key": "once-only"}
    fake_gmail.hang_next(0.3, route="messages.send")  # keep the first send in flight a while
    start = threading.Barrier(10)

    with (
        running_server(env, tmp_path / "one.log") as one,
        running_server(env, tmp_path / "two.log") as two,
    ):

        def client(n: int) -> tuple[int, dict[str, Any]]:
            start.wait()
            return post((one, two)[n % 2].url, body, token)

        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(client, range(10)))
            replays = list(pool.map(client, range(10)))  # once settled, everyone gets the result

    assert len(fake_gmail.sent) == 1
    sent = [answer for status, answer in answers if status == 200]
    assert sent, answers
    uid = sent[0]["outbound_email_uid"]
    assert all(answer == sent[0] for answer in sent)
    for status, answer in answers:
        assert status in (200, 409), answer
        if status == 409:
            assert answer["error"]["code"] == "conflict"
            assert answer["error"]["outbound_email_uid"] == uid
    assert replays == [(200, sent[0])] * 10
