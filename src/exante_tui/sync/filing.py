"""File parsed Gmail messages as Conversation and EmailMessage rows, never twice, and
forget the ones Gmail no longer shows.

A message is known by its Gmail id within the account, whichever conversation holds it:
a message the app sent (filed by ``core.sent_mail`` with Gmail's id) is found, not copied,
and keeps its link to its OutboundEmail.

One call costs two lookups and at most two bulk inserts (new conversations, then new
messages), however many messages it files: building and flushing an ORM object per row
cost about as much as fetching the message in a batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, col, insert, select

from exante_tui.store.bulk_rows import new_row
from exante_tui.store.models import (
    Account,
    Conversation,
    Direction,
    Draft,
    EmailMessage,
    OutboundEmail,
    SendStatus,
)
from exante_tui.sync.parse import ParsedMessage

T = TypeVar("T")


@dataclass
class Filed:
    """What one call to :func:`file_messages` added."""

    conversations: int = 0
    messages: int = 0


LabelNames = Mapping[str, str]
"""Gmail label id → name, for user labels (system labels keep their ids: ``UNREAD``…)."""


def label_list(label_ids: Iterable[str], names: LabelNames) -> list[str]:
    """What the store keeps of a message's labels: names, sorted."""
    return sorted(names.get(label_id, label_id) for label_id in label_ids)


Threads = dict[str | None, Conversation | dict[str, Any]]
"""The account's conversations by Gmail thread id: stored ones, and rows about to be."""


def file_messages(
    session: Session,
    account: Account,
    parsed: Iterable[ParsedMessage],
    label_names: LabelNames | None = None,
) -> Filed:
    """Insert the messages not stored yet, creating their conversations as needed; stored
    ones take Gmail's current labels (and attachment ids)."""
    names = label_names or {}
    wanted = sorted((m for m in parsed if not m.skipped), key=lambda m: m.date)
    filed = Filed()
    if not wanted:
        return filed
    known = _known_messages(session, account, wanted)
    threads = _known_threads(session, account, wanted)
    new_conversations: list[dict[str, Any]] = []
    new_messages: list[dict[str, Any]] = []
    added: set[str] = set()
    for message in wanted:
        stored = known.get(message.gmail_message_id)
        if stored is not None:
            _refresh(stored, message, names)
            continue
        if message.gmail_message_id in added:
            continue
        conversation = threads.get(message.gmail_thread_id)
        if conversation is None:
            conversation = new_row(
                Conversation,
                account_id=account.id,
                subject=message.subject,
                gmail_thread_id=message.gmail_thread_id,
                owner_email=account.email,
            )
            new_conversations.append(conversation)
            threads[message.gmail_thread_id] = conversation
        _add_to(conversation, account, message)
        new_messages.append(_message_row(conversation, message, names))
        added.add(message.gmail_message_id)
    if new_conversations:
        session.execute(insert(Conversation), new_conversations)
    if new_messages:
        session.execute(insert(EmailMessage), new_messages)
    filed.conversations = len(new_conversations)
    filed.messages = len(new_messages)
    return filed


def _known_messages(
    session: Session, account: Account, wanted: list[ParsedMessage]
) -> dict[str | None, EmailMessage]:
    """The account's stored messages among ``wanted``, by Gmail id."""
    # Found by Gmail id alone, the account checked here: with the account in the query,
    # SQLite walks every conversation of the account for each batch.
    return {
        message.gmail_message_id: message
        for message, account_id in session.exec(
            select(EmailMessage, Conversation.account_id)
            .join(Conversation)
            .where(col(EmailMessage.gmail_message_id).in_({m.gmail_message_id for m in wanted}))
        )
        if account_id == account.id
    }


def _known_threads(session: Session, account: Account, wanted: list[ParsedMessage]) -> Threads:
    """The account's stored conversations of the threads of ``wanted``."""
    return {
        conversation.gmail_thread_id: conversation
        for conversation in session.exec(
            select(Conversation).where(
                Conversation.account_id == account.id,
                col(Conversation.gmail_thread_id).in_({m.gmail_thread_id for m in wanted}),
            )
        )
    }


def _refresh(stored: EmailMessage, message: ParsedMessage, names: LabelNames) -> None:
    """A stored message takes Gmail's current labels and attachment ids."""
    if message.attachments and stored.attachments != message.attachments:
        stored.attachments = message.attachments  # with Gmail's attachment ids
    labels = label_list(message.label_ids, names)
    if stored.labels != labels:
        stored.labels = labels


