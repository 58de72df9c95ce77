"""OutboundEmail records through a send's life.

A record is added ``pending`` (with its message's exact bytes) before Gmail is called,
claimed again for a retry, then marked ``sent`` (its message filed in its conversation),
``failed`` or ``unknown``. Changes made on the strength of an earlier read only land if no
other process touched the record since (:func:`_unchanged_since_read`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Update, insert, update
from sqlmodel import Session, col, select

from exante_tui.core.contract import SendResponse
from exante_tui.core.fault_injection import crash_point
from exante_tui.core.replies import resolve_reply
from exante_tui.core.sent_mail import bodies_of, record_sent_message
from exante_tui.errors import Conflict, ErrorDetail, NotFound, ProviderFailure
from exante_tui.providers.base import Delivery
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Draft, OutboundEmail, SendStatus
from exante_tui.store.raw_messages import (
    load_raw_message,
    replace_raw_message,
    save_raw_message,
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


def response_for(record: OutboundEmail) -> SendResponse:
    """The seed's response body for a record."""
    return SendResponse(
        outbound_email_uid=record.id,
        provider_message_id=record.provider_message_id,
        provider_thread_id=record.provider_thread_id,
        status=str(record.status),
        sent_at=record.sent_at,
    )


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


def replay_keyed(record: OutboundEmail, digest: str | None) -> SendResponse:
    """:func:`replay` for a repeated idempotency key, if the request is the same one."""
    if record.request_hash != digest:
        raise Conflict(
            "This idempotency key was already used for a different request.",
            [ErrorDetail("idempotency_key", "reused with a different request body")],
            outbound_email_uid=record.id,
        )
    return replay(record)


def by_key(session: Session, account_id: uuid.UUID, key: str) -> OutboundEmail | None:
    """The account's record for an idempotency key, if any."""
    return session.exec(
        select(OutboundEmail).where(
            OutboundEmail.account_id == account_id, OutboundEmail.idempotency_key == key
        )
    ).first()


def by_draft(session: Session, draft_uid: uuid.UUID) -> OutboundEmail | None:
    """The record of a draft's send, if it was ever sent."""
    return session.exec(select(OutboundEmail).where(OutboundEmail.draft_uid == draft_uid)).first()


def add_record(session: Session, record: OutboundEmail, raw: bytes) -> None:
    """Insert a new record and its message's bytes in ``session``'s transaction.

    ``record`` itself stays out of the session (an ORM bulk insert of its values): the
    caller keeps it as the snapshot :meth:`OutboundRecords.finish` completes.
    """
    values = {name: getattr(record, name) for name in OutboundEmail.model_fields}
    session.execute(insert(OutboundEmail), [values])
    save_raw_message(session, record.id, raw)


class OutboundRecords:
    """Reads and writes OutboundEmail records, each change in its own transaction."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def insert(self, record: OutboundEmail, raw: bytes) -> None:
        """Commit a ``pending`` record before any network call."""
        crash_point("before_record")
        with self.store.session() as session:
            add_record(session, record, raw)
        crash_point("after_record")

    def load(self, record_id: uuid.UUID) -> tuple[OutboundEmail, Account]:
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

    def find_by_key(self, account_id: uuid.UUID, key: str) -> OutboundEmail | None:
        """:func:`by_key` in a session of its own."""
        with self.store.session() as session:
            return by_key(session, account_id, key)

    def find_by_draft(self, draft_uid: uuid.UUID) -> OutboundEmail | None:
        """:func:`by_draft` in a session of its own."""
        with self.store.session() as session:
            return by_draft(session, draft_uid)

    def claim(self, record: OutboundEmail) -> bool:
        """Atomically move a record from the state it was read in to ``pending`` for a new
        attempt; False if another process changed it first."""
        with self.store.session() as session:
            result = session.exec(
                _unchanged_since_read(record).values(
                    status=SendStatus.PENDING,
                    attempts=OutboundEmail.attempts + 1,
                    attempted_at=self.clock(),
                    error=None,
                )
            )
            return result.rowcount == 1

    def refresh(self, record_id: uuid.UUID, fresh: OutboundEmail, raw: bytes) -> None:
        """Give a claimed record the content of ``fresh`` (a draft edited since it failed)."""
        with self.store.session() as session:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
            for name in _CONTENT_COLUMNS:
                setattr(record, name, getattr(fresh, name))
            replace_raw_message(session, record_id, raw)

    def stored(
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

    def settle(
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
            result = session.exec(_unchanged_since_read(record).values(status=status, error=error))
            if result.rowcount == 1 and delivery is not None and account is not None:
                bodies = bodies_of(load_raw_message(session, record.id) or b"")
                self._mark_sent(session, record.id, delivery, account, bodies)

    def finish(self, outgoing: Outgoing, delivery: Delivery, account: Account) -> SendResponse:
        """Commit a delivered attempt as ``sent`` and answer with the seed's response."""
        with self.store.session() as session:
            bodies = outgoing.bodies or bodies_of(outgoing.raw)
            record = self._mark_sent(
                session, outgoing.record_id, delivery, account, bodies, outgoing.snapshot
            )
            crash_point("before_status_update")
            return response_for(record)

    def fail(
        self, record_id: uuid.UUID, error: str, status: SendStatus = SendStatus.FAILED
    ) -> None:
        """Commit a failed (or, when in doubt, ``unknown``) attempt with its error."""
        with self.store.session() as session:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
            record.status = status
            record.error = error

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

        ``record`` is the record as its ``pending`` attempt was committed (kept out of the
        session: the outcome goes in by primary key, with no SELECT, and is copied onto it);
        without it the record is read first.
        """
        loaded = record is None
        if record is None:
            record = session.get(OutboundEmail, record_id)
            assert record is not None
        outcome: dict[str, object] = {
            "status": SendStatus.SENT,
            "error": None,
            "provider_message_id": delivery.provider_message_id,
            "provider_thread_id": delivery.provider_thread_id,
            "rfc_message_id": delivery.rfc_message_id or record.rfc_message_id,
            "sent_at": self.clock(),
        }
        if not loaded:
            session.execute(update(OutboundEmail), [{"id": record_id, **outcome}])
        for name, value in outcome.items():
            setattr(record, name, value)
        if record.draft_uid is not None:
            draft = session.get(Draft, record.draft_uid)
            if draft is not None:
                draft.outbound_email_uid = record.id
                draft.claimed_by = draft.claimed_at = None
        record_sent_message(session, record, account, bodies)
        return record


def _unchanged_since_read(record: OutboundEmail) -> Update:
    """An UPDATE of ``record`` that matches only while no other process has touched it."""
    return update(OutboundEmail).where(
        col(OutboundEmail.id) == record.id,
        col(OutboundEmail.status) == record.status,
        col(OutboundEmail.attempts) == record.attempts,
    )
