"""Small builders for test data that the store does not get from a sync yet."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from exante_tui.services import Services
from exante_tui.store.models import Account, Conversation, EmailMessage
from exante_tui.store.raw_messages import load_raw_message
from fakes.gmail_server import DEFAULT_TOKEN

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_thread(
    services: Services,
    owner: Account,
    *,
    thread_id: str | None = "thread-abc",
    owner_email: str | None = None,
    message_ids: tuple[str | None, ...] = ("<first@contoso.example>", "<second@contoso.example>"),
    subject: str = "Invoice INV-2024-001",
    sender: str = "Maria Garcia <maria@contoso.example>",
) -> tuple[Conversation, list[EmailMessage]]:
    """A conversation owned by ``owner`` whose messages form one References chain."""
    with services.store.session() as session:
        conversation = Conversation(
            account_id=owner.id,
            subject=subject,
            gmail_thread_id=thread_id,
            owner_email=owner.email if owner_email is None else owner_email,
            last_message_at=T0,
        )
        session.add(conversation)
        messages, chain = [], []
        for n, message_id in enumerate(message_ids):
            message = EmailMessage(
                conversation_id=conversation.id,
                rfc_message_id=message_id,
                in_reply_to=chain[-1] if chain else None,
                references=" ".join(chain) or None,
                from_address=sender,
                to=[owner.email],
                subject=subject if n == 0 else f"Re: {subject}",
                date=T0 + timedelta(hours=n),
                body_text=f"message {n}",
            )
            session.add(message)
            messages.append(message)
            if message_id:
                chain.append(message_id)
    return conversation, messages


def b64(data: bytes) -> str:
    """Standard padded base64 text, as the seed's ``data_base64`` wants."""
    return base64.b64encode(data).decode()


def write_token_file(
    path: Path, token: str = DEFAULT_TOKEN, refresh_token: str | None = "refresh-secret-value"
) -> Path:
    """An authorized-user JSON as ``Credentials.to_json()`` writes it (valid, unexpired)."""
    path.write_text(
        json.dumps(
            {
                "token": token,
                "refresh_token": refresh_token,
                "client_id": "client-id.apps.googleusercontent.com",
                "client_secret": "client-secret-value",
                "token_uri": "http://127.0.0.1:9/token",
                "expiry": "2099-01-01T00:00:00Z",
                "scopes": ["https://www.googleapis.com/auth/gmail.compose"],
            }
        )
    )
    return path


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a condition another process or thread brings about (bounded)."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        tick.wait(0.01)


def stored_raw(services: Services, record_id: uuid.UUID) -> bytes:
    """The bytes the store keeps for an outbound email (what a retry would resend)."""
    with services.store.session() as session:
        raw = load_raw_message(session, record_id)
    assert raw is not None, f"no stored message for {record_id}"
    return raw


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
