"""A send's message made ready: the sender and threading resolved, the message checked.

:class:`~exante_tui.core.send.SendCore` records and delivers what :func:`prepare` (a request)
or :func:`prepare_draft` (a saved draft) returns.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address

from sqlmodel import Session, col, select

from exante_tui.core.attachments import attachment_size_details, check_attachment_sizes
from exante_tui.core.contract import ComposedFields
from exante_tui.core.drafts import draft_fields
from exante_tui.core.html_text import html_to_text
from exante_tui.core.mime import Attachment, Base64Text, OutgoingMessage, new_message_id
from exante_tui.core.replies import ReplyContext, resolve_reply
from exante_tui.core.text_fields import header_problem
from exante_tui.core.validation import mode_details, parse_model
from exante_tui.errors import ErrorDetail, NotFound, ValidationFailed
from exante_tui.store.models import Account, AttachmentMeta, Draft, DraftAttachment


@dataclass
class PreparedSend:
    """A validated message, its sender and its threading, ready to record and send."""

    account: Account
    message: OutgoingMessage
    reply: ReplyContext | None
    fields: ComposedFields
    attachment_meta: list[AttachmentMeta]

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


def attachments_of(request: ComposedFields) -> list[Attachment]:
    """The request's attachments, left in base64 until the message is built."""
    return [
        Attachment(a.filename, a.content_type, Base64Text(a.data_base64))
        for a in request.attachments or []
    ]


def load_draft(session: Session, draft_uid: uuid.UUID) -> Draft:
    """The draft, or ``NotFound``."""
    draft = session.get(Draft, draft_uid)
    if draft is None:
        raise NotFound(
            "The draft does not exist.", [ErrorDetail("draft_uid", f"no draft {draft_uid}")]
        )
    return draft


def prepare_draft(session: Session, draft: Draft, clock: Callable[[], datetime]) -> PreparedSend:
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
    return prepare(session, checked, decoded, clock)


def prepare(
    session: Session,
    fields: ComposedFields,
    attachments: list[Attachment],
    clock: Callable[[], datetime],
) -> PreparedSend:
    """Resolve the sender and threading, build the message (dated by ``clock``) and check
    its attachments' sizes."""
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
        date=clock(),
        body_text=fields.body_text,
        body_html=fields.body_html,
        attachments=attachments,
        in_reply_to=reply.in_reply_to if reply else None,
        references=reply.references if reply else None,
    )
    meta: list[AttachmentMeta] = [
        AttachmentMeta(filename=a.filename, content_type=a.content_type, size=len(a.data))
        for a in attachments
    ]
    session.expunge(account)
    return PreparedSend(account, message, reply, fields, meta)


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
