"""SQLModel tables (docs/architecture.md, "Data model").

UUID keys; the contract's ``*_uid`` values are these UUIDs.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import NotRequired, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict  # pydantic takes typing.TypedDict only from 3.12

from exante_tui.store.types import UTCDateTime, utcnow


class AttachmentMeta(TypedDict):
    """One attachment as the JSON columns keep it (a message's, a send record's, a draft's
    listing): its name, type and size in bytes, never its data."""

    filename: str
    content_type: str
    size: int
    gmail_attachment_id: NotRequired[str | None]
    """Received Gmail mail only: the id that fetches the bytes (None when Gmail gave none)."""


class Provider(enum.StrEnum):
    """How an account sends: through Gmail, or offline into `.eml` files."""

    GMAIL = "gmail"
    OUTBOX = "outbox"


class SendStatus(enum.StrEnum):
    """Lifecycle of an OutboundEmail (lowercase on the wire)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    """Gmail may or may not have sent it and could not say; shown to the user, never
    resent automatically (``exante-tui reconcile`` settles it once Gmail can tell)."""


class Direction(enum.StrEnum):
    """Whether a stored message was received or sent by us."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


FK_DRAFT_RECORD = "fk_draft_outbound_email"
"""``draft.outbound_email_uid`` → ``outboundemail.id`` (revision 0011)."""
FK_RECORD_DRAFT = "fk_outbound_draft"
"""``outboundemail.draft_uid`` → ``draft.id`` (revision 0011)."""

# ``Field()`` returns Any; each helper declares the Python type its column holds.


def _uuid_pk() -> uuid.UUID:
    return cast(uuid.UUID, Field(default_factory=uuid.uuid4, primary_key=True))


def _when(*, nullable: bool = True, index: bool = False) -> datetime:
    return cast(datetime, Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index))


def _created() -> datetime:
    return cast(datetime, Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False))


def _addresses() -> list[str]:
    return cast(list[str], Field(default_factory=list, sa_type=JSON, nullable=False))


class Account(SQLModel, table=True):
    """A connected mailbox. Holds where its token lives, never the token itself."""

    id: uuid.UUID = _uuid_pk()
    email: str = Field(unique=True, index=True)
    display_name: str = ""
    provider: Provider = Field(default=Provider.GMAIL, sa_type=String(16))
    token_path: str | None = None
    history_id: str | None = None
    last_synced_at: datetime | None = _when()
    signature_text: str | None = Field(default=None, sa_type=Text)
    """Appended below new mail by the composer and templates (never by ``send``)."""
    signature_html: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _created()


class Conversation(SQLModel, table=True):
    """A thread; ``gmail_thread_id`` is its mapping to Gmail."""

    __table_args__ = (
        UniqueConstraint("account_id", "gmail_thread_id", name="uq_conversation_thread"),
    )

    id: uuid.UUID = _uuid_pk()
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    subject: str = ""
    gmail_thread_id: str | None = Field(default=None, index=True)
    owner_email: str | None = None
    last_message_at: datetime | None = _when(index=True)
    snippet: str = ""
    context_type: str | None = None
    context_id: uuid.UUID | None = None


class EmailMessage(SQLModel, table=True):
    """One message of a conversation, received or sent."""

    __table_args__ = (
        UniqueConstraint("conversation_id", "gmail_message_id", name="uq_message_gmail_id"),
    )

    id: uuid.UUID = _uuid_pk()
    conversation_id: uuid.UUID = Field(
        foreign_key="conversation.id", index=True, ondelete="CASCADE"
    )
    gmail_message_id: str | None = Field(default=None, index=True)
    rfc_message_id: str | None = Field(default=None, index=True)
    in_reply_to: str | None = None
    references: str | None = Field(default=None, sa_type=Text)
    from_address: str = Field(default="", sa_column_kwargs={"name": "from"})
    to: list[str] = _addresses()
    cc: list[str] = _addresses()
    subject: str = ""
    date: datetime | None = _when(index=True)
    body_text: str = Field(default="", sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    snippet: str = ""
    direction: Direction = Field(default=Direction.INBOUND, sa_type=String(16))
    attachments: list[AttachmentMeta] = Field(default_factory=list, sa_type=JSON)
    labels: list[str] = _addresses()
    """Gmail's labels as sync last saw them: system ids (``UNREAD``, ``INBOX``, ``STARRED``,
    ``IMPORTANT``, ``SENT``) and user labels by name. Read only: never written back."""
    outbound_email_id: uuid.UUID | None = Field(
        default=None, foreign_key="outboundemail.id", ondelete="SET NULL"
    )


class ReceivedAttachment(SQLModel, table=True):
    """The bytes of a stored message's attachment ``position``, once downloaded (or, for the
    offline demo accounts, as filed). Gmail attachments are fetched on first use."""

    message_id: uuid.UUID = Field(
        foreign_key="emailmessage.id", primary_key=True, ondelete="CASCADE"
    )
    position: int = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)


class Draft(SQLModel, table=True):
    """A message being written. Complete on its own: attachments live with it."""

    __table_args__ = (Index("uq_draft_merge_key", "merge_template_id", "merge_key", unique=True),)

    id: uuid.UUID = _uuid_pk()
    account_id: uuid.UUID | None = Field(
        default=None, foreign_key="account.id", index=True, ondelete="CASCADE"
    )
    to: list[str] = _addresses()
    cc: list[str] = _addresses()
    bcc: list[str] = _addresses()
    subject: str = ""
    body_text: str = Field(default="", sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    reply_to_message_uid: uuid.UUID | None = Field(
        default=None, foreign_key="emailmessage.id", ondelete="SET NULL"
    )
    context_type: str | None = None
    context_id: uuid.UUID | None = None
    planned_send_at: datetime | None = _when(index=True)
    claimed_by: str | None = None
    """The scheduler worker that claimed this draft for sending, if any."""
    claimed_at: datetime | None = _when()
    held_by: str | None = None
    """The composer that has this draft open (it is not sent under it), if any."""
    held_until: datetime | None = _when()
    """When that hold lapses unless renewed (a composer that died lets go by then)."""
    undo_send: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """The planned send is an undo-send window (``send`` pressed, still cancellable)."""
    outbound_email_uid: uuid.UUID | None = Field(
        default=None,
        sa_column_args=[ForeignKey("outboundemail.id", name=FK_DRAFT_RECORD, ondelete="SET NULL")],
    )
    """The record of this draft's send once sent (cleared if the record is removed)."""
    merge_template_id: uuid.UUID | None = Field(default=None, index=True)
    """The template of the mail merge that made this draft, if any (no foreign key: SQLite
    could add one only by rebuilding the table; removing a template clears it)."""
    merge_key: str | None = None
    """The row's key in that merge: one draft per (template, key)."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Template(SQLModel, table=True):
    """A message with Jinja2 fields (:mod:`exante_tui.core.templates` renders it)."""

    id: uuid.UUID = _uuid_pk()
    name: str = Field(unique=True, index=True)
    subject: str = Field(default="", sa_type=Text)
    body_text: str | None = Field(default=None, sa_type=Text)
    body_html: str | None = Field(default=None, sa_type=Text)
    body_markdown: str | None = Field(default=None, sa_type=Text)
    from_account_id: uuid.UUID | None = Field(
        default=None, foreign_key="account.id", ondelete="SET NULL"
    )
    attachments: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    """Default attachments as the seed sends them: filename, content_type, data_base64."""
    signature: bool = Field(default=True, sa_type=Boolean)
    """Append the sending account's signature to the rendered body."""
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DraftAttachment(SQLModel, table=True):
    """A file attached to a draft, stored with it."""

    id: uuid.UUID = _uuid_pk()
    draft_id: uuid.UUID = Field(foreign_key="draft.id", index=True, ondelete="CASCADE")
    position: int = 0
    filename: str
    content_type: str
    size: int
    data: bytes = Field(sa_type=LargeBinary)


