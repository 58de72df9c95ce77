"""Drafts: create, update, read and delete, including their attachments."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from exante_tui.core.contract import ComposedFields, DraftRequest
from exante_tui.core.draft_state import draft_state, final_conflict, missing_draft, not_final
from exante_tui.core.mime import Attachment
from exante_tui.core.validation import parse_model
from exante_tui.errors import ErrorDetail, NotFound
from exante_tui.store.db import Store
from exante_tui.store.models import (
    Account,
    Conversation,
    Draft,
    DraftAttachment,
    EmailMessage,
)
from exante_tui.store.types import utcnow


class DraftContent(BaseModel):
    """What a draft holds; addresses are kept as typed (validated when sent).

    The fields are the draft row's own names: ``DraftContent.model_validate(draft)`` reads
    a row, :meth:`from_request` a ``drafts create`` request and :meth:`from_body` its body
    (whose ``from_account_id`` is ``account_id`` here), and ``Drafts`` writes one back with
    ``sqlmodel_update``."""

    model_config = ConfigDict(from_attributes=True)

    account_id: uuid.UUID | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    subject: str = ""
    body_text: str = ""
    body_html: str | None = None
    reply_to_message_uid: uuid.UUID | None = None
    context_type: str | None = None
    context_id: uuid.UUID | None = None
    planned_send_at: datetime | None = None

    @classmethod
    def from_request(cls, request: DraftRequest) -> DraftContent:
        """A request's content; what it leaves out (or null) is the draft's default."""
        return cls.from_body(request.model_dump(include=_CONTENT_FIELDS | {"from_account_id"}))

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> DraftContent:
        """The content of a ``drafts create`` body already validated as a request (a merge
        row's): its ``from_account_id`` is ``account_id`` here, and what it leaves out (or
        null) is the draft's default."""
        given = {k: v for k, v in body.items() if k in _CONTENT_FIELDS and v is not None}
        return cls.model_validate({**given, "account_id": body.get("from_account_id")})


_CONTENT_FIELDS = set(DraftContent.model_fields) - {"account_id"}
"""The content fields a request and a draft share by name."""
_REQUEST_FIELDS = (_CONTENT_FIELDS & set(ComposedFields.model_fields)) - {"reply_to_message_uid"}
"""The draft's content fields a send reads from it (the sender and the reply apart)."""


