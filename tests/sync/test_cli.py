"""The CLI: ``sync``, ``attachments save``, ``accounts add`` (OAuth) and ``accounts remove``.

Run as a script runs it: ``python -m exante_tui`` with stdin not a terminal.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from builders import write_token_file
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import DEFAULT_TOKEN, FakeGmail
from fakes.oauth_server import CLIENT_SECRET, REFRESH_TOKEN, FakeOAuth, click_allow
from sync.helpers import seed_threads

EMAIL = "billing@northwind.example"
SECRETS = (REFRESH_TOKEN, CLIENT_SECRET, DEFAULT_TOKEN, "refresh-secret-value")


class Cli:
    """``python -m exante_tui`` on a private home, the fake Gmail and the fake OAuth."""

    def __init__(self, home: Path, fake: FakeGmail, oauth: FakeOAuth) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "EXANTE_HOME": str(home),
            "EXANTE_GMAIL_ENDPOINT": fake.endpoint,
            "EXANTE_GMAIL_RETRY_DELAY": "0",
            "EXANTE_OAUTH_TOKEN_URI": oauth.token_uri,
            "OAUTHLIB_INSECURE_TRANSPORT": "1",
        }
        self.env.pop("EXANTE_DB_URL", None)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "exante_tui", *args]

    def run(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args), input="", capture_output=True, text=True, env=self.env, timeout=60
        )
        assert result.returncode == code, result.stderr + result.stdout
        assert "Traceback" not in result.stderr + result.stdout
        for secret in SECRETS:
            assert secret not in result.stdout + result.stderr + self.log()
        return result

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(*args, "--json", code=code).stdout)

    def log(self) -> str:
        path = self.home / "data" / "logs" / "exante-tui.log"
        return path.read_text() if path.exists() else ""


@pytest.fixture
def oauth() -> Iterator[FakeOAuth]:
    with FakeOAuth() as fake:
        yield fake


@pytest.fixture
def cli(tmp_path: Path, fake_gmail: FakeGmail, oauth: FakeOAuth) -> Cli:
    return Cli(tmp_path / "home", fake_gmail, oauth)


@pytest.fixture
def connected(cli: Cli, tmp_path: Path) -> Cli:
    cli.run(
        "accounts", "add", "--email", EMAIL, "--token-file", str(write_token_file(tmp_path / "t"))
    )
    return cli


def test_sync_prints_progress_on_stderr_and_a_summary(
    connected: Cli, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 3, per_thread=2)

    result = connected.run("sync", "--max-threads", "2")

    assert f"{EMAIL}: 0/2 threads" in result.stderr  # "\r" lines (text mode reads them as "\n")
    assert f"{EMAIL}: 2/2 threads" in result.stderr
    assert result.stdout.strip() == (
        f"{EMAIL}: full sync, 2 new conversations, 4 new messages, 0 removed"
    )
    again = connected.json("sync")
    assert again["accounts"][0]["mode"] == "incremental"
    assert again["accounts"][0]["messages_added"] == 0
    [account] = connected.json("accounts", "list")
    assert account["last_synced_at"] is not None


def test_sync_with_a_revoked_token_says_how_to_reconnect(
    cli: Cli, fake_gmail: FakeGmail, oauth: FakeOAuth, tmp_path: Path
) -> None:
    token = write_token_file(tmp_path / "t", token="expired-token", refresh_token=REFRESH_TOKEN)
    info = json.loads(token.read_text())
    token.write_text(json.dumps({**info, "expiry": "2020-01-01T00:00:00Z"}))
    cli.run("accounts", "add", "--email", EMAIL, "--token-file", str(token))
    oauth.revoked.add(REFRESH_TOKEN)

    result = cli.run("sync", code=1)

    assert f"Account {EMAIL} needs to be reconnected" in result.stderr
    assert f"`exante-tui accounts add --email {EMAIL}`" in result.stderr
    payload = cli.json("sync", "--account", EMAIL, code=1)
    assert payload["accounts"][0]["error"]["code"] == "auth_error"


def test_attachments_save_writes_the_file(
    connected: Cli, fake_gmail: FakeGmail, tmp_path: Path
) -> None:
    fake_gmail.mailbox.deliver(
        build_mail(subject="Scan", attachments=[("scan.pdf", "application/pdf", b"%PDF-scan")])
    )
    connected.run("sync")
    [conversation] = connected.json("conversations", "list")
    shown = connected.json("conversations", "show", conversation["conversation_uid"])
    [message] = shown["messages"]
    assert message["attachments"][0]["filename"] == "scan.pdf"

    saved = connected.json("attachments", "save", message["message_uid"], "0", str(tmp_path))

    assert saved == {"path": str(tmp_path / "scan.pdf"), "size": 9}
    assert (tmp_path / "scan.pdf").read_bytes() == b"%PDF-scan"
    connected.run("attachments", "save", message["message_uid"], "0", str(tmp_path), code=2)


def test_accounts_remove_needs_confirmation_then_forgets_everything(
    connected: Cli, fake_gmail: FakeGmail
) -> None:
    seed_threads(fake_gmail.mailbox, 2)
    connected.run("sync")
    [account] = connected.json("accounts", "list")
    token = connected.home / "config" / "tokens" / f"{account['account_id']}.json"
    assert token.exists()

    refused = connected.run("accounts", "remove", EMAIL, code=2)

    assert "--yes" in refused.stderr
    assert token.exists()
    connected.run("accounts", "remove", EMAIL, "--yes")
    assert not token.exists()
    assert connected.json("accounts", "list") == []
    assert connected.json("conversations", "list") == []
    connected.run("accounts", "remove", EMAIL, "--yes", code=2)


def test_accounts_add_runs_the_consent_flow_without_a_browser(
    cli: Cli, oauth: FakeOAuth, tmp_path: Path
) -> None:
    secrets_file = oauth.client_secrets(tmp_path / "client_secret.json")
    process = subprocess.Popen(
        cli.command("accounts", "add", "--no-browser", "--client-secrets", str(secrets_file)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.strip().startswith(oauth.auth_uri):
            click_allow(line.strip())
            break
    stdout, stderr = process.communicate(timeout=30)

    assert process.returncode == 0, stderr
    assert "Open this URL" in "".join(lines)
    assert stdout.strip() == f"connected {EMAIL} (gmail)"
    [account] = cli.json("accounts", "list")
    token = cli.home / "config" / "tokens" / f"{account['account_id']}.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert json.loads(token.read_text())["refresh_token"] == REFRESH_TOKEN
    for secret in SECRETS:
        assert secret not in stdout + stderr + "".join(lines) + cli.log()


def test_the_token_file_and_outbox_paths_still_need_an_email(cli: Cli) -> None:
    cli.run("accounts", "add", "--provider", "outbox", code=2)
    added = cli.json("accounts", "add", "--provider", "outbox", "--email", "demo@northwind.example")
    assert added["provider"] == "outbox"


def test_accounts_add_without_client_secrets_points_at_the_guide(cli: Cli) -> None:
    result = cli.run("accounts", "add", "--no-browser", code=2)

    assert "docs/gmail-setup.md" in result.stderr
