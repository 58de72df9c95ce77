"""The one send path of DESIGN §4: route, validate, dedupe, record, send, finish.

Exactly once: the ``pending`` record (unique per idempotency key and per draft) is
committed before Gmail is called, and a record whose outcome is in doubt (the process
died, or Gmail failed ambiguously) is settled by looking for its Message-ID in the
account's mailbox (:meth:`SendCore.reconcile_record`) before anything is sent again.

Crash hooks for tests: with ``EXANTE_CRASH_AT=<step>`` in the environment the process
kills itself (SIGKILL, as ``kill -9``) when it reaches that step: ``before_record``,
``after_record``, ``after_response`` (Gmail answered) or ``before_status_update``
(the outcome is written but not committed). Unset, a hook is one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Update, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from exante_tui.core.attachments import check_attachment_sizes, check_message_size
from exante_tui.core.contract import ComposedFields, SendRequest, SendResponse
from exante_tui.core.drafts import draft_fields
from exante_tui.core.errors import (
    AuthFailure,
    Conflict,
    ErrorDetail,
    NotFound,
    ProviderFailure,
    ValidationFailed,
)
from exante_tui.core.history import bodies_of, record_sent_message
from exante_tui.core.mime import (
    Attachment,
    Base64Text,
    OutgoingMessage,
    build_message,
    html_to_text,
    new_message_id,
)
from exante_tui.core.replies import ReplyContext, resolve_reply
from exante_tui.core.validation import (
    mode_details,
    parse_model,
    parse_send_request,
    request_hash,
)
from exante_tui.providers.base import (
    Delivery,
    ProgressCallback,
    Transport,
    TransportAmbiguous,
    TransportAuthError,
    TransportError,
)
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Draft, DraftAttachment, OutboundEmail, SendStatus
from exante_tui.store.raw_messages import (
    load_raw_message,
    replace_raw_message,
    save_raw_message,
)
from exante_tui.store.types import utcnow

TransportFactory = Callable[[Account], Transport]
CRASH_ENV = "EXANTE_CRASH_AT"
STALE_AFTER = timedelta(minutes=15)
"""How long a send may run: a record ``pending`` for longer belongs to a dead process."""
_OUTCOME_COLUMNS = (
    "status",
    "error",
    "provider_message_id",
    "provider_thread_id",
    "rfc_message_id",
    "sent_at",
)
_CONTENT_COLUMNS = (
    "account_id",
    "from_address",
    "to",
    "cc",
    "bcc",
    "subject",
    "reply_to_message_uid",
    "context_type",
    "context_id",
    "attachments",
)


@dataclass
class PreparedSend:
    """A validated message, its sender and its threading, ready to record and send."""

    account: Account
    message: OutgoingMessage
    reply: ReplyContext | None
    fields: ComposedFields
    attachment_meta: list[dict[str, object]]

    @property
    def bodies(self) -> tuple[str, str | None]:
        """The text and HTML bodies as sent (the text generated from HTML when absent)."""
        html = self.message.body_html
        text = self.message.body_text
        if text is None:
            text = html_to_text(html) if html is not None else ""
        return text, html


@dataclass(frozen=True)
class Outgoing:
    """One attempt to hand over: the record, its exact bytes and their Message-ID, its
    thread, its bodies.

    ``bodies`` (None: parse them from ``raw``) and ``snapshot`` (the ``pending`` record as
    just committed; None: read it back) save work when the caller has just built them.
    """

    record_id: uuid.UUID
    raw: bytes
    message_id: str
    thread_id: str | None
    bodies: tuple[str, str | None] | None = None
    snapshot: OutboundEmail | None = None

    @classmethod
    def just_recorded(cls, record: OutboundEmail, raw: bytes, prepared: PreparedSend) -> Outgoing:
        """A record (and its bytes) the caller has just committed for ``prepared``."""
        thread_id = prepared.reply.thread_id if prepared.reply else None
        return cls(record.id, raw, record.rfc_message_id, thread_id, prepared.bodies, record)


def response_for(record: OutboundEmail) -> SendResponse:
    """The seed's response body for a record."""
    return SendResponse(
        outbound_email_uid=record.id,
        provider_message_id=record.provider_message_id,
        provider_thread_id=record.provider_thread_id,
        status=str(record.status),
        sent_at=record.sent_at,
    )


