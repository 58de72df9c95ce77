"""The transport protocol the send core talks to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Protocol

from exante_tui.mail.headers import READ_POLICY

ProgressCallback = Callable[[int, int], None]
"""Called with (bytes sent, total bytes) while a large message uploads."""


@dataclass(frozen=True)
class Delivery:
    """What the provider says about a message it accepted."""

    provider_message_id: str
    provider_thread_id: str
    rfc_message_id: str | None = None
    """The Message-ID the provider kept (Gmail may replace ours); None if unknown."""


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID header of an RFC 5322 message, reading only its header block."""
    end = raw.find(b"\r\n\r\n")
    head = raw if end < 0 else raw[: end + 4]
    value = BytesHeaderParser(policy=READ_POLICY).parsebytes(head)["Message-ID"]
    return str(value) if value else None


class TransportError(Exception):
    """The provider refused or failed the send; ``status`` is the HTTP status if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransportAuthError(TransportError):
    """The account's credentials are missing, expired or revoked."""


class TransportAmbiguous(TransportError):
    """The send may or may not have gone out, and the provider could not say which."""


class Transport(Protocol):
    """Delivers one RFC 5322 message, threaded when ``thread_id`` is given."""

    def send(
        self,
        raw: bytes,
        *,
        thread_id: str | None,
        progress: ProgressCallback | None = None,
        message_id: str | None = None,
    ) -> Delivery:
        """Send ``raw`` and return the provider's identifiers, or raise ``TransportError``.

        ``message_id`` is ``raw``'s Message-ID when the caller knows it (else it is read
        from ``raw``'s headers).

        ``TransportAmbiguous`` means the message may have gone out; any other
        ``TransportError`` means it certainly did not.
        """
        ...

    def find_sent(self, rfc_message_id: str) -> Delivery | None:
        """The sent message with this Message-ID, or None if the provider has none.

        Raises ``TransportError`` when it cannot tell.
        """
        ...
