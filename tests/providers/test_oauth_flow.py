"""The installed-app consent flow against a loopback fake of Google's OAuth endpoints."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exante_tui.errors import AuthFailure, ValidationFailed
from exante_tui.providers.auth import GMAIL_SCOPES, authorize
from exante_tui.providers.base import TransportAuthError
from exante_tui.providers.tokens import TokenFileError
from exante_tui.services import Services
from fakes.gmail_server import FakeGmail
from fakes.oauth_server import REFRESH_TOKEN, FakeOAuth, click_allow


@pytest.fixture
def oauth(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOAuth]:
    # oauthlib insists on https for the token endpoint; the fake is plain loopback HTTP.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    with FakeOAuth() as fake:
        yield fake


def announce_and_click(urls: list[str]) -> Callable[[str], None]:
    """An ``announce`` that clicks "Allow" from another thread, as the user would."""

    def announce(url: str) -> None:
        urls.append(url)
        threading.Thread(target=click_allow, args=(url,), daemon=True).start()

    return announce


def test_flow_asks_for_compose_and_readonly_and_returns_credentials(
    oauth: FakeOAuth, tmp_path: Path
) -> None:
    urls: list[str] = []

    credentials = authorize(
        oauth.client_secrets(tmp_path / "client_secret.json"),
        open_browser=False,
        announce=announce_and_click(urls),
        timeout=10,
    )

    assert credentials.token == oauth.access_token
    assert credentials.refresh_token == REFRESH_TOKEN
    [consent] = oauth.consents
    assert consent["scope"].split() == list(GMAIL_SCOPES)
    assert consent["access_type"] == "offline"
    assert consent["prompt"] == "consent"
    assert consent["code_challenge_method"] == "S256"
    assert consent["redirect_uri"].startswith("http://127.0.0.1:")
    assert urls[0].startswith(oauth.auth_uri)


def test_refused_consent_is_an_auth_error(oauth: FakeOAuth, tmp_path: Path) -> None:
    oauth.deny = True

    with pytest.raises(TransportAuthError, match="access_denied"):
        authorize(
            oauth.client_secrets(tmp_path / "cs.json"),
            open_browser=False,
            announce=announce_and_click([]),
            timeout=10,
        )


def test_no_answer_from_the_browser_times_out(oauth: FakeOAuth, tmp_path: Path) -> None:
    with pytest.raises(TransportAuthError, match="timed out"):
        authorize(
            oauth.client_secrets(tmp_path / "cs.json"),
            open_browser=False,
            announce=lambda url: None,
            timeout=0.2,
        )


def test_unusable_client_secrets_are_named(tmp_path: Path) -> None:
    path = tmp_path / "cs.json"
    path.write_text(json.dumps({"web-ish": {}}))

    with pytest.raises(TokenFileError, match=str(path)):
        authorize(path, open_browser=False, announce=lambda url: None)


def test_connect_stores_a_private_token_under_the_profile_address(
    oauth: FakeOAuth, services: Services, fake_gmail: FakeGmail, tmp_path: Path
) -> None:
    fake_gmail.mailbox.email_address = "Ops@Northwind.example"
    secrets_file = oauth.client_secrets(services.settings.config_dir / "client_secret.json")

    account = services.accounts.connect_gmail(
        open_browser=False, announce=announce_and_click([]), display_name="Ops"
    )

    assert account.email == "ops@northwind.example"
    assert account.display_name == "Ops"
    token = Path(account.token_path or "")
    assert token.parent == services.settings.tokens_dir
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    stored = json.loads(token.read_text())
    assert stored["refresh_token"] == REFRESH_TOKEN
    assert stored["client_id"] and secrets_file.exists()
    profile = [r for r in fake_gmail.requests if r.route == "users.getProfile"]
    assert profile[0].headers["authorization"] == f"Bearer {oauth.access_token}"


def test_reconnecting_replaces_the_token_of_the_same_account(
    oauth: FakeOAuth, services: Services, tmp_path: Path
) -> None:
    secrets_file = oauth.client_secrets(tmp_path / "cs.json")
    first = services.accounts.connect_gmail(
        client_secrets=secrets_file, open_browser=False, announce=announce_and_click([])
    )
    Path(first.token_path or "").write_text("{}")

    again = services.accounts.connect_gmail(
        client_secrets=secrets_file,
        open_browser=False,
        announce=announce_and_click([]),
        email="billing@northwind.example",
    )

    assert again.id == first.id
    assert json.loads(Path(again.token_path or "").read_text())["refresh_token"] == REFRESH_TOKEN


def test_consent_for_another_address_saves_nothing(
    oauth: FakeOAuth, services: Services, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed, match=r"signed in billing@northwind\.example"):
        services.accounts.connect_gmail(
            client_secrets=oauth.client_secrets(tmp_path / "cs.json"),
            open_browser=False,
            announce=announce_and_click([]),
            email="someone@else.example",
        )

    assert not services.settings.tokens_dir.exists() or not any(
        services.settings.tokens_dir.iterdir()
    )


def test_missing_client_secrets_point_at_the_setup_guide(services: Services) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.accounts.connect_gmail(open_browser=False, announce=lambda url: None)

    assert "docs/gmail-setup.md" in str(caught.value)


def test_denied_consent_is_an_auth_error_for_the_cli(
    oauth: FakeOAuth, services: Services, tmp_path: Path
) -> None:
    oauth.deny = True

    with pytest.raises(AuthFailure):
        services.accounts.connect_gmail(
            client_secrets=oauth.client_secrets(tmp_path / "cs.json"),
            open_browser=False,
            announce=announce_and_click([]),
        )
