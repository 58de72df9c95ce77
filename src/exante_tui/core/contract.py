"""Request and response models of ``POST /api/email/send``, with the seed's field names."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer

from exante_tui.core.addresses import check_address
from exante_tui.core.attachments import check_base64, check_content_type, check_filename
from exante_tui.core.text_fields import check_body_text, check_header_text

Address = Annotated[str, AfterValidator(check_address)]
HeaderText = Annotated[str, AfterValidator(check_header_text)]
BodyText = Annotated[str, AfterValidator(check_body_text)]
Mode = Literal["draft", "fresh", "reply"]


class AttachmentIn(BaseModel):
    """An attachment as the seed sends it: name, MIME type and strict base64 data."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, AfterValidator(check_filename)]
    content_type: Annotated[str, AfterValidator(check_content_type)]
    data_base64: Annotated[str, AfterValidator(check_base64)]


class ComposedFields(BaseModel):
    """The fields of a composed message, shared by sends and drafts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    from_account_id: uuid.UUID | None = None
    to: list[Address] | None = None
    subject: HeaderText | None = Field(default=None, max_length=998)
    cc: list[Address] | None = None
    bcc: list[Address] | None = None
    body_text: BodyText | None = None
    body_html: BodyText | None = None
    attachments: list[AttachmentIn] | None = None
    context_type: HeaderText | None = Field(default=None, max_length=100)
    context_id: uuid.UUID | None = None
    reply_to_message_uid: uuid.UUID | None = None


class SendRequest(ComposedFields):
    """The body of ``POST /api/email/send``: a draft, a fresh send or a threaded reply."""

    draft_uid: uuid.UUID | None = None
    idempotency_key: HeaderText | None = Field(default=None, min_length=1, max_length=255)

    @property
    def mode(self) -> Mode:
        """Routing as the seed's "How it works" says."""
        if self.draft_uid is not None:
            return "draft"
        if self.reply_to_message_uid is not None:
            return "reply"
        return "fresh"


class DraftRequest(ComposedFields):
    """The body of ``drafts create``: composed fields plus an optional schedule."""

    planned_send_at: datetime | None = None


class SendResponse(BaseModel):
    """The seed's success body: the OutboundEmail's identifiers and status."""

    outbound_email_uid: uuid.UUID
    provider_message_id: str | None
    provider_thread_id: str | None
    status: str
    sent_at: datetime | None

    @field_serializer("sent_at")
    def _utc_z(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
