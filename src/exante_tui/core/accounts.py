"""Connecting accounts: Gmail by OAuth consent or a token file, or an offline outbox account."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from exante_tui.config import Settings
from exante_tui.core.addresses import bare_address, check_address
from exante_tui.core.text_fields import header_problem
from exante_tui.errors import (
    AuthFailure,
    Conflict,
    ErrorDetail,
    NotFound,
    ProviderFailure,
    ValidationFailed,
)
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Provider

CLIENT_SECRETS_NAME = "client_secret.json"
"""The OAuth client file looked for in the config dir when none is given."""


def _checked_email(email: str) -> str:
    try:
        return bare_address(check_address(email))
    except ValueError as exc:
        raise ValidationFailed(
            "The account address is not valid.", [ErrorDetail("email", str(exc))]
        ) from None


def _checked_display_name(display_name: str) -> str:
    """A display name goes into the From header of every send: the one header rule holds."""
    problem = header_problem(display_name)
    if problem is None and len(display_name) > 200:
        problem = "is longer than 200 characters"
    if problem is not None:
        raise ValidationFailed(
            "The display name is not valid.", [ErrorDetail("display_name", problem)]
        )
    return display_name


def reconnect_command(email: str) -> str:
    """The command that connects ``email`` again after its token expired or was revoked."""
    return f"exante-tui accounts add --email {email}"


def reconnect_failure(email: str, reason: str) -> AuthFailure:
    """An ``auth_error`` naming the account and the exact command that reconnects it."""
    return AuthFailure(
        f"Account {email} needs to be reconnected: {reason} "
        f"Run `{reconnect_command(email)}` to connect it again.",
        [ErrorDetail("account", email)],
    )


class Accounts:
    """Adds and removes accounts; tokens go to the config dir, never into the database."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def add_outbox(self, email: str, display_name: str = "") -> Account:
        """An offline account whose mail is written as ``.eml`` files."""
        return self._add(
            _checked_email(email), _checked_display_name(display_name), Provider.OUTBOX, None
        )

    def add_gmail_from_token_file(
        self, email: str, token_file: Path, display_name: str = ""
    ) -> Account:
        """A Gmail account authorised by an ``authorized_user`` JSON (``Credentials.to_json()``).

        Importing again for a connected address replaces its token (this is how to reconnect).
        """
        from exante_tui.providers.tokens import import_token

        return self._add_gmail(
            _checked_email(email),
            _checked_display_name(display_name),
            lambda account_id: import_token(token_file, self.settings.tokens_dir, account_id),
        )

    def connect_gmail(
        self,
        *,
        client_secrets: Path | None = None,
        open_browser: bool = True,
        announce: Callable[[str], None],
        email: str | None = None,
        display_name: str = "",
    ) -> Account:
        """Connect (or reconnect) a Gmail account through Google's consent page.

        The client secrets default to ``client_secret.json`` in the config dir. The address
        is the one Google signs in (``users.getProfile``); ``email``, if given, must match it.
        """
        from exante_tui.providers.auth import authorize
        from exante_tui.providers.base import TransportAuthError, TransportError
        from exante_tui.providers.gmail import profile_email
        from exante_tui.providers.tokens import TokenFileError, store_token

        expected = _checked_email(email) if email else None
        _checked_display_name(display_name)
        secrets = self._client_secrets(client_secrets)
        try:
            credentials = authorize(secrets, open_browser=open_browser, announce=announce)
            signed_in = profile_email(
                credentials,
                endpoint=self.settings.gmail_endpoint,
                timeout=self.settings.gmail_timeout,
            )
        except TransportAuthError as exc:
            raise AuthFailure(f"The account was not connected: {exc}") from None
        except TransportError as exc:
            raise ProviderFailure(f"Could not connect the account: {exc}") from None
        except TokenFileError as exc:
            raise ValidationFailed(
                "The OAuth client secrets cannot be used.",
                [ErrorDetail("client_secrets", str(exc))],
            ) from None
        address = _checked_email(signed_in)
        if expected is not None and expected != address:
            raise ValidationFailed(
                f"Google signed in {address}, not {expected}; nothing was saved.",
                [ErrorDetail("email", f"consent was given for {address}")],
            )
        text = credentials.to_json()
        return self._add_gmail(
            address,
            display_name,
            lambda account_id: store_token(text, self.settings.tokens_dir, account_id),
        )

    def remove(self, email: str) -> Account:
        """Forget an account: its token file and all its local data (conversations, drafts…)."""
        address = _checked_email(email)
        with self.store.session() as session:
            account = session.exec(select(Account).where(Account.email == address)).first()
            if account is None:
                raise NotFound(
                    f"No connected account {address}.", [ErrorDetail("email", "not connected")]
                )
            session.delete(account)
        if account.token_path:
            Path(account.token_path).unlink(missing_ok=True)
        return account

    def _client_secrets(self, given: Path | None) -> Path:
        path = given or self.settings.config_dir / CLIENT_SECRETS_NAME
        if not path.is_file():
            raise ValidationFailed(
                "No OAuth client secrets to connect a Gmail account with.",
                [
                    ErrorDetail(
                        "client_secrets",
                        f"{path} does not exist; create a desktop OAuth client as "
                        "docs/gmail-setup.md explains and pass --client-secrets FILE",
                    )
                ],
            )
        return path

    def _add_gmail(
        self, address: str, display_name: str, write_token: Callable[[uuid.UUID], Path]
    ) -> Account:
        """Add ``address`` as a Gmail account, or give a connected one its new token."""
        from exante_tui.providers.tokens import TokenFileError

        with self.store.session() as session:
            existing = session.exec(select(Account).where(Account.email == address)).first()
        account_id = existing.id if existing else uuid.uuid4()
        try:
            path = write_token(account_id)
        except (TokenFileError, OSError) as exc:
            raise ValidationFailed(
                "The token file cannot be used.", [ErrorDetail("token_file", str(exc))]
            ) from None
        if existing is None:
            new = Account(id=account_id, email=address)
            return self._add(address, display_name, Provider.GMAIL, str(path), new)
        with self.store.session() as session:
            account = session.get(Account, account_id)
            assert account is not None
            account.provider, account.token_path = Provider.GMAIL, str(path)
            account.display_name = display_name or account.display_name
            return account

    def _add(
        self,
        email: str,
        display_name: str,
        provider: Provider,
        token_path: str | None,
        account: Account | None = None,
    ) -> Account:
        account = account or Account(email=email)
        account.display_name, account.provider, account.token_path = (
            display_name,
            provider,
            token_path,
        )
        with self.store.session() as session:
            if session.exec(select(Account).where(Account.email == email)).first() is not None:
                raise Conflict(
                    f"The account {email} is already connected.",
                    [ErrorDetail("email", "already connected")],
                )
            session.add(account)
        return account
