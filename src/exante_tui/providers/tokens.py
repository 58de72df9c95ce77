"""OAuth tokens: storage, loading and refresh (the consent flow is in ``providers.auth``).

``store_token`` and ``import_token`` keep an authorized-user JSON; ``load_credentials``
reads it back, refreshing it when expired. Token files hold secrets: they are written
0600 in a 0700 directory, atomically (a crash mid-write never loses the refresh token),
and no message here ever echoes their values. The token endpoint is Google's unless the
caller passes ``token_uri``; a ``token_uri`` inside the file is ignored, as google-auth
does, so a crafted file cannot send the refresh token elsewhere.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import google.auth.exceptions
from google.oauth2.credentials import Credentials

from exante_tui.providers.base import TransportAuthError, TransportError

_REQUIRED_KEYS = ("client_id", "client_secret")


class TokenFileError(ValueError):
    """An authorized-user token file is unreadable, not JSON or misses a key."""


def write_private(path: Path, text: str) -> None:
    """Atomically write ``text`` to ``path`` with mode 0600, whatever mode it had before."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)  # a leftover temp file may have had another mode
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def _parse_token(text: str, source: Path) -> dict[str, Any]:
    """Check ``text`` is an authorized-user JSON object; say what is wrong, never the values."""
    try:
        info = json.loads(text)
    except ValueError:
        raise TokenFileError(f"{source} is not JSON") from None
    if not isinstance(info, dict):
        raise TokenFileError(f"{source} is not a JSON object")
    if not (info.get("refresh_token") or info.get("token")):
        raise TokenFileError(f"{source} has neither 'refresh_token' nor 'token'")
    for key in _REQUIRED_KEYS:
        if not info.get(key):
            raise TokenFileError(f"{source} is missing '{key}'")
    return info


def import_token(source: Path, tokens_dir: Path, account_id: uuid.UUID) -> Path:
    """Copy a google-auth ``Credentials.to_json()`` file to ``tokens_dir/<account_id>.json``."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenFileError(f"cannot read {source}: {exc.__class__.__name__}") from None
    _parse_token(text, source)
    return store_token(text, tokens_dir, account_id)


def store_token(text: str, tokens_dir: Path, account_id: uuid.UUID) -> Path:
    """Write an authorized-user JSON to ``tokens_dir/<account_id>.json`` (0600 in a 0700 dir)."""
    tokens_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    tokens_dir.chmod(0o700)
    target = tokens_dir / f"{account_id}.json"
    write_private(target, text)
    return target


def load_credentials(token_path: Path, *, token_uri: str | None = None) -> Credentials:
    """Load the token at ``token_path``, refreshing (and saving) it if it has expired.

    Raises ``TransportAuthError`` when the file is missing or damaged, or when Google
    refuses the refresh (token expired or revoked); ``TransportError`` when Google
    cannot be reached.
    """
    try:
        info = _parse_token(token_path.read_text(encoding="utf-8"), token_path)
    except FileNotFoundError:
        raise TransportAuthError(f"No token for this account at {token_path}.") from None
    except (OSError, UnicodeDecodeError, TokenFileError) as exc:
        raise TransportAuthError(f"The token file is damaged: {exc}") from None
    info.setdefault("refresh_token", None)
    credentials: Credentials = Credentials.from_authorized_user_info(info)
    if token_uri is not None:
        expiry = credentials.expiry
        credentials = credentials.with_token_uri(token_uri)
        credentials.expiry = expiry  # google-auth's copy drops it
    if credentials.token and not credentials.expired:
        return credentials
    if not credentials.refresh_token:
        raise TransportAuthError(
            f"The token at {token_path} has expired and cannot be refreshed; reconnect the account."
        )
    from google.auth.transport.requests import Request  # requests: only for a refresh

    try:
        credentials.refresh(Request())
    except google.auth.exceptions.RefreshError:
        raise TransportAuthError(
            f"Google refused to refresh the token at {token_path}: it has expired or been "
            "revoked; reconnect the account."
        ) from None
    except google.auth.exceptions.TransportError as exc:
        raise TransportError(
            f"Could not reach Google to refresh the token: {exc.__class__.__name__}"
        ) from None
    write_private(token_path, credentials.to_json())
    return credentials
