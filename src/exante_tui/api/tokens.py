"""Bearer tokens of the HTTP API: create (shown once), list, revoke, verify, and their scope.

Only ``sha256(token)`` is stored. A token may be limited to some sending accounts; for a
reply the sending account is the conversation's owner inbox, for a draft the draft's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from exante_tui.api.errors import Forbidden
from exante_tui.core.addresses import bare_address, check_address
from exante_tui.core.contract import ComposedFields
from exante_tui.core.replies import resolve_reply
from exante_tui.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from exante_tui.store.api_tokens import ApiToken
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Draft
from exante_tui.store.types import utcnow

TOKEN_PREFIX = "ext_"
MAX_NAME_LENGTH = 100


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256 as hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is its only appearance; ``record`` is what the store keeps."""

    token: str
    record: ApiToken


class ApiTokens:
    """The store's API tokens."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, name: str, accounts: Sequence[str] = ()) -> IssuedToken:
        """A new token named ``name``, limited to ``accounts`` (connected addresses) if any."""
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise ValidationFailed(
                "The token name is not valid.",
                [ErrorDetail("name", f"must be 1 to {MAX_NAME_LENGTH} characters")],
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.store.session() as session:
            record = ApiToken(
                name=name,
                token_hash=hash_token(token),
                accounts=self._connected(session, accounts),
                created_at=utcnow(),
            )
        try:
            with self.store.session() as session:
                session.add(record)
        except IntegrityError:
            raise Conflict(
                f"A token named {name!r} already exists (revoked names stay taken).",
                [ErrorDetail("name", "already used; choose another name")],
            ) from None
        return IssuedToken(token, record)

    def all_tokens(self) -> list[ApiToken]:
        """Every token, revoked ones included, oldest first."""
        with self.store.session() as session:
            return list(session.exec(select(ApiToken).order_by(col(ApiToken.created_at))).all())

    def revoke(self, name: str) -> ApiToken:
        """Revoke the token named ``name`` at once; revoking twice keeps the first time."""
        with self.store.session() as session:
            record = session.exec(select(ApiToken).where(ApiToken.name == name)).first()
            if record is None:
                raise NotFound("No such token.", [ErrorDetail("name", f"no token named {name!r}")])
            if record.revoked_at is None:
                record.revoked_at = utcnow()
            return record

    def verify(self, token: str) -> ApiToken | None:
        """The live token matching ``token``, compared in constant time; None if none does."""
        presented = hash_token(token)
        with self.store.session() as session:
            live = session.exec(select(ApiToken).where(col(ApiToken.revoked_at).is_(None))).all()
        found = None
        for record in live:
            if hmac.compare_digest(record.token_hash, presented):
                found = record
        return found

    def check_scope(self, token: ApiToken, request: ComposedFields) -> None:
        """Raise ``Forbidden`` when ``token`` may not send from the request's account."""
        if not token.accounts:
            return
        with self.store.session() as session:
            sender = _sending_address(session, request)
        if sender is not None and sender[1] not in token.accounts:
            field, address = sender
            raise Forbidden(
                f"This API token may not send from {address}.",
                [ErrorDetail(field, f"the token is limited to {', '.join(token.accounts)}")],
                challenge='Bearer error="insufficient_scope"',
            )

    @staticmethod
    def _connected(session: Session, accounts: Sequence[str]) -> list[str]:
        """The addresses, lowercased and deduplicated; each must be a connected account."""
        found: list[str] = []
        details = []
        for index, value in enumerate(accounts):
            try:
                address = bare_address(check_address(value))
            except ValueError as exc:
                details.append(ErrorDetail(f"accounts[{index}]", str(exc)))
                continue
            if session.exec(select(Account).where(Account.email == address)).first() is None:
                details.append(ErrorDetail(f"accounts[{index}]", "is not a connected account"))
            elif address not in found:
                found.append(address)
        if details:
            raise ValidationFailed("The token's accounts are not valid.", details)
        return found


def _sending_address(session: Session, request: ComposedFields) -> tuple[str, str] | None:
    """The field that decides the sender and the sender's address (a send or a new draft).

    None when the sender cannot be found; the send core then refuses the request itself.
    """
    draft_uid = getattr(request, "draft_uid", None)
    if draft_uid is not None:
        draft = session.get(Draft, draft_uid)
        if draft is None:
            return None
        field, reply_uid, account_id = "draft_uid", draft.reply_to_message_uid, draft.account_id
    elif request.reply_to_message_uid is not None:
        field, reply_uid, account_id = "reply_to_message_uid", request.reply_to_message_uid, None
    else:
        field, reply_uid, account_id = "from_account_id", None, request.from_account_id
    if reply_uid is not None:
        return field, resolve_reply(session, reply_uid).account.email
    account = session.get(Account, account_id) if account_id is not None else None
    return (field, account.email) if account is not None else None