def crash_point(step: str) -> None:
    """Kill this process at ``step`` when ``EXANTE_CRASH_AT`` names it (a test hook)."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def replay(record: OutboundEmail) -> SendResponse:
    """The stored outcome of an earlier send: its result, its failure, or "in progress"."""
    if record.status == SendStatus.SENT:
        return response_for(record)
    if record.status == SendStatus.PENDING:
        raise Conflict(
            "A send with this idempotency key (or of this draft) is still in progress.",
            outbound_email_uid=record.id,
        )
    if record.status == SendStatus.UNKNOWN:
        raise ProviderFailure(
            f"The earlier send may or may not have gone out ({record.error}); it is not "
            "resent automatically. Run `exante-tui reconcile` once Gmail is reachable.",
            outbound_email_uid=record.id,
        )
    raise ProviderFailure(f"The earlier send failed: {record.error}", outbound_email_uid=record.id)


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
                    existing = _by_key(session, prepared.account.id, key)
                    if existing is not None:
                        return self._replay_keyed(existing, digest)
                record, raw = self._new_record(prepared, idempotency_key=key, request_hash=digest)
                crash_point("before_record")
                _add_record(session, record, raw)
        except IntegrityError:
            existing = self._find_by_key(prepared.account.id, key or "")
            if existing is None:
                raise
            return self._replay_keyed(existing, digest)
        crash_point("after_record")
        outgoing = Outgoing.just_recorded(record, raw, prepared)
        return self._deliver(outgoing, prepared.account, progress)

    def retry(
        self, outbound_email_uid: uuid.UUID, progress: ProgressCallback | None = None
    ) -> SendResponse:
        """Send a record again: same record, same bytes, same Message-ID.

        A ``failed`` record is resent; an ``unknown`` or stale ``pending`` one is first
        looked for in the account's mailbox and resent only if it is certainly not there.
        """
        record = self.reconcile_record(outbound_email_uid)
        if record.status != SendStatus.FAILED:
            return replay(record)
        if not self._claim(record):
            return replay(self._load(record.id)[0])
        return self._deliver(self._stored(record.id), self._load(record.id)[1], progress)

    def reconcile_record(
        self, outbound_email_uid: uuid.UUID, *, stale_after: timedelta = STALE_AFTER
    ) -> OutboundEmail:
        """Settle an ``unknown`` record, or a ``pending`` one older than ``stale_after``.

        Its Message-ID is looked for in the account's mailbox: found, the record is
        ``sent`` with Gmail's ids; not found, ``failed`` (Gmail never got it); Gmail
        cannot say, ``unknown``. Never sends. Returns the record as it now stands.
        """
        record, account = self._load(outbound_email_uid)
        pending_since = record.attempted_at or record.created_at
        if record.status not in (SendStatus.PENDING, SendStatus.UNKNOWN) or (
            record.status == SendStatus.PENDING and self.clock() - pending_since < stale_after
        ):
            return record
        try:
            found = self.transport_for(account).find_sent(record.rfc_message_id)
        except TransportError as exc:
            note = f"could not look for it in the mailbox: {exc}"
            self._settle(record, SendStatus.UNKNOWN, record.error or note)
        else:
            if found is not None:
                self._settle(record, SendStatus.SENT, None, found, account)
            else:
                note = "not in the mailbox: Gmail never got it"
                error = f"{record.error} ({note})" if record.error else note
                self._settle(record, SendStatus.FAILED, error)
        return self._load(record.id)[0]

    # -- draft mode ---------------------------------------------------------------------

    def _send_draft(self, draft_uid: uuid.UUID, progress: ProgressCallback | None) -> SendResponse:
        with self.store.session() as session:
            draft = session.get(Draft, draft_uid)
            if draft is None:
                raise NotFound(
                    "The draft does not exist.", [ErrorDetail("draft_uid", f"no draft {draft_uid}")]
                )
            existing = session.exec(
                select(OutboundEmail).where(OutboundEmail.draft_uid == draft_uid)
            ).first()
            if existing is not None and existing.status != SendStatus.FAILED:
                return replay(existing)
            fields = draft_fields(draft)
            attachments = session.exec(
                select(DraftAttachment)
                .where(DraftAttachment.draft_id == draft_uid)
                .order_by(DraftAttachment.position)
            ).all()
            decoded = [Attachment(a.filename, a.content_type, a.data) for a in attachments]
            try:
                checked = parse_model(ComposedFields, fields, mode_details(fields))
            except ValidationFailed as exc:
                exc.message = "The draft is not ready to send."
                raise
            prepared = self._prepare(session, checked, decoded)
        if existing is not None:
            if not self._claim(existing):
                return replay(existing)
            self._refresh_record(existing.id, prepared)
            outgoing = self._stored(existing.id, prepared.bodies)
            return self._deliver(outgoing, prepared.account, progress)
        record, raw = self._new_record(prepared, draft_uid=draft_uid)
        try:
            self._insert(record, raw)
        except IntegrityError:
            with self.store.session() as session:
                other = session.exec(
                    select(OutboundEmail).where(OutboundEmail.draft_uid == draft_uid)
                ).one()
            return replay(other)
        outgoing = Outgoing.just_recorded(record, raw, prepared)
        return self._deliver(outgoing, prepared.account, progress)

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
        sender = (
            f"{account.display_name} <{account.email}>" if account.display_name else account.email
        )
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
        check_message_size(raw, prepared.attachment_meta)
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

    # -- records --------------------------------------------------------------------------

    def _insert(self, record: OutboundEmail, raw: bytes) -> None:
        """Commit the ``pending`` record before any network call."""
        crash_point("before_record")
        with self.store.session() as session:
            _add_record(session, record, raw)
        crash_point("after_record")

    def _load(self, record_id: uuid.UUID) -> tuple[OutboundEmail, Account]:
        """A record and its sending account."""
        with self.store.session() as session:
            record = session.get(OutboundEmail, record_id)
            if record is None:
                raise NotFound(
                    "No such outbound email.",
                    [ErrorDetail("outbound_email_uid", f"no record {record_id}")],
                )
            account = session.get(Account, record.account_id)
            assert account is not None  # records cascade with their account
            return record, account

    def _find_by_key(self, account_id: uuid.UUID, key: str) -> OutboundEmail | None:
        with self.store.session() as session:
            return _by_key(session, account_id, key)

    @staticmethod
    def _replay_keyed(record: OutboundEmail, digest: str) -> SendResponse:
        if record.request_hash != digest:
            raise Conflict(
                "This idempotency key was already used for a different request.",
                [ErrorDetail("idempotency_key", "reused with a different request body")],
                outbound_email_uid=record.id,
            )
        return replay(record)

    def _claim(self, record: OutboundEmail) -> bool:
        """Atomically move a record from the state it was read in to ``pending`` for a new
        attempt; False if another process changed it first."""
        with self.store.session() as session:
            result = session.exec(  # type: ignore[call-overload]
                _unchanged_since_read(record).values(
                    status=SendStatus.PENDING,
                    attempts=OutboundEmail.attempts + 1,
                    attempted_at=self.clock(),
                    error=None,
                )
            )
            return result.rowcount == 1

    def _settle(
        self,
        record: OutboundEmail,
        status: SendStatus,
        error: str | None,
        delivery: Delivery | None = None,
        account: Account | None = None,
    ) -> None:
        """Give a record the outcome reconciliation found, unless another process changed
        it since it was read; a ``sent`` outcome files the message and marks its draft."""
        with self.store.session() as session:
            result = session.exec(  # type: ignore[call-overload]
                _unchanged_since_read(record).values(status=status, error=error)
            )
            if result.rowcount == 1 and delivery is not None and account is not None:
                bodies = bodies_of(load_raw_message(session, record.id) or b"")
                self._mark_sent(session, record.id, delivery, account, bodies)

    def _refresh_record(self, record_id: uuid.UUID, prepared: PreparedSend) -> None:
        """Point a retried draft record at the draft's current content, keeping its Message-ID."""
        with self.store.session() as session:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
            message = replace(prepared.message, message_id=record.rfc_message_id)
            fresh, raw = self._new_record(replace(prepared, message=message))
            for name in _CONTENT_COLUMNS:
                setattr(record, name, getattr(fresh, name))
            replace_raw_message(session, record_id, raw)

    # -- delivery ---------------------------------------------------------------------------

    def _stored(
        self, record_id: uuid.UUID, bodies: tuple[str, str | None] | None = None
    ) -> Outgoing:
        """What to send for a record already in the store (a retry): its bytes and thread."""
        with self.store.session() as session:
            stored = session.get(OutboundEmail, record_id)
            raw = load_raw_message(session, record_id)
            assert stored is not None and raw is not None
            thread_id = None
            if stored.reply_to_message_uid is not None:
                thread_id = resolve_reply(session, stored.reply_to_message_uid).thread_id
            return Outgoing(record_id, raw, stored.rfc_message_id, thread_id, bodies)

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
            self._fail(record_id, str(exc))
            raise AuthFailure(
                f"Account {account.email} needs to be reconnected: {exc}. Run "
                f"`exante-tui accounts add --email {account.email}` to connect it again.",
                outbound_email_uid=record_id,
            ) from exc
        except TransportAmbiguous as exc:
            self._fail(record_id, str(exc), SendStatus.UNKNOWN)
            raise ProviderFailure(
                f"Gmail may or may not have sent the message: {exc}. It is marked unknown "
                "and not resent automatically; `exante-tui reconcile` settles it.",
                outbound_email_uid=record_id,
            ) from exc
        except TransportError as exc:
            self._fail(record_id, str(exc))
            raise ProviderFailure(
                f"Gmail did not send the message: {exc}", outbound_email_uid=record_id
            ) from exc
        except Exception as exc:
            self._fail(record_id, f"unexpected error: {exc!r}", SendStatus.UNKNOWN)
            raise ProviderFailure(
                f"The send failed unexpectedly, perhaps after Gmail took it: {exc}",
                outbound_email_uid=record_id,
            ) from exc
        crash_point("after_response")
        with self.store.session() as session:
            bodies = outgoing.bodies or bodies_of(raw)
            record = self._mark_sent(
                session, record_id, delivery, account, bodies, outgoing.snapshot
            )
            crash_point("before_status_update")
            return response_for(record)

    def _mark_sent(
        self,
        session: Session,
        record_id: uuid.UUID,
        delivery: Delivery,
        account: Account,
        bodies: tuple[str, str | None],
        record: OutboundEmail | None = None,
    ) -> OutboundEmail:
        """Record Gmail's ids, mark the draft sent and file the message in its conversation.

        ``record`` is the record as its ``pending`` attempt was committed (detached, so it is
        attached again without a SELECT); without it the record is read first.
        """
        if record is None:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
        else:
            session.add(record)
            # Write every outcome column even where it equals the snapshot, as a record
            # read back now would be written (another process may have changed the row).
            for name in _OUTCOME_COLUMNS:
                flag_modified(record, name)
        record.status = SendStatus.SENT
        record.error = None
        record.provider_message_id = delivery.provider_message_id
        record.provider_thread_id = delivery.provider_thread_id
        record.rfc_message_id = delivery.rfc_message_id or record.rfc_message_id
        record.sent_at = self.clock()
        if record.draft_uid is not None:
            with session.no_autoflush:
                draft = session.get(Draft, record.draft_uid)
            if draft is not None:
                draft.outbound_email_uid = record.id
                draft.claimed_by = draft.claimed_at = None
        record_sent_message(session, record, account, bodies)
        return record

    def _fail(
        self, record_id: uuid.UUID, error: str, status: SendStatus = SendStatus.FAILED
    ) -> None:
        with self.store.session() as session:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
            record.status = status
            record.error = error


def _add_record(session: Session, record: OutboundEmail, raw: bytes) -> None:
    """Put a new record and its message's bytes in ``session``."""
    session.add(record)
    session.flush()
    save_raw_message(session, record.id, raw)


def _by_key(session: Session, account_id: uuid.UUID, key: str) -> OutboundEmail | None:
    """The account's record for an idempotency key, if any."""
    return session.exec(
        select(OutboundEmail).where(
            OutboundEmail.account_id == account_id, OutboundEmail.idempotency_key == key
        )
    ).first()


def _unchanged_since_read(record: OutboundEmail) -> Update:
    """An UPDATE of ``record`` that matches only while no other process has touched it."""
    return update(OutboundEmail).where(
        col(OutboundEmail.id) == record.id,
        col(OutboundEmail.status) == record.status,
        col(OutboundEmail.attempts) == record.attempts,
    )
