"""Keep sent mail in the conversation list: a sent message becomes an outbound EmailMessage."""

from __future__ import annotations

import uuid
from email import message_from_bytes
from email.message import EmailMessage as MimeMessage
from email.policy import default

from sqlmodel import Session, insert, select

from exante_tui.core.html_text import html_to_text
from exante_tui.core.replies import references_for
from exante_tui.store.bulk_rows import new_row
from exante_tui.store.models import (
    Account,
    Conversation,
    Direction,
    EmailMessage,
    OutboundEmail,
)

SNIPPET_LENGTH = 140


def snippet_of(text: str) -> str:
    """The first words of a body on one line, as mail clients show in lists."""
    flat = " ".join(line for line in text.split() if line)
    return flat[:SNIPPET_LENGTH]


def bodies_of(raw: bytes) -> tuple[str, str | None]:
    """The text and HTML bodies of a built message (parsed: use when they are not at hand)."""
    mime = message_from_bytes(raw, policy=default)
    assert isinstance(mime, MimeMessage)
    text_part = mime.get_body(preferencelist=("plain",))
    html_part = mime.get_body(preferencelist=("html",))
    html = html_part.get_content() if html_part is not None else None
    if text_part is not None:
        return text_part.get_content(), html
    return (html_to_text(html) if html else ""), html


def record_sent_message(
    session: Session,
    record: OutboundEmail,
    account: Account,
    bodies: tuple[str, str | None],
) -> None:
    """File a sent record under its conversation (the parent's, or a new one for fresh mail).

    New rows go in as ORM bulk inserts (no object per row); an existing conversation is
    updated with the session's next flush.
    """
    parent, conversation = _thread_of(session, record, account)
    text, html = bodies
    snippet = snippet_of(text)
    conversation_id = _file_conversation(session, conversation, record, account, snippet)
    message = new_row(
        EmailMessage,
        conversation_id=conversation_id,
        gmail_message_id=record.provider_message_id,
        rfc_message_id=record.rfc_message_id,
        in_reply_to=parent.rfc_message_id if parent else None,
        references=references_for(parent) if parent else None,
        from_address=record.from_address,
        to=list(record.to),
        cc=list(record.cc),
        subject=record.subject,
        date=record.sent_at,
        body_text=text,
        body_html=html,
        snippet=snippet,
        direction=Direction.OUTBOUND,
        attachments=list(record.attachments),
        outbound_email_id=record.id,
    )
    session.execute(insert(EmailMessage), [message])


def _thread_of(
    session: Session, record: OutboundEmail, account: Account
) -> tuple[EmailMessage | None, Conversation | None]:
    """The message a sent record replies to, and the conversation it belongs in (the
    parent's, else the one of its Gmail thread); None for what is not there."""
    conversation = None
    parent = None
    if record.reply_to_message_uid is not None:
        parent = session.get(EmailMessage, record.reply_to_message_uid)
        if parent is not None:
            conversation = session.get(Conversation, parent.conversation_id)
    if conversation is None and record.provider_thread_id:
        conversation = session.exec(
            select(Conversation).where(
                Conversation.account_id == account.id,
                Conversation.gmail_thread_id == record.provider_thread_id,
            )
        ).first()
    return parent, conversation


def _file_conversation(
    session: Session,
    conversation: Conversation | None,
    record: OutboundEmail,
    account: Account,
    snippet: str,
) -> uuid.UUID:
    """The id of the conversation the sent message goes in: ``conversation`` brought up to
    date, or a new one (born with its last message: no UPDATE of the row just inserted)."""
    if conversation is not None:
        conversation.last_message_at = record.sent_at
        conversation.snippet = snippet
        return conversation.id
    row = new_row(
        Conversation,
        account_id=account.id,
        subject=record.subject,
        gmail_thread_id=record.provider_thread_id,
        owner_email=account.email,
        context_type=record.context_type,
        context_id=record.context_id,
        last_message_at=record.sent_at,
        snippet=snippet,
    )
    session.execute(insert(Conversation), [row])
    conversation_id: uuid.UUID = row["id"]
    return conversation_id
