"""The one send path: route, validate, dedupe, record, send, finish.

docs/architecture.md, "The send lifecycle", walks through it.

Exactly once: the ``pending`` record (unique per idempotency key and per draft) is
committed before Gmail is called, and a record whose outcome is in doubt (the process
died, or Gmail failed ambiguously) is settled by looking for its Message-ID in the
account's mailbox (:meth:`SendCore.reconcile_record`) before anything is sent again.
The records themselves are kept by :mod:`exante_tui.core.records`; the crash hooks tests
use are in :mod:`exante_tui.core.crash`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.headerregistry import Address
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from exante_tui.core.attachments import (
    attachment_size_details,
    check_attachment_sizes,
    check_message_size,
)
from exante_tui.core.contract import ComposedFields, SendRequest, SendResponse
from exante_tui.core.crash import crash_point
from exante_tui.core.drafts import draft_fields
from exante_tui.core.html_text import html_to_text
from exante_tui.core.mime import (
    Attachment,
    Base64Text,
    OutgoingMessage,
    build_message,
    new_message_id,
)
from exante_tui.core.parse_back import check_built_message
from exante_tui.core.records import (
    OutboundRecords,
    Outgoing,
    add_record,
    by_draft,
    by_key,
    replay,
    replay_keyed,
)
from exante_tui.core.replies import ReplyContext, resolve_reply
from exante_tui.core.text_fields import header_problem
from exante_tui.core.validation import (
    mode_details,
    parse_model,
    parse_send_request,
    request_hash,
)
from exante_tui.errors import (
    AuthFailure,
    ErrorDetail,
    NotFound,
    ProviderFailure,
    ValidationFailed,
)
from exante_tui.providers.base import (
    ProgressCallback,
    Transport,
    TransportAmbiguous,
    TransportAuthError,
    TransportError,
)
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Draft, DraftAttachment, OutboundEmail, SendStatus
from exante_tui.store.types import utcnow

TransportFactory = Callable[[Account], Transport]
STALE_AFTER = timedelta(minutes=15)
"""How long a send may run: a record ``pending`` for longer belongs to a dead process."""


@dataclass
class PreparedSend:
    """A validated message, its sender and its threading, ready to record and send."""

    account: Account
    message: OutgoingMessage
    reply: ReplyContext | None
    fields: ComposedFields
    attachment_meta: list[dict[str, object]]

    @property
    def thread_id(self) -> str | None:
        """The Gmail thread a reply goes out in; None for fresh mail."""
        return self.reply.thread_id if self.reply else None

    @property
    def bodies(self) -> tuple[str, str | None]:
        """The text and HTML bodies as sent (the text generated from HTML when absent)."""
        html = self.message.body_html
        text = self.message.body_text
        if text is None:
            text = html_to_text(html) if html is not None else ""
        return text, html


class SendCore:
    """Sends mail for every front end; holds the store and how to reach each account."""

    def __init__(
        self,
        store: Store,
        transport_for: TransportFactory,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.transport_for = transport_for
        self.clock = clock
        self.records = OutboundRecords(store, clock)

    # -- entry points -----------------------------------------------------------------

    def send(
        self, request: SendRequest | dict[str, Any], progress: ProgressCallback | None = None
    ) -> SendResponse:
        """Send as the seed's ``POST /api/email/send`` does; raise a ``SendError`` otherwise."""
        if not isinstance(request, SendRequest):
            request = parse_send_request(request)
        if request.draft_uid is not None:
            return self._send_draft(request.draft_uid, progress)
        digest = request_hash(request)
        key = request.idempotency_key
        attachments = self._attachments_of(request)
        try:
            # One session: resolve the sender, look the key up, commit the pending record.
            with self.store.session() as session:
                prepared = self._prepare(session, request, attachments)
                if key is not None:
                    existing = by_key(session, prepared.account.id, key)
                    if existing is not None:
                        return replay_keyed(existing, digest)
                record, raw = self._new_record(prepared, idempotency_key=key, request_hash=digest)
                crash_point("before_record")
                add_record(session, record, raw)
        except IntegrityError:
            existing = self.records.find_by_key(prepared.account.id, key or "")
            if existing is None:
                raise
            return replay_keyed(existing, digest)
        crash_point("after_record")
        return self._deliver(_just_recorded(record, raw, prepared), prepared.account, progress)

    def retry(
        self, outbound_email_uid: uuid.UUID, progress: ProgressCallback | None = None
    ) -> SendResponse:
        """Send a record again: same record, same bytes, same Message-ID.

        A ``failed`` record is resent; an ``unknown`` or stale ``pending`` one is first
        looked for in the account's mailbox and resent only if it is certainly not there.
        """
        record, account = self._reconcile(outbound_email_uid, STALE_AFTER)
        if record.status != SendStatus.FAILED:
            return replay(record)
        if not self.records.claim(record):
            return replay(self.records.load(record.id)[0])
        return self._deliver(self.records.stored(record.id), account, progress)

    def reconcile_record(
        self, outbound_email_uid: uuid.UUID, *, stale_after: timedelta = STALE_AFTER
    ) -> OutboundEmail:
        """Settle an ``unknown`` record, or a ``pending`` one older than ``stale_after``.

        Its Message-ID is looked for in the account's mailbox: found, the record is
        ``sent`` with Gmail's ids; not found, ``failed`` (Gmail never got it); Gmail
        cannot say, ``unknown``. Never sends. Returns the record as it now stands.
        """
        return self._reconcile(outbound_email_uid, stale_after)[0]

    def _reconcile(
        self, outbound_email_uid: uuid.UUID, stale_after: timedelta
    ) -> tuple[OutboundEmail, Account]:
        """:meth:`reconcile_record`, also giving the record's account."""
        record, account = self.records.load(outbound_email_uid)
        pending_since = record.attempted_at or record.created_at
        if record.status not in (SendStatus.PENDING, SendStatus.UNKNOWN) or (
            record.status == SendStatus.PENDING and self.clock() - pending_since < stale_after
        ):
            return record, account
        try:
            found = self.transport_for(account).find_sent(record.rfc_message_id)
        except TransportError as exc:
            note = f"could not look for it in the mailbox: {exc}"
            self.records.settle(record, SendStatus.UNKNOWN, record.error or note)
        else:
            if found is not None:
                self.records.settle(record, SendStatus.SENT, None, found, account)
            else:
                note = "not in the mailbox: Gmail never got it"
                error = f"{record.error} ({note})" if record.error else note
                self.records.settle(record, SendStatus.FAILED, error)
        return self.records.load(record.id)[0], account

    # -- draft mode ---------------------------------------------------------------------

    def check_draft(self, draft_uid: uuid.UUID) -> None:
        """Raise the ``SendError`` sending the draft now would, without sending it."""
        with self.store.session() as session:
            prepared = self._prepare_draft(session, self._load_draft(session, draft_uid))
        self._new_record(prepared)  # builds the message and checks its whole size

    def _send_draft(self, draft_uid: uuid.UUID, progress: ProgressCallback | None) -> SendResponse:
        with self.store.session() as session:
            draft = self._load_draft(session, draft_uid)
            existing = by_draft(session, draft_uid)
            if existing is not None and existing.status != SendStatus.FAILED:
                return replay(existing)
            prepared = self._prepare_draft(session, draft)
        if existing is not None:
            if not self.records.claim(existing):
                return replay(existing)
            # The draft may have been edited since it failed: same record, same Message-ID.
            message = replace(prepared.message, message_id=existing.rfc_message_id)
            fresh, raw = self._new_record(replace(prepared, message=message))
            self.records.refresh(existing.id, fresh, raw)
            outgoing = self.records.stored(existing.id, prepared.bodies)
            return self._deliver(outgoing, prepared.account, progress)
        record, raw = self._new_record(prepared, draft_uid=draft_uid)
        try:
            self.records.insert(record, raw)
        except IntegrityError:
            other = self.records.find_by_draft(draft_uid)
            assert other is not None  # the constraint that refused ours is the other's
            return replay(other)
        return self._deliver(_just_recorded(record, raw, prepared), prepared.account, progress)

    @staticmethod
    def _load_draft(session: Session, draft_uid: uuid.UUID) -> Draft:
        draft = session.get(Draft, draft_uid)
        if draft is None:
            raise NotFound(
                "The draft does not exist.", [ErrorDetail("draft_uid", f"no draft {draft_uid}")]
            )
        return draft

    def _prepare_draft(self, session: Session, draft: Draft) -> PreparedSend:
        """Check the draft, every problem at once (sizes too), and prepare its message."""
        fields = draft_fields(draft)
        attachments = session.exec(
            select(DraftAttachment)
            .where(DraftAttachment.draft_id == draft.id)
            .order_by(col(DraftAttachment.position))
        ).all()
        decoded = [Attachment(a.filename, a.content_type, a.data) for a in attachments]
        # A draft goes as saved: its subject may be empty (the composer asks first).
        problems = [d for d in mode_details(fields) if d.field != "subject"]
        problems += attachment_size_details(decoded)
        try:
            checked = parse_model(ComposedFields, fields, problems)
        except ValidationFailed as exc:
            exc.message = "The draft is not ready to send."
            raise
        return self._prepare(session, checked, decoded)

    # -- preparation ----------------------------------------------------------------------

    @staticmethod
    def _attachments_of(request: ComposedFields) -> list[Attachment]:
        """The request's attachments, left in base64 until the message is built."""
        return [
            Attachment(a.filename, a.content_type, Base64Text(a.data_base64))
            for a in request.attachments or []
        ]

    def _prepare(
        self, session: Session, fields: ComposedFields, attachments: list[Attachment]
    ) -> PreparedSend:
        """Resolve the sender and threading, build the message and check its size."""
        reply = None
        if fields.reply_to_message_uid is not None:
            reply = resolve_reply(session, fields.reply_to_message_uid)
            account = reply.account
        else:
            assert fields.from_account_id is not None  # checked by validation
            found = session.get(Account, fields.from_account_id)
            if found is None:
                raise NotFound(
                    "The sending account does not exist.",
                    [ErrorDetail("from_account_id", f"no account {fields.from_account_id}")],
                )
            account = found
        check_attachment_sizes(attachments)
        sender = sender_address(account, "reply_to_message_uid" if reply else "from_account_id")
        message = OutgoingMessage(
            from_address=sender,
            to=list(fields.to or []),
            cc=list(fields.cc or []),
            bcc=list(fields.bcc or []),
            subject=fields.subject or "",
            message_id=new_message_id(account.email),
            date=self.clock(),
            body_text=fields.body_text,
            body_html=fields.body_html,
            attachments=attachments,
            in_reply_to=reply.in_reply_to if reply else None,
            references=reply.references if reply else None,
        )
        meta: list[dict[str, object]] = [
            {"filename": a.filename, "content_type": a.content_type, "size": len(a.data)}
            for a in attachments
        ]
        session.expunge(account)
        return PreparedSend(account, message, reply, fields, meta)

    def _new_record(
        self,
        prepared: PreparedSend,
        *,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
        draft_uid: uuid.UUID | None = None,
    ) -> tuple[OutboundEmail, bytes]:
        """A ``pending`` record for ``prepared`` and the message's bytes."""
        message, fields = prepared.message, prepared.fields
        raw = build_message(message)
        check_built_message(raw, message)
        check_message_size(raw, message.attachments)
        record = OutboundEmail(
            account_id=prepared.account.id,
            from_address=message.from_address,
            to=message.to,
            cc=message.cc,
            bcc=message.bcc,
            subject=message.subject,
            rfc_message_id=message.message_id,
            status=SendStatus.PENDING,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            draft_uid=draft_uid,
            reply_to_message_uid=fields.reply_to_message_uid,
            context_type=fields.context_type,
            context_id=fields.context_id,
            attachments=prepared.attachment_meta,
            attempts=1,
            created_at=self.clock(),
            attempted_at=self.clock(),
        )
        return record, raw

    # -- delivery ---------------------------------------------------------------------------

    def _deliver(
        self, outgoing: Outgoing, account: Account, progress: ProgressCallback | None
    ) -> SendResponse:
        """Hand the recorded bytes to the transport and settle the record."""
        record_id, raw = outgoing.record_id, outgoing.raw
        try:
            transport = self.transport_for(account)
            delivery = transport.send(
                raw,
                thread_id=outgoing.thread_id,
                progress=progress,
                message_id=outgoing.message_id,
            )
        except TransportAuthError as exc:
            self.records.fail(record_id, str(exc))
            raise AuthFailure(
                f"Account {account.email} needs to be reconnected: {exc}. Run "
                f"`exante-tui accounts add --email {account.email}` to connect it again.",
                outbound_email_uid=record_id,
            ) from exc
        except TransportAmbiguous as exc:
            self.records.fail(record_id, str(exc), SendStatus.UNKNOWN)
            raise ProviderFailure(
                f"Gmail may or may not have sent the message: {exc}. It is marked unknown "
                "and not resent automatically; `exante-tui reconcile` settles it.",
                outbound_email_uid=record_id,
            ) from exc
        except TransportError as exc:
            self.records.fail(record_id, str(exc))
            raise ProviderFailure(
                f"Gmail did not send the message: {exc}", outbound_email_uid=record_id
            ) from exc
        except Exception as exc:
            self.records.fail(record_id, f"unexpected error: {exc!r}", SendStatus.UNKNOWN)
            raise ProviderFailure(
                f"The send failed unexpectedly, perhaps after Gmail took it: {exc}",
                outbound_email_uid=record_id,
            ) from exc
        crash_point("after_response")
        return self.records.finish(outgoing, delivery, account)


def sender_address(account: Account, field: str) -> str:
    """The From mailbox, the display name quoted as needed; one stored before the header
    rule held (a line break, say) is refused rather than written into a header."""
    name = account.display_name or ""
    problem = header_problem(name)
    if problem is not None:
        raise ValidationFailed(
            f"The display name of {account.email} cannot be sent.",
            [ErrorDetail(field, f"the account's display name {problem}")],
        )
    return str(Address(display_name=name, addr_spec=account.email)) if name else account.email


def _just_recorded(record: OutboundEmail, raw: bytes, prepared: PreparedSend) -> Outgoing:
    """The attempt for a record (and its bytes) just committed for ``prepared``."""
    return Outgoing(
        record.id, raw, record.rfc_message_id, prepared.thread_id, prepared.bodies, record
    )
