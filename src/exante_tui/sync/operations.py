"""What front ends call: sync accounts, fetch or save a received attachment.

Both are synchronous and UI-free; the TUI runs them in a thread worker. Failures are the
core's errors: ``auth_error`` (naming the account and the command that reconnects it),
``provider_error``, ``not_found``, ``validation_error``, ``conflict``.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import select

from exante_tui.core.accounts import reconnect_failure
from exante_tui.core.mime import Attachment
from exante_tui.errors import (
    Conflict,
    ErrorDetail,
    ExanteError,
    NotFound,
    ProviderFailure,
    ValidationFailed,
)
from exante_tui.private_files import open_new
from exante_tui.providers.base import TransportAuthError, TransportError
from exante_tui.providers.pacing import bucket_for
from exante_tui.providers.policy import DEFAULT_BATCH_SIZE, GmailPolicy
from exante_tui.services import Services
from exante_tui.store.models import (
    Account,
    Conversation,
    EmailMessage,
    Provider,
    ReceivedAttachment,
)
from exante_tui.sync.gmail import DEFAULT_MAX_THREADS, AccountSync, GmailSync, ProgressCallback
from exante_tui.sync.parse import decode_data

AttachmentProgress = Callable[[int, int, str], None]
"""``progress(done, total, filename)`` while a message's attachments are fetched."""

_running: set[uuid.UUID] = set()
_running_lock = threading.Lock()


@dataclass
class SyncReport:
    """One :class:`AccountSync` per account synced, in order."""

    accounts: list[AccountSync] = field(default_factory=list)

    @property
    def errors(self) -> list[ExanteError]:
        """The failures, one per failed account."""
        return [result.error for result in self.accounts if result.error is not None]


