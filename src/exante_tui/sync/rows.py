"""File parsed Gmail messages as Conversation and EmailMessage rows, never twice.

A message is known by its Gmail id within the account, whichever conversation holds it:
a message the app sent (filed by ``core.history`` with Gmail's id) is found, not copied,
and keeps its link to its OutboundEmail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from exante_tui.store.models import Account, Conversation, Direction, EmailMessage
from exante_tui.sync.parse import ParsedMessage


@dataclass
class Filed:
    """What one call to :func:`file_messages` added."""

    conversations: int = 0
    messages: int = 0


def file_messages(session: Session, account: Account, parsed: Iterable[ParsedMessage]) -> Filed:
    """Insert the messages not stored yet, creating their conversations as needed."""
    wanted = sorted((m for m in parsed if not m.skipped), key=lambda m: m.date)
    filed = Filed()
    if not wanted:
        return filed
    known = {
        message.gmail_message_id: message
        for message in session.exec(
            select(EmailMessage)
            .join(Conversation)
            .where(
                Conversation.account_id == account.id,
                col(EmailMessage.gmail_message_id).in_([m.gmail_message_id for m in wanted]),
            )
        )
    }
    threads = {
        conversation.gmail_thread_id: conversation
        for conversation in session.exec(
            select(Conversation).where(
                Conversation.account_id == account.id,
                col(Conversation.gmail_thread_id).in_({m.gmail_thread_id for m in wanted}),
            )
        )
    }
    for message in wanted:
        stored = known.get(message.gmail_message_id)
        if stored is not None:
            if message.attachments and stored.attachments != message.attachments:
                stored.attachments = message.attachments  # with Gmail's attachment ids
            continue
        conversation = threads.get(message.gmail_thread_id)
        if conversation is None:
            conversation = Conversation(
                account_id=account.id,
                subject=message.subject,
                gmail_thread_id=message.gmail_thread_id,
                owner_email=account.email,
            )
            session.add(conversation)
            threads[message.gmail_thread_id] = conversation
            filed.conversations += 1
        row = _row(conversation, message)
        session.add(row)
        known[message.gmail_message_id] = row
        filed.messages += 1
        conversation.owner_email = conversation.owner_email or account.email
        conversation.subject = conversation.subject or message.subject
        if conversation.last_message_at is None or message.date >= conversation.last_message_at:
            conversation.last_message_at = message.date
            conversation.snippet = message.snippet
    return filed


def _row(conversation: Conversation, message: ParsedMessage) -> EmailMessage:
    return EmailMessage(
        conversation_id=conversation.id,
        gmail_message_id=message.gmail_message_id,
        rfc_message_id=message.rfc_message_id,
        in_reply_to=message.in_reply_to,
        references=message.references,
        from_address=message.from_address,
        to=message.to,
        cc=message.cc,
        subject=message.subject,
        date=message.date,
        body_text=message.body_text,
        body_html=message.body_html,
        snippet=message.snippet,
        direction=Direction.OUTBOUND if message.sent else Direction.INBOUND,
        attachments=message.attachments,
    )
