"""Pick the transport for an account: Gmail for ``gmail``, ``.eml`` files for ``outbox``."""

from __future__ import annotations

from pathlib import Path

from exante_tui.config import Settings
from exante_tui.providers.base import Transport, TransportAuthError
from exante_tui.providers.outbox import OutboxTransport
from exante_tui.store.models import Account, Provider


def transport_for(account: Account, settings: Settings) -> Transport:
    """The transport that sends as ``account``; raises ``TransportAuthError`` without a token."""
    if account.provider == Provider.OUTBOX:
        return OutboxTransport(settings.outbox_dir)
    from exante_tui.providers.auth import load_credentials
    from exante_tui.providers.gmail import GmailTransport

    if not account.token_path:
        raise TransportAuthError(f"account {account.email} has no stored token")
    return GmailTransport(
        load_credentials(Path(account.token_path)),
        endpoint=settings.gmail_endpoint,
        timeout=settings.gmail_timeout,
        retry_base_delay=settings.gmail_retry_base_delay,
    )