class OutboundEmail(SQLModel, table=True):
    """The audit record of one send attempt (and its retries)."""

    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key", name="uq_outbound_account_key"),
        UniqueConstraint("draft_uid", name="uq_outbound_draft"),
        Index("ix_outbound_account_attempted", "account_id", "attempted_at"),
    )

    id: uuid.UUID = _uuid_pk()
    account_id: uuid.UUID = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    from_address: str = Field(sa_column_kwargs={"name": "from"})
    to: list[str] = _addresses()
    cc: list[str] = _addresses()
    bcc: list[str] = _addresses()
    subject: str = ""
    rfc_message_id: str = Field(index=True)
    provider_message_id: str | None = None
    provider_thread_id: str | None = None
    status: SendStatus = Field(default=SendStatus.PENDING, sa_type=String(16), index=True)
    error: str | None = Field(default=None, sa_type=Text)
    idempotency_key: str | None = None
    request_hash: str | None = None
    draft_uid: uuid.UUID | None = Field(
        default=None,
        sa_column_args=[
            # Drafts and records point at each other (also through a reply's message): this
            # key is the one added after the tables (``use_alter``), so the tables sort.
            ForeignKey("draft.id", name=FK_RECORD_DRAFT, ondelete="SET NULL", use_alter=True)
        ],
    )
    """The draft this record sent, if any: removing the draft keeps the record and clears
    this (a draft's record is found by it, ``uq_outbound_draft``)."""
    reply_to_message_uid: uuid.UUID | None = None
    context_type: str | None = None
    context_id: uuid.UUID | None = None
    attachments: list[AttachmentMeta] = Field(default_factory=list, sa_type=JSON)
    attempts: int = 0
    created_at: datetime = _created()
    attempted_at: datetime | None = _when()
    """When the latest send attempt started (a ``pending`` record older than this plus a
    grace period belongs to a send that died)."""
    sent_at: datetime | None = _when()


class OutboundRawChunk(SQLModel, table=True):
    """A piece of the exact bytes an outbound email hands to the provider (a retry resends
    the same message). Stored in pieces so a large message is never copied whole by the
    database driver; :mod:`exante_tui.store.raw_messages` writes and reads them."""

    outbound_email_id: uuid.UUID = Field(
        foreign_key="outboundemail.id", primary_key=True, ondelete="CASCADE"
    )
    position: int = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)