def _add_to(
    conversation: Conversation | dict[str, Any], account: Account, message: ParsedMessage
) -> None:
    """Bring a conversation (a row to insert, or a stored one) up to date with ``message``;
    a stored one is only written to where a field changes."""
    if isinstance(conversation, dict):
        _file_in(conversation, account, message)
        return
    fields = _file_in(_fields(conversation), account, message)
    for name, value in fields.items():
        if getattr(conversation, name) != value:
            setattr(conversation, name, value)


_TRACKED = ("owner_email", "subject", "last_message_at", "snippet")
"""The conversation fields a new message may change."""


def _fields(conversation: Conversation) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in _TRACKED}


def _file_in(
    conversation: dict[str, Any], account: Account, message: ParsedMessage
) -> dict[str, Any]:
    """Update ``conversation``'s fields for ``message``, filed in it; returns them."""
    conversation["owner_email"] = conversation["owner_email"] or account.email
    conversation["subject"] = conversation["subject"] or message.subject
    last = conversation["last_message_at"]
    if last is None or message.date >= last:
        conversation["last_message_at"] = message.date
        conversation["snippet"] = message.snippet
    return conversation


def _message_row(
    conversation: Conversation | dict[str, Any], message: ParsedMessage, names: LabelNames
) -> dict[str, Any]:
    conversation_id = conversation["id"] if isinstance(conversation, dict) else conversation.id
    return new_row(
        EmailMessage,
        conversation_id=conversation_id,
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
        labels=label_list(message.label_ids, names),
    )


_IN_CHUNK = 500
"""Ids per ``IN (...)``: well below every database's limit on bound parameters."""


def _in_chunks(values: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def relabel_messages(
    session: Session, account: Account, labels: Mapping[str, list[str]], names: LabelNames
) -> int:
    """Give the account's stored messages their new Gmail labels; how many changed."""
    changed = 0
    for chunk in _in_chunks(list(labels)):
        for message in session.exec(
            select(EmailMessage)
            .join(Conversation)
            .where(
                Conversation.account_id == account.id,
                col(EmailMessage.gmail_message_id).in_(chunk),
            )
        ):
            new = label_list(labels[message.gmail_message_id or ""], names)
            if message.labels != new:
                message.labels = new
                changed += 1
    return changed


def forget_messages(session: Session, account: Account, gmail_ids: Iterable[str]) -> int:
    """Delete the account's messages that Gmail no longer shows; how many went.

    A message an unsent draft or send record replies to stays, so that reply keeps its
    thread. A conversation left without messages goes too; the others show their newest
    remaining message.
    """
    doomed: list[EmailMessage] = []
    for chunk in _in_chunks(list(gmail_ids)):
        doomed += session.exec(
            select(EmailMessage)
            .join(Conversation)
            .where(
                Conversation.account_id == account.id,
                col(EmailMessage.gmail_message_id).in_(chunk),
            )
        ).all()
    awaited = _awaited_parents(session, [m.id for m in doomed])
    touched: set[uuid.UUID] = set()
    removed = 0
    for message in doomed:
        if message.id not in awaited:
            touched.add(message.conversation_id)
            session.delete(message)
            removed += 1
    session.flush()
    for conversation_id in touched:
        _show_newest(session, conversation_id)
    return removed


def _awaited_parents(session: Session, message_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The messages among ``message_ids`` that a draft or an unsent record replies to."""
    awaited: set[uuid.UUID | None] = set()
    for chunk in _in_chunks(message_ids):
        awaited.update(
            session.exec(
                select(Draft.reply_to_message_uid).where(
                    col(Draft.reply_to_message_uid).in_(chunk),
                    col(Draft.outbound_email_uid).is_(None),
                )
            ).all()
        )
        awaited.update(
            session.exec(
                select(OutboundEmail.reply_to_message_uid).where(
                    col(OutboundEmail.reply_to_message_uid).in_(chunk),
                    OutboundEmail.status != SendStatus.SENT,
                )
            ).all()
        )
    return {uid for uid in awaited if uid is not None}


def _show_newest(session: Session, conversation_id: uuid.UUID) -> None:
    """Point a conversation at its newest message, or delete it when it has none left."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        return
    newest = session.exec(
        select(EmailMessage)
        .where(EmailMessage.conversation_id == conversation_id)
        .order_by(col(EmailMessage.date).desc())
        .limit(1)
    ).first()
    if newest is None:
        session.delete(conversation)
    else:
        conversation.last_message_at = newest.date
        conversation.snippet = newest.snippet
