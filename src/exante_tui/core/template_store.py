"""Templates in the store: create, list, look up by name or uid, remove."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from exante_tui.core.contract import AttachmentIn
from exante_tui.core.templates import check_syntax
from exante_tui.core.text_fields import check_header_text, header_problem
from exante_tui.core.validation import parse_model
from exante_tui.errors import ErrorDetail, ValidationFailed
from exante_tui.store.db import Store
from exante_tui.store.models import Account, AttachmentMeta, Draft, Template


def _not_a_uid(name: str) -> str:
    check_header_text(name)
    if not name.strip():
        raise ValueError("must not be blank")
    try:
        uuid.UUID(name)
    except ValueError:
        return name.strip()
    raise ValueError("must not look like a uid (templates are found by name or uid)")


class TemplateRequest(BaseModel):
    """The body of ``templates create``."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(_not_a_uid)] = Field(max_length=200)
    subject: str = Field(max_length=2000)
    body_text: str | None = None
    body_html: str | None = None
    body_markdown: str | None = None
    from_account_id: uuid.UUID | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list)
    signature: bool = True


def template_fields(template: Template) -> dict[str, str | None]:
    """The renderable fields of a stored template."""
    return {
        "subject": template.subject,
        "body_text": template.body_text,
        "body_html": template.body_html,
        "body_markdown": template.body_markdown,
    }


def attachment_meta(template: Template) -> list[AttachmentMeta]:
    """Name, type and size of each default attachment (not the data)."""
    return [
        AttachmentMeta(
            filename=a["filename"],
            content_type=a["content_type"],
            size=len(base64.b64decode(a["data_base64"])),
        )
        for a in template.attachments
    ]


class Templates:
    """Template storage; the CLI, the API and the TUI go through here."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, raw: Any) -> Template:
        """Validate ``raw`` (fields, Jinja2 syntax, account) and store it."""
        request = parse_model(TemplateRequest, raw)
        fields = request.model_dump(include={"subject", "body_text", "body_html", "body_markdown"})
        details = check_syntax(fields)
        if request.body_text is None and request.body_html is None and not request.body_markdown:
            details.append(
                ErrorDetail("body_text", "give body_text, body_html or body_markdown (or several)")
            )
        with self.store.session() as session:
            account = request.from_account_id
            if account is not None and session.get(Account, account) is None:
                details.append(ErrorDetail("from_account_id", f"no account {account}"))
            if session.exec(select(Template.id).where(Template.name == request.name)).first():
                details.append(ErrorDetail("name", f"a template named {request.name!r} exists"))
            if details:
                raise ValidationFailed("The template is not valid.", details)
            template = Template(
                **request.model_dump(exclude={"attachments"}),
                attachments=[a.model_dump() for a in request.attachments],
            )
            session.add(template)
            try:
                session.flush()
            except IntegrityError:
                raise ValidationFailed(
                    "The template is not valid.",
                    [ErrorDetail("name", f"a template named {request.name!r} exists")],
                ) from None
            session.expunge(template)
            return template

    def list(self) -> Sequence[Template]:
        """Every template, by name."""
        with self.store.session() as session:
            return session.exec(select(Template).order_by(Template.name)).all()

    def get(self, name_or_uid: str, field: str = "template") -> Template:
        """The template with this name or uid; a ``validation_error`` on ``field`` if none
        (at once for text no name can be: PostgreSQL refuses to even compare a NUL byte)."""
        problem = header_problem(name_or_uid)
        if problem:
            raise ValidationFailed(
                "No such template.", [ErrorDetail(field, f"not a template name: it {problem}")]
            )
        with self.store.session() as session:
            found = None
            try:
                found = session.get(Template, uuid.UUID(str(name_or_uid)))
            except ValueError:
                found = session.exec(select(Template).where(Template.name == name_or_uid)).first()
            if found is None:
                raise ValidationFailed(
                    "No such template.", [ErrorDetail(field, f"no template {name_or_uid!r}")]
                )
            return found

    def remove(self, name_or_uid: str) -> Template:
        """Delete a template; drafts it made stay, as ordinary drafts."""
        template = self.get(name_or_uid)
        with self.store.session() as session:
            session.exec(
                update(Draft)
                .where(col(Draft.merge_template_id) == template.id)
                .values(merge_template_id=None, merge_key=None)
            )
            stored = session.get(Template, template.id)
            if stored is not None:
                session.delete(stored)
        return template
