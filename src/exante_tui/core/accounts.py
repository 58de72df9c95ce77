"""Connecting accounts: import a Gmail token file, or add an offline outbox account."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlmodel import select

from exante_tui.config import Settings
from exante_tui.core.addresses import bare_address, check_address
from exante_tui.core.errors import Conflict, ErrorDetail, ValidationFailed
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Provider


def _checked_email(email: str) -> str:
    try:
        return bare_address(check_address(email))
    except ValueError as exc:
        raise ValidationFailed(
            "The account address is not valid.", [ErrorDetail("email", str(exc))]
        ) from None


class Accounts:
    """Adds accounts to a store; tokens go to the config dir, never into the database."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def add_outbox(self, email: str, display_name: str = "") -> Account:
        """An offline account whose mail is written as ``.eml`` files."""
        return self._add(_checked_email(email), display_name, Provider.OUTBOX, None)

    def add_gmail_from_token_file(
        self, email: str, token_file: Path, display_name: str = ""
    ) -> Account:
        """A Gmail account authorised by an ``authorized_user`` JSON (``Credentials.to_json()``).

        Importing again for a connected address replaces its token (this is how to reconnect).
        """
        from exante_tui.providers.auth import TokenFileError, import_token

        address = _checked_email(email)
        with self.store.session() as session:
            existing = session.exec(select(Account).where(Account.email == address)).first()
        account_id = existing.id if existing else uuid.uuid4()
        try:
            path = import_token(token_file, self.settings.tokens_dir, account_id)
        except (TokenFileError, OSError) as exc:
            raise ValidationFailed(
                "The token file cannot be used.", [ErrorDetail("token_file", str(exc))]
            ) from None
        if existing is None:
            account = Account(id=account_id, email=address)
            return self._add(address, display_name, Provider.GMAIL, str(path), account)
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