class Drafts:
    """Draft storage on a store; the TUI, CLI and API all go through here."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create_from_request(self, raw: dict[str, Any]) -> uuid.UUID:
        """``drafts create --json``: validate the seed's fields (none required) and save."""
        request = parse_model(DraftRequest, raw)
        content = DraftContent.from_request(request)
        attachments = [
            Attachment(a.filename, a.content_type, base64.b64decode(a.data_base64))
            for a in request.attachments or []
        ]
        return self.create(content, attachments)

    def create(
        self, content: DraftContent, attachments: list[Attachment] | None = None
    ) -> uuid.UUID:
        """Save a new draft and return its uid."""
        draft = Draft()
        with self.store.session() as session:
            self._apply(session, draft, content)
            session.add(draft)
            session.flush()
            self._replace_attachments(session, draft.id, attachments or [])
            return draft.id

    def update(
        self,
        draft_uid: uuid.UUID,
        content: DraftContent,
        attachments: list[Attachment] | None = None,
    ) -> None:
        """Overwrite a draft's content; attachments only when given (None keeps them).

        Raises ``Conflict`` once the draft is being sent or was sent (it is final then).
        """
        with self.store.session() as session:
            draft = self._claim_change(session, draft_uid)
            self._apply(session, draft, content)
            if attachments is not None:
                self._replace_attachments(session, draft_uid, attachments)

    def load(self, draft_uid: uuid.UUID) -> tuple[Draft, list[Attachment]]:
        """A draft and its attachments (in the order they were added)."""
        with self.store.session() as session:
            draft = self._get(session, draft_uid)
            rows = session.exec(
                select(DraftAttachment)
                .where(DraftAttachment.draft_id == draft_uid)
                .order_by(col(DraftAttachment.position))
            ).all()
            return draft, [Attachment(r.filename, r.content_type, r.data) for r in rows]

    def set_schedule(self, draft_uid: uuid.UUID, planned_send_at: datetime | None) -> None:
        """Schedule a draft (or cancel its schedule with None); ``Conflict`` once it is final."""
        with self.store.session() as session:
            draft = self._claim_change(session, draft_uid)
            draft.planned_send_at = planned_send_at
            draft.undo_send = False
            draft.updated_at = utcnow()

    def delete(self, draft_uid: uuid.UUID) -> None:
        """Remove a draft and its attachments."""
        with self.store.session() as session:
            session.delete(self._get(session, draft_uid))

    @staticmethod
    def _claim_change(session: Session, draft_uid: uuid.UUID) -> Draft:
        """The draft, locked for this change, unless it is final (``Conflict``).

        The conditional UPDATE comes first: it takes the row (PostgreSQL) or the database
        (SQLite) for the transaction, so no scheduler can claim the draft in between.
        """
        touched = session.exec(
            update(Draft)
            .where(col(Draft.id) == draft_uid, *not_final())
            .values(updated_at=utcnow())
        )
        draft = Drafts._get(session, draft_uid)
        if touched.rowcount != 1:
            raise final_conflict(draft, draft_uid, draft_state(session, draft_uid, utcnow()))
        return draft

    @staticmethod
    def _get(session: Session, draft_uid: uuid.UUID) -> Draft:
        draft = session.get(Draft, draft_uid)
        if draft is None:
            raise missing_draft(draft_uid)
        return draft

    @staticmethod
    def _apply(session: Session, draft: Draft, content: DraftContent) -> None:
        account_id = content.account_id
        if content.reply_to_message_uid is not None:
            account_id = reply_account(session, content.reply_to_message_uid)
        elif account_id is not None and session.get(Account, account_id) is None:
            raise NotFound(
                "The sending account does not exist.",
                [ErrorDetail("from_account_id", f"no account {account_id}")],
            )
        draft.sqlmodel_update(content.model_dump())  # fresh lists: the row owns its own
        draft.account_id = account_id
        draft.undo_send = False
        draft.updated_at = utcnow()

    @staticmethod
    def _replace_attachments(
        session: Session, draft_uid: uuid.UUID, attachments: list[Attachment]
    ) -> None:
        session.exec(delete(DraftAttachment).where(col(DraftAttachment.draft_id) == draft_uid))
        for position, attachment in enumerate(attachments):
            data = attachment.content()
            session.add(
                DraftAttachment(
                    draft_id=draft_uid,
                    position=position,
                    filename=attachment.filename,
                    content_type=attachment.content_type,
                    size=len(data),
                    data=data,
                )
            )


def reply_account(session: Session, message_uid: uuid.UUID) -> uuid.UUID | None:
    """The account that owns the conversation of the message replied to, if connected."""
    message = session.get(EmailMessage, message_uid)
    if message is None:
        raise NotFound(
            "The message to reply to does not exist.",
            [ErrorDetail("reply_to_message_uid", f"no message with uid {message_uid}")],
        )
    conversation = session.get(Conversation, message.conversation_id)
    if conversation is None or not conversation.owner_email:
        return None
    owner = conversation.owner_email.lower()
    account = session.exec(select(Account).where(Account.email == owner)).first()
    return account.id if account else None


def draft_fields(draft: Draft) -> dict[str, Any]:
    """A draft's content as request fields (attachments are handled separately)."""
    fields: dict[str, Any] = draft.model_dump(include=_REQUEST_FIELDS)
    fields["cc"], fields["bcc"] = draft.cc or None, draft.bcc or None
    if draft.reply_to_message_uid is not None:
        fields["reply_to_message_uid"] = draft.reply_to_message_uid
    else:
        fields["from_account_id"] = draft.account_id
    return fields