def run_sync(
    services: Services,
    account_email: str | None = None,
    max_threads: int = DEFAULT_MAX_THREADS,
    progress: ProgressCallback | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> SyncReport:
    """Sync ``account_email``, or every Gmail account, into the store.

    One account failing does not stop the others: its ``AccountSync.error`` says why.
    Raises ``NotFound``/``ValidationFailed`` for an unknown or non-Gmail ``account_email``.
    """
    if max_threads < 1:
        raise ValidationFailed(
            "Nothing to sync.", [ErrorDetail("max_threads", "must be at least 1")]
        )
    report = SyncReport()
    for account in _gmail_accounts(services, account_email):
        try:
            with _exclusive(account), _gmail_errors(account.email, "Sync"):
                service, gmail = _open(services, account, batch_size)
                engine = GmailSync(services.store, account, service, gmail)
                report.accounts.append(engine.run(max_threads=max_threads, progress=progress))
        except ExanteError as error:
            report.accounts.append(AccountSync(account.email, error=error))
    return report


def save_attachment(
    services: Services,
    message_uid: uuid.UUID,
    index: int,
    path: Path,
    *,
    overwrite: bool = False,
) -> Path:
    """Write attachment ``index`` (0-based) of a stored message to ``path``, fetching it
    from Gmail first if it was never downloaded.

    A directory ``path`` receives the attachment under its own file name. Returns the file
    written; an existing file is replaced only with ``overwrite``.
    """
    if "\x00" in str(path):
        raise ValidationFailed("The path is not valid.", [ErrorDetail("path", "contains NUL")])
    message = _message(services, message_uid)
    _check_index(message, index)
    name = str(message.attachments[index].get("filename") or "")
    target = path / safe_name(name, index) if path.is_dir() else path
    if target.exists() and not overwrite:
        raise Conflict(f"{target} already exists.", [ErrorDetail("path", "file exists")])
    _write(target, attachment_data(services, message_uid, index))
    return target


def attachment_data(services: Services, message_uid: uuid.UUID, index: int) -> bytes:
    """The bytes of attachment ``index`` of a stored message: from the store when it was
    downloaded before (or filed with its bytes, as the offline demo's are), else fetched
    from Gmail and kept in the store for next time."""
    message = _message(services, message_uid)
    _check_index(message, index)
    with services.store.session() as session:
        stored = session.get(ReceivedAttachment, (message_uid, index))
        if stored is not None:
            return stored.data
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None  # enforced by the foreign key
        account = session.get(Account, conversation.account_id)
        assert account is not None
    attachment_id = message.attachments[index].get("gmail_attachment_id")
    if not (attachment_id and message.gmail_message_id and account.provider == Provider.GMAIL):
        raise ValidationFailed(
            "This attachment is not in Gmail yet; run `exante-tui sync` first.",
            [ErrorDetail("index", "no Gmail attachment id")],
        )
    with _gmail_errors(account.email, "Fetching the attachment"):
        service, gmail = _open(services, account, 1)
        request = (
            service.users()
            .messages()
            .attachments()
            .get(userId="me", messageId=message.gmail_message_id, id=attachment_id)
        )
        data = decode_data(gmail.execute(request).get("data") or "")
    with services.store.session() as session:
        session.merge(ReceivedAttachment(message_id=message_uid, position=index, data=data))
    return data


def message_attachments(
    services: Services, message_uid: uuid.UUID, progress: AttachmentProgress | None = None
) -> list[Attachment]:
    """Every attachment of a stored message, ready to attach again (a forward), each
    fetched as :func:`attachment_data` does; ``progress(done, total, filename)`` after each."""
    message = _message(services, message_uid)
    found = []
    total = len(message.attachments)
    for index, meta in enumerate(message.attachments):
        filename = str(meta.get("filename") or f"attachment-{index}")
        content_type = str(meta.get("content_type") or "application/octet-stream")
        found.append(
            Attachment(filename, content_type, attachment_data(services, message_uid, index))
        )
        if progress is not None:
            progress(index + 1, total, filename)
    return found


def _message(services: Services, message_uid: uuid.UUID) -> EmailMessage:
    with services.store.session() as session:
        message = session.get(EmailMessage, message_uid)
    if message is None:
        raise NotFound("No such message.", [ErrorDetail("message_uid", str(message_uid))])
    return message


def _check_index(message: EmailMessage, index: int) -> None:
    if not 0 <= index < len(message.attachments):
        raise NotFound(
            f"The message has {len(message.attachments)} attachments.",
            [ErrorDetail("index", f"no attachment {index}")],
        )


def _gmail_accounts(services: Services, email: str | None) -> list[Account]:
    with services.store.session() as session:
        query = select(Account).order_by(Account.email)
        if email is not None:
            query = query.where(Account.email == email.strip().lower())
        accounts = list(session.exec(query))
    if email is None:
        return [account for account in accounts if account.provider == Provider.GMAIL]
    if not accounts:
        raise NotFound(f"No connected account {email}.", [ErrorDetail("account", email)])
    if accounts[0].provider != Provider.GMAIL:
        raise ValidationFailed(
            f"{email} is an offline account; only Gmail accounts sync.",
            [ErrorDetail("account", "not a Gmail account")],
        )
    return accounts


@contextmanager
def _exclusive(account: Account) -> Iterator[None]:
    """One sync per account at a time within this process."""
    with _running_lock:
        if account.id in _running:
            raise Conflict(
                f"A sync of {account.email} is already running.",
                [ErrorDetail("account", account.email)],
            )
        _running.add(account.id)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(account.id)


@contextmanager
def _gmail_errors(email: str, action: str) -> Iterator[None]:
    """Transport failures as the core's errors; an auth failure says how to reconnect."""
    try:
        yield
    except TransportAuthError as exc:
        raise reconnect_failure(email, str(exc)) from None
    except TransportError as exc:
        raise ProviderFailure(f"{action} of {email} failed: {exc}") from None


def _open(services: Services, account: Account, batch_size: int) -> tuple[Any, GmailPolicy]:
    """A Gmail service for ``account`` and its policy (credentials refreshed if due)."""
    from exante_tui.providers.gmail import batch_uri, build_service
    from exante_tui.transports import gmail_credentials

    settings = services.settings
    service = build_service(
        gmail_credentials(account, settings),
        endpoint=settings.gmail_endpoint,
        timeout=settings.gmail_timeout,
    )
    gmail = GmailPolicy(
        bucket_for(account.id, settings.gmail_quota),
        batch_uri=batch_uri(settings.gmail_endpoint),
        batch_size=batch_size,
        retry_base_delay=settings.gmail_retry_base_delay,
    )
    return service, gmail


_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_NAME_BYTES = 255
"""The longest file name Linux and macOS file systems accept."""


def safe_name(filename: str, index: int) -> str:
    """A stranger's attachment name as a local file name: its base name only, no control
    characters (NUL included), no dot-name, at most 255 bytes with its extension kept."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_IN_NAMES.sub("", name).strip()
    if not name or name in {".", ".."}:
        return f"attachment-{index}"
    if len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, suffix = name.rpartition(".")
        if not dot or len(suffix.encode()) > 16:
            stem, suffix = name, ""
        ending = f".{suffix}" if suffix else ""
        room = MAX_NAME_BYTES - len(ending.encode())
        name = stem.encode()[:room].decode(errors="ignore") + ending
    return name


def _write(target: Path, data: bytes) -> None:
    """Write ``data`` atomically: a new 0600 temp file beside ``target``, then a rename.

    The temp file is created exclusively and never through a link: a ``.NAME.part`` link
    planted beforehand is removed (the link, not what it points at), not written through.
    """
    stem = target.name.encode()[: MAX_NAME_BYTES - 6].decode(errors="ignore")
    partial = target.with_name(f".{stem}.part")
    try:
        try:
            fd = open_new(partial)
        except FileExistsError:
            partial.unlink()  # a leftover or a planted link: removing it touches no target
            fd = open_new(partial)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, target)
    except OSError as exc:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ValidationFailed(
            f"Cannot write {target}.", [ErrorDetail("path", exc.strerror or str(exc))]
        ) from None
