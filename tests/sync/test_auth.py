"""Sync with real token handling: refresh on loopback, revoked tokens, secrets kept secret."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from exante_tui.config import Settings
from exante_tui.errors import AuthFailure
from exante_tui.services import Services
from exante_tui.store.models import Account
from exante_tui.sync import run_sync
from fakes.gmail_server import FakeGmail
from fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeOAuth
from sync.helpers import counts, seed_threads

RECONNECT = "`exante-tui accounts add --email billing@northwind.example`"


@pytest.fixture
def oauth() -> Iterator[FakeOAuth]:
    with FakeOAuth() as fake:
        yield fake


@pytest.fixture
def settings(settings: Settings, oauth: FakeOAuth) -> Settings:
    """The shared settings, refreshing tokens at the fake token endpoint."""
    return replace(settings, oauth_token_uri=oauth.token_uri)


def expired_token(path: Path, token: str = "stale-access-token") -> Path:
    path.write_text(
        json.dumps(
            {
                "token": token,
                "refresh_token": REFRESH_TOKEN,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "expiry": "2020-01-01T00:00:00Z",
                "scopes": ["https://www.googleapis.com/auth/gmail.readonly"],
            }
        )
    )
    return path


@pytest.fixture
def account(services: Services, tmp_path: Path) -> Account:
    return services.accounts.add_gmail_from_token_file(
        "billing@northwind.example", expired_token(tmp_path / "token.json")
    )


def test_an_expired_token_is_refreshed_and_saved_privately(
    services: Services, account: Account, fake_gmail: FakeGmail, oauth: FakeOAuth
) -> None:
    seed_threads(fake_gmail.mailbox, 2)

    [result] = run_sync(services).accounts

    assert result.error is None
    assert counts(services) == (2, 2)
    assert [form["grant_type"] for form in oauth.token_forms] == ["refresh_token"]
    token_path = Path(account.token_path or "")
    assert json.loads(token_path.read_text())["token"] == fake_gmail.token
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


def test_a_revoked_token_is_an_auth_error_naming_account_and_command(
    services: Services, account: Account, fake_gmail: FakeGmail, oauth: FakeOAuth
) -> None:
    seed_threads(fake_gmail.mailbox, 2)
    oauth.revoked.add(REFRESH_TOKEN)

    [result] = run_sync(services).accounts

    assert isinstance(result.error, AuthFailure)
    payload = result.error.to_payload()["error"]
    assert payload["code"] == "auth_error"
    assert "billing@northwind.example" in payload["message"]
    assert RECONNECT in payload["message"]
    assert REFRESH_TOKEN not in json.dumps(payload)
    assert counts(services) == (0, 0)
    assert Path(account.token_path or "").exists()  # nothing is lost: reconnecting replaces it


def test_a_token_gmail_rejects_after_refresh_is_an_auth_error(
    services: Services, account: Account, fake_gmail: FakeGmail, oauth: FakeOAuth
) -> None:
    seed_threads(fake_gmail.mailbox, 1)
    oauth.access_token = "token-gmail-does-not-know"

    [result] = run_sync(services).accounts

    assert isinstance(result.error, AuthFailure)
    assert RECONNECT in result.error.message
    assert "401" in result.error.message
    assert len(oauth.token_forms) >= 2  # the load-time refresh, then the client's on 401


def test_one_failing_account_does_not_stop_the_others(
    services: Services, account: Account, fake_gmail: FakeGmail, oauth: FakeOAuth
) -> None:
    services.accounts.add_gmail_from_token_file(
        "sales@northwind.example", expired_token(services.settings.data_dir / "t2.json")
    )
    Path(account.token_path or "").write_text("{}")
    seed_threads(fake_gmail.mailbox, 1)

    report = run_sync(services)

    assert [r.account_email for r in report.accounts] == [
        "billing@northwind.example",
        "sales@northwind.example",
    ]
    [error] = report.errors
    assert isinstance(error, AuthFailure) and "billing@northwind.example" in error.message
    assert report.accounts[1].error is None
