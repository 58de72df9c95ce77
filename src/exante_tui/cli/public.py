"""The rows the CLI prints, each shape in one place: a public model per row type.

SQLModel's Base/Create/Public pattern, read side: ``XPublic.dump(row)`` reads the row's
attributes (``model_validate(..., from_attributes=True)``) and gives the JSON-ready dict
(``model_dump(mode="json", by_alias=True)``). A field's name is its JSON name; where the
row's attribute differs, ``validation_alias`` names the attribute (and ``from``, a Python
keyword, is the serialization alias of ``from_address``). Timestamps print as
``2024-03-25T10:30:00Z``; lists and attachment listings pass through as stored.

Imported by command handlers only (``--help`` loads no pydantic).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from exante_tui.cli.output import iso

if TYPE_CHECKING:
    from exante_tui.store.models import AttachmentMeta, Draft

Stamp = Annotated[datetime | None, PlainSerializer(iso, return_type=str | None)]
"""A UTC timestamp as ``2024-03-25T10:30:00Z`` (seconds, no fraction), or null."""
Listing = list[dict[str, Any]]
"""A JSON column of attachment listings, printed exactly as stored."""


class _With:
    """A row seen with some attributes it does not have itself (a draft's status)."""

    def __init__(self, row: object, extra: dict[str, object]) -> None:
        self._row, self._extra = row, extra

    def __getattr__(self, name: str) -> object:
        return self._extra[name] if name in self._extra else getattr(self._row, name)


class Public(BaseModel):
    """A row as the CLI prints it (fields in printing order)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object, **extra: object) -> Self:
        """Read ``row``'s attributes, and ``extra`` for what the row does not hold."""
        return cls.model_validate(_With(row, extra) if extra else row, from_attributes=True)

    @classmethod
    def dump(cls, row: object, **extra: object) -> dict[str, Any]:
        """``row`` as its JSON object."""
        return cls.of(row, **extra).model_dump(mode="json", by_alias=True)


class AccountPublic(Public):
    account_id: uuid.UUID = Field(validation_alias="id")
    email: str
    provider: str
    display_name: str
    last_synced_at: Stamp


class AccountSignaturePublic(AccountPublic):
    """An account with its signature (``accounts signature``)."""

    signature_text: str | None
    signature_html: str | None


def draft_status(draft: Draft) -> str:
    """``sent`` once sent, ``scheduled`` with a planned time, ``draft`` otherwise."""
    if draft.outbound_email_uid is not None:
        return "sent"
    return "scheduled" if draft.planned_send_at else "draft"


class DraftPublic(Public):
    """A draft; ``status`` and ``attachments`` come beside the row (:func:`draft_status`,
    the attachments' listing)."""

    draft_uid: uuid.UUID = Field(validation_alias="id")
    status: str
    from_account_id: uuid.UUID | None = Field(validation_alias="account_id")
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    reply_to_message_uid: uuid.UUID | None
    planned_send_at: Stamp
    attachments: Listing
    context_type: str | None
    context_id: uuid.UUID | None
    outbound_email_uid: uuid.UUID | None
    updated_at: Stamp

    @classmethod
    def dump_draft(cls, draft: Draft, attachments: list[AttachmentMeta]) -> dict[str, Any]:
        """A draft as its JSON object, given its attachments' listing."""
        return cls.dump(draft, status=draft_status(draft), attachments=attachments)


class OutboundPublic(Public):
    """A send record (``outbox list``)."""

    outbound_email_uid: uuid.UUID = Field(validation_alias="id")
    provider_message_id: str | None
    provider_thread_id: str | None
    status: str
    sent_at: Stamp
    from_address: str = Field(serialization_alias="from")
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    rfc_message_id: str
    idempotency_key: str | None
    error: str | None
    context_type: str | None
    context_id: uuid.UUID | None
    draft_uid: uuid.UUID | None
    reply_to_message_uid: uuid.UUID | None
    attachments: Listing
    attempts: int
    created_at: Stamp


class ConversationPublic(Public):
    conversation_uid: uuid.UUID = Field(validation_alias="id")
    subject: str
    gmail_thread_id: str | None
    owner_email: str | None
    last_message_at: Stamp
    snippet: str
    context_type: str | None
    context_id: uuid.UUID | None


class MessagePublic(Public):
    message_uid: uuid.UUID = Field(validation_alias="id")
    rfc_message_id: str | None
    gmail_message_id: str | None
    in_reply_to: str | None
    references: str | None
    from_address: str = Field(serialization_alias="from")
    to: list[str]
    cc: list[str]
    subject: str
    date: Stamp
    direction: str
    body_text: str
    attachments: Listing
    labels: list[str]


class TemplateSummaryPublic(Public):
    """A template as ``templates list`` shows it; ``fields`` (the context fields it uses)
    comes beside the row."""

    template_uid: uuid.UUID = Field(validation_alias="id")
    name: str
    subject: str
    fields: list[str]


class TemplatePublic(TemplateSummaryPublic):
    """Everything about one template (``templates show``); ``attachments`` (by name and
    size, never the data) comes beside the row."""

    body_text: str | None
    body_html: str | None
    body_markdown: str | None
    from_account_id: uuid.UUID | None
    attachments: Listing
    signature: bool
    created_at: Stamp


class TokenPublic(Public):
    """An API token as ``tokens`` shows it: never the token itself."""

    name: str
    accounts: list[str]
    created_at: Stamp
    revoked_at: Stamp


class ErrorDetailPublic(Public):
    field: str
    message: str


class MergeRowPublic(Public):
    """One row of a merge; ``to`` and ``subject`` (from the row's draft) come beside it."""

    row: int = Field(validation_alias="number")
    key: str
    to: list[str]
    subject: str | None
    errors: list[ErrorDetailPublic]
