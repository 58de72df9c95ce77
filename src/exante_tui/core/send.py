"""The one send path: route, validate, dedupe, record, send, finish.

docs/architecture.md, "The send lifecycle", walks through it.

Exactly once: the ``pending`` record (unique per idempotency key and per draft) is
committed before Gmail is called, and a record whose outcome is in doubt (the process
died, or Gmail failed ambiguously) is settled by looking for its Message-ID in the
account's mailbox (:meth:`SendCore.reconcile_record`) before anything is sent again.
The message is made ready by :mod:`exante_tui.core.prepared_send`; the records are kept by
:mod:`exante_tui.core.records`; the crash points the tests use are in
:mod:`exante_tui.core.fault_injection`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from exante_tui.core.attachments import check_message_size
from exante_tui.core.contract import SendRequest, SendResponse
from exante_tui.core.draft_state import missing_draft
from exante_tui.core.fault_injection import crash_point
from exante_tui.core.mime import build_message
from exante_tui.core.parse_back import check_built_message
from exante_tui.core.prepared_send import (
    PreparedSend,
    attachments_of,
    load_draft,
    prepare,
    prepare_draft,
)
from exante_tui.core.records import (
    OutboundRecords,
    Outgoing,
    add_record,
    by_draft,
    by_key,
    replay,
    replay_keyed,
)
from exante_tui.core.validation import parse_send_request, request_hash
from exante_tui.errors import AuthFailure, ProviderFailure
from exante_tui.providers.base import (
    ProgressCallback,
    Transport,
    TransportAmbiguous,
    TransportAuthError,
    TransportError,
)
from exante_tui.store.db import Store
from exante_tui.store.models import Account, OutboundEmail, SendStatus
from exante_tui.store.types import utcnow

TransportFactory = Callable[[Account], Transport]
STALE_AFTER = timedelta(minutes=15)
"""How long a send may run: a record ``pending`` for longer belongs to a dead process."""


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
        """Send as the seed's ``POST /api/email/send`` does; raise a ``ExanteError`` otherwise."""
        if not isinstance(request, SendRequest):
            request = parse_send_request(request)
        if request.draft_uid is not None:
            return self._send_draft(request.draft_uid, progress)
        key = request.idempotency_key
        digest = request_hash(request) if key is not None else None  # compared on a replay
        attachments = attachments_of(request)
        try:
            # One session: resolve the sender, look the key up, commit the pending record.
            with self.store.session() as session:
                prepared = prepare(session, request, attachments, self.clock)
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
        """Raise the ``ExanteError`` sending the draft now would, without sending it."""
        with self.store.session() as session:
            prepared = prepare_draft(session, load_draft(session, draft_uid), self.clock)
        self._new_record(prepared)  # builds the message and checks its whole size

    def _send_draft(self, draft_uid: uuid.UUID, progress: ProgressCallback | None) -> SendResponse:
        with self.store.session() as session:
            draft = load_draft(session, draft_uid)
            existing = by_draft(session, draft_uid)
            if existing is not None and existing.status != SendStatus.FAILED:
                return replay(existing)
            prepared = prepare_draft(session, draft, self.clock)
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
            if other is None:  # not another send's record: the draft was deleted meanwhile
                raise missing_draft(draft_uid) from None
            return replay(other)
        return self._deliver(_just_recorded(record, raw, prepared), prepared.account, progress)

    # -- recording ---------------------------------------------------------------------------

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


def _just_recorded(record: OutboundEmail, raw: bytes, prepared: PreparedSend) -> Outgoing:
    """The attempt for a record (and its bytes) just committed for ``prepared``."""
    return Outgoing(
        record.id, raw, record.rfc_message_id, prepared.thread_id, prepared.bodies, record
    )
