"""Token import, loading and refresh (against the loopback fake of Google's token endpoint)."""

from __future__ import annotations

import json
import stat
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exante_tui.providers.base import TransportAuthError
from exante_tui.providers.tokens import (
    TokenFileError,
    import_token,
    load_credentials,
    write_private,
)
from fakes.oauth_server import CLIENT_ID, CLIENT_SECRET, FakeOAuth

ACCOUNT = uuid.UUID("00000000-0000-4000-8000-000000000001")
SECRET = CLIENT_SECRET
REFRESH = "refresh-secret-value"


def token_info(**changes: Any) -> dict[str, Any]:
    info = {
        "token": "old-access-token",
        "refresh_token": REFRESH,
        "token_uri": "https://oauth2.googleapis.com/token",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scopes": ["https://www.googleapis.com/auth/gmail.compose"],
        "expiry": "2099-01-01T00:00:00Z",
    }
    info.update(changes)
    return {key: value for key, value in info.items() if value is not None}


def write_json(path: Path, info: dict[str, Any]) -> Path:
    path.write_text(json.dumps(info))
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def oauth() -> Iterator[FakeOAuth]:
    """Google's token endpoint on a loopback port, handing out ``new-access-token``."""
    with FakeOAuth(access_token="new-access-token") as fake:
        yield fake


def test_import_token_writes_0600_in_0700_dir(tmp_path: Path) -> None:
    source = write_json(tmp_path / "download.json", token_info())
    tokens_dir = tmp_path / "config" / "tokens"

    path = import_token(source, tokens_dir, ACCOUNT)

    assert path == tokens_dir / f"{ACCOUNT}.json"
    assert mode(path) == 0o600
    assert mode(tokens_dir) == 0o700
    assert json.loads(path.read_text()) == token_info()


def test_import_token_replaces_a_loose_existing_file(tmp_path: Path) -> None:
    tokens_dir = tmp_path / "tokens"
    tokens_dir.mkdir(mode=0o755)
    target = tokens_dir / f"{ACCOUNT}.json"
    target.write_text("{}")
    target.chmod(0o644)

    import_token(write_json(tmp_path / "t.json", token_info()), tokens_dir, ACCOUNT)

    assert mode(target) == 0o600
    assert mode(tokens_dir) == 0o700
    assert json.loads(target.read_text())["client_secret"] == SECRET


def test_access_token_only_is_accepted(tmp_path: Path) -> None:
    source = write_json(tmp_path / "t.json", token_info(refresh_token=None))

    assert import_token(source, tmp_path / "tokens", ACCOUNT).exists()


@pytest.mark.parametrize("key", ["client_id", "client_secret"])
def test_missing_key_is_named_and_no_secret_echoed(tmp_path: Path, key: str) -> None:
    source = write_json(tmp_path / "t.json", token_info(**{key: None}))

    with pytest.raises(TokenFileError, match=key) as caught:
        import_token(source, tmp_path / "tokens", ACCOUNT)

    assert SECRET not in str(caught.value)
    assert REFRESH not in str(caught.value)
    assert not (tmp_path / "tokens").exists()


def test_no_token_at_all_is_refused(tmp_path: Path) -> None:
    source = write_json(tmp_path / "t.json", token_info(token=None, refresh_token=None))

    with pytest.raises(TokenFileError, match="refresh_token"):
        import_token(source, tmp_path / "tokens", ACCOUNT)


def test_not_json_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "t.json"
    source.write_text(f"refresh_token={REFRESH}")

    with pytest.raises(TokenFileError, match="not JSON") as caught:
        import_token(source, tmp_path / "tokens", ACCOUNT)

    assert REFRESH not in str(caught.value)


def test_write_private_tightens_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_text("old")
    path.chmod(0o666)

    write_private(path, "new")

    assert path.read_text() == "new"
    assert mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.json"]


def test_load_unexpired_token_makes_no_request(tmp_path: Path, oauth: FakeOAuth) -> None:
    path = write_json(tmp_path / "t.json", token_info())

    credentials = load_credentials(path, token_uri=oauth.token_uri)

    assert credentials.token == "old-access-token"
    assert oauth.token_forms == []


def test_expired_token_is_refreshed_and_written_back(tmp_path: Path, oauth: FakeOAuth) -> None:
    path = import_token(
        write_json(tmp_path / "t.json", token_info(expiry="2020-01-01T00:00:00Z")),
        tmp_path / "tokens",
        ACCOUNT,
    )

    credentials = load_credentials(path, token_uri=oauth.token_uri)

    assert credentials.token == "new-access-token"
    [form] = oauth.token_forms
    assert form["grant_type"] == "refresh_token"
    assert form["refresh_token"] == REFRESH
    saved = json.loads(path.read_text())
    assert saved["token"] == "new-access-token"
    assert saved["refresh_token"] == REFRESH
    assert datetime.fromisoformat(saved["expiry"]) > datetime.now(UTC) + timedelta(minutes=30)
    assert mode(path) == 0o600


def test_missing_access_token_is_refreshed(tmp_path: Path, oauth: FakeOAuth) -> None:
    path = write_json(tmp_path / "t.json", token_info(token=None, expiry=None))

    assert load_credentials(path, token_uri=oauth.token_uri).token == "new-access-token"


def test_invalid_grant_is_an_auth_error(tmp_path: Path, oauth: FakeOAuth) -> None:
    oauth.revoked.add(REFRESH)
    path = write_json(tmp_path / "t.json", token_info(expiry="2020-01-01T00:00:00Z"))

    with pytest.raises(TransportAuthError, match="expired or been revoked") as caught:
        load_credentials(path, token_uri=oauth.token_uri)

    assert REFRESH not in str(caught.value)
    assert SECRET not in str(caught.value)
    assert json.loads(path.read_text())["token"] == "old-access-token"


def test_expired_without_refresh_token_is_an_auth_error(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "t.json", token_info(refresh_token=None, expiry="2020-01-01T00:00:00Z")
    )

    with pytest.raises(TransportAuthError, match="cannot be refreshed"):
        load_credentials(path)


def test_missing_file_is_an_auth_error(tmp_path: Path) -> None:
    with pytest.raises(TransportAuthError, match="No token"):
        load_credentials(tmp_path / "absent.json")


def test_damaged_file_is_an_auth_error(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text("{")

    with pytest.raises(TransportAuthError, match="damaged"):
        load_credentials(path)
