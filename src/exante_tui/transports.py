"""Pick the transport for an account: Gmail for ``gmail``, ``.eml`` files for ``outbox``.

Wiring between the store's accounts and the providers, so neither has to know the other
(docs/architecture.md, "Layers").
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from exante_tui.config import Settings
from exante_tui.providers.base import Transport, TransportAuthError
from exante_tui.providers.outbox import OutboxTransport
from exante_tui.store.models import Account, Provider

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials


def gmail_credentials(account: Account, settings: Settings) -> Credentials:
    """The account's OAuth credentials, refreshed if expired; ``TransportAuthError`` if none."""
    from exante_tui.providers.tokens import load_credentials

    if account.provider != Provider.GMAIL or not account.token_path:
        raise TransportAuthError(f"account {account.email} has no stored token")
    return load_credentials(Path(account.token_path), token_uri=settings.oauth_token_uri)


def transport_for(account: Account, settings: Settings) -> Transport:
    """The transport that sends as ``account``; raises ``TransportAuthError`` without a token."""
    if account.provider == Provider.OUTBOX:
        return OutboxTransport(settings.outbox_dir)
    from exante_tui.providers.gmail import GmailTransport
    from exante_tui.providers.pacing import bucket_for

    return GmailTransport(
        gmail_credentials(account, settings),
        endpoint=settings.gmail_endpoint,
        timeout=settings.gmail_timeout,
        retry_base_delay=settings.gmail_retry_base_delay,
        bucket=bucket_for(account.id, settings.gmail_quota),
    )


class TransportCache:
    """Reuses each account's transport within a thread: one Gmail service, one connection.

    Per thread because ``httplib2.Http`` is not thread-safe; rebuilt when the account's
    token file changes (reconnected or refreshed by another process).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()

    def __call__(self, account: Account) -> Transport:
        cache: dict[uuid.UUID, tuple[tuple[object, ...], Transport]]
        cache = self._local.__dict__.setdefault("transports", {})
        key = (account.provider, account.token_path, _modified(account.token_path))
        cached = cache.get(account.id)
        if cached is not None and cached[0] == key:
            return cached[1]
        transport = transport_for(account, self.settings)
        cache[account.id] = (key, transport)
        return transport


def _modified(path: str | None) -> int | None:
    try:
        return Path(path).stat().st_mtime_ns if path else None
    except OSError:
        return None
