"""The seed's Prepare Email: a template and its context in, the send request out.

The result is exactly the body ``send`` takes, so ``prepare | send`` works; with
``draft=True`` it is the body of ``drafts create`` (``planned_send_at`` allowed). The
sending account's signature is part of the prepared body, unless the template says not.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from exante_tui.core.contract import Address, DraftRequest, HeaderText
from exante_tui.core.drafts import reply_account
from exante_tui.core.signatures import append_signature
from exante_tui.core.template_store import Templates, template_fields
from exante_tui.core.templates import render
from exante_tui.core.validation import parse_model, parse_send_request
from exante_tui.errors import ErrorDetail, NotFound, ValidationFailed
from exante_tui.store.db import Store
from exante_tui.store.models import Account, Template


class PrepareRequest(BaseModel):
    """The body of ``prepare`` and ``POST /api/email/prepare``."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, description="the template's name or uid")
    context: dict[str, Any] = Field(default_factory=dict)
    from_account_id: uuid.UUID | None = None
    to: list[Address] | None = None
    cc: list[Address] | None = None
    bcc: list[Address] | None = None
    reply_to_message_uid: uuid.UUID | None = None
    context_type: HeaderText | None = Field(default=None, max_length=100)
    context_id: uuid.UUID | None = None
    idempotency_key: HeaderText | None = Field(default=None, min_length=1, max_length=255)
    planned_send_at: datetime | None = None


class Preparer:
    """Resolves templates into send (or draft) requests."""

    def __init__(self, store: Store, templates: Templates) -> None:
        self.store = store
        self.templates = templates

    def prepare(self, raw: Any, *, draft: bool = False) -> dict[str, Any]:
        """The resolved request as JSON-ready fields; ``ValidationFailed`` names each problem."""
        request = parse_model(PrepareRequest, raw)
        template = self.templates.get(request.template)
        rendered = render(template_fields(template), request.context)
        with self.store.session() as session:
            account = self._account(session, request, template)
            body_text, body_html = rendered.body_text, rendered.body_html
            if template.signature:
                body_text, body_html = append_signature(account, body_text, body_html)
        fields: dict[str, Any] = {
            "to": request.to,
            "cc": request.cc,
            "bcc": request.bcc,
            "subject": rendered.subject,
            "body_text": body_text,
            "body_html": body_html,
            "attachments": list(template.attachments) or None,
            "context_type": request.context_type,
            "context_id": request.context_id,
        }
        if request.reply_to_message_uid is not None:
            fields["reply_to_message_uid"] = request.reply_to_message_uid
        else:
            fields["from_account_id"] = account.id if account else None
        if draft:
            if request.idempotency_key is not None:
                raise _invalid("idempotency_key", "a draft is sent at most once; leave it out")
            fields["planned_send_at"] = request.planned_send_at
            checked: BaseModel = parse_model(DraftRequest, _present(fields))
        else:
            if request.planned_send_at is not None:
                raise _invalid("planned_send_at", "only for a draft (prepare --draft)")
            fields["idempotency_key"] = request.idempotency_key
            checked = parse_send_request(_present(fields))
        return checked.model_dump(mode="json", exclude_none=True)

    @staticmethod
    def _account(session: Session, request: PrepareRequest, template: Template) -> Account | None:
        """The sending account: the replied-to conversation's, the request's, the template's."""
        if request.reply_to_message_uid is not None:
            try:
                account_id = reply_account(session, request.reply_to_message_uid)
            except NotFound as exc:
                raise ValidationFailed(exc.message, exc.details) from None
        else:
            account_id = request.from_account_id or template.from_account_id
        if account_id is None:
            return None
        account = session.get(Account, account_id)
        if account is None:
            raise _invalid("from_account_id", f"no account {account_id}")
        session.expunge(account)
        return account


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if isinstance(v, uuid.UUID | datetime) else v)
        for k, v in fields.items()
        if v is not None
    }


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("The request is not valid.", [ErrorDetail(field, message)])
