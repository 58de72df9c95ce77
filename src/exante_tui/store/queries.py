"""The reads the front ends need: paged lists, one thread, searches, known addresses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, or_
from sqlmodel import col, select

from exante_tui.store.db import Store
from exante_tui.store.models import (
    Account,
    AttachmentMeta,
    Conversation,
    Draft,
    DraftAttachment,
    EmailMessage,
    OutboundEmail,
)
from exante_tui.store.search import search_condition
from exante_tui.store.search_query import parse_query

DEFAULT_PAGE = 200


def _like(text: str) -> str:
    """``%text%`` lowercased, with LIKE's wildcards escaped (escape character ``\\``)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(text: str, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive "contains ``text``" on any of ``columns``."""
    pattern = _like(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


def list_accounts(store: Store) -> Sequence[Account]:
    """Every connected account, by email."""
    with store.session() as session:
        return session.exec(select(Account).order_by(Account.email)).all()


def account_by_email(store: Store, email: str) -> Account | None:
    """The account with this address (case-insensitive), if connected."""
    with store.session() as session:
        return session.exec(select(Account).where(Account.email == email.lower())).first()


def list_drafts(
    store: Store,
    *,
    search: str = "",
    include_sent: bool = False,
    account_id: uuid.UUID | None = None,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
) -> Sequence[Draft]:
    """Drafts, most recently edited first; unsent only unless ``include_sent``."""
    query = select(Draft)
    if account_id is not None:
        query = query.where(Draft.account_id == account_id)
    if not include_sent:
        query = query.where(col(Draft.outbound_email_uid).is_(None))
    if search:
        query = query.where(_matching(search, Draft.subject, Draft.body_text))
    query = query.order_by(col(Draft.updated_at).desc()).limit(limit).offset(offset)
    with store.session() as session:
        return session.exec(query).all()


def draft_attachments_meta(
    store: Store, draft_uids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AttachmentMeta]]:
    """Name, type and size of each draft's attachments (without loading their bytes)."""
    if not draft_uids:
        return {}
    query = (
        select(
            DraftAttachment.draft_id,
            DraftAttachment.filename,
            DraftAttachment.content_type,
            DraftAttachment.size,
        )
        .where(col(DraftAttachment.draft_id).in_(draft_uids))
        .order_by(col(DraftAttachment.position))
    )
    found: dict[uuid.UUID, list[AttachmentMeta]] = {}
    with store.session() as session:
        for draft_id, filename, content_type, size in session.exec(query).all():
            found.setdefault(draft_id, []).append(
                AttachmentMeta(filename=filename, content_type=content_type, size=size)
            )
    return found


def get_conversation(store: Store, conversation_uid: uuid.UUID) -> Conversation | None:
    """One conversation by uid."""
    with store.session() as session:
        return session.get(Conversation, conversation_uid)


def conversation_messages(store: Store, conversation_uid: uuid.UUID) -> Sequence[EmailMessage]:
    """A conversation's messages, oldest first."""
    query = (
        select(EmailMessage)
        .where(EmailMessage.conversation_id == conversation_uid)
        .order_by(col(EmailMessage.date).asc().nulls_first())
    )
    with store.session() as session:
        return session.exec(query).all()


def get_message(store: Store, message_uid: uuid.UUID) -> EmailMessage | None:
    """One message by uid."""
    with store.session() as session:
        return session.get(EmailMessage, message_uid)


def list_outbox(
    store: Store,
    *,
    search: str = "",
    context_type: str | None = None,
    account_id: uuid.UUID | None = None,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
) -> Sequence[OutboundEmail]:
    """Send records, newest first; only those linked to ``context_type`` records if given."""
    query = select(OutboundEmail)
    if context_type is not None:
        query = query.where(OutboundEmail.context_type == context_type)
    if account_id is not None:
        query = query.where(OutboundEmail.account_id == account_id)
    if search:
        query = query.where(_matching(search, OutboundEmail.subject, OutboundEmail.status))
    query = query.order_by(col(OutboundEmail.created_at).desc()).limit(limit).offset(offset)
    with store.session() as session:
        return session.exec(query).all()


def get_outbound(store: Store, outbound_uid: uuid.UUID) -> OutboundEmail | None:
    """One send record by uid."""
    with store.session() as session:
        return session.get(OutboundEmail, outbound_uid)


def known_addresses(store: Store, prefix: str, *, limit: int = 10) -> list[str]:
    """Addresses seen in stored mail that start with ``prefix`` (for completion)."""
    if not prefix:
        return []
    pattern = prefix.lower()
    found: dict[str, None] = {}
    with store.session() as session:
        for account in session.exec(select(Account)).all():
            if account.email.startswith(pattern):
                found.setdefault(account.email, None)
        senders = session.exec(
            select(EmailMessage.from_address)
            .where(func.lower(EmailMessage.from_address).like(_like(prefix), escape="\\"))
            .distinct()
            .limit(limit * 4)
        ).all()
    for sender in senders:
        if sender.lower().startswith(pattern) or f"<{pattern}" in sender.lower():
            found.setdefault(sender, None)
    return list(found)[:limit]


def list_conversations(
    store: Store,
    *,
    search: str = "",
    account_id: uuid.UUID | None = None,
    limit: int = DEFAULT_PAGE,
    offset: int = 0,
) -> Sequence[Conversation]:
    """Conversations, newest activity first, matching the search query ``search``
    (``store.search_query``; a bad query raises ``ValidationFailed`` naming ``query``)."""
    query = select(Conversation)
    if account_id is not None:
        query = query.where(Conversation.account_id == account_id)
    parsed = parse_query(search)
    newest_first = col(Conversation.last_message_at).desc().nulls_last()
    with store.session() as session:
        if not parsed.empty:
            query = query.where(search_condition(session.connection(), parsed))
        query = query.order_by(newest_first).limit(limit).offset(offset)
        return session.exec(query).all()


@dataclass(frozen=True)
class ConversationSummary:
    """What a list row shows beyond the conversation: unread, and who the other side is."""

    unread: bool
    other_party: str
    """The newest message's sender, or its first recipient when the inbox sent it."""


def conversation_summaries(
    store: Store, conversations: Sequence[Conversation]
) -> dict[uuid.UUID, ConversationSummary]:
    """A summary of each of ``conversations`` (two queries for all of them: the unread ones,
    and each one's newest message; no other message leaves the database)."""
    if not conversations:
        return {}
    owners = {c.id: (c.owner_email or "").lower() for c in conversations}
    wanted = col(EmailMessage.conversation_id).in_(list(owners))
    unread = (
        select(EmailMessage.conversation_id)
        .distinct()
        .where(wanted, cast(EmailMessage.labels, String).like('%"UNREAD"%'))
    )
    newest_first = col(EmailMessage.date).desc().nulls_last()
    ranked = (
        select(
            EmailMessage.conversation_id,
            col(EmailMessage.from_address).label("sender"),
            EmailMessage.to,
            func.row_number()
            .over(partition_by=col(EmailMessage.conversation_id), order_by=newest_first)
            .label("rank"),
        )
        .where(wanted)
        .subquery()
    )
    newest = select(ranked.c.conversation_id, ranked.c.sender, ranked.c.to).where(
        ranked.c.rank == 1
    )
    with store.session() as session:
        unread_ids = set(session.exec(unread).all())
        party = {
            uid: _other_party(sender, to, owners[uid])
            for uid, sender, to in session.execute(newest)
        }
    return {
        uid: ConversationSummary(uid in unread_ids, _display_name(party.get(uid, "")))
        for uid in owners
    }


def _other_party(sender: str, to: list[str], owner: str) -> str:
    """Who the newest message is with: its sender, or its first recipient when the owner
    sent it."""
    if parseaddr(sender)[1].lower() == owner:
        return to[0] if to else ""
    return sender


def _display_name(address: str) -> str:
    name, bare = parseaddr(address)
    return name or bare or address


def count_rows(store: Store, account_id: uuid.UUID | None = None) -> dict[str, int]:
    """How many unsent drafts, conversations, unread conversations and send records (of
    ``account_id``, or of every account). Unread threads are counted through the search
    index (``is:unread``), not by reading every message's labels."""
    queries: dict[str, Any] = {
        "drafts": select(func.count())
        .select_from(Draft)
        .where(col(Draft.outbound_email_uid).is_(None)),
        "conversations": select(func.count()).select_from(Conversation),
        "unread": select(func.count()).select_from(Conversation),
        "outbox": select(func.count()).select_from(OutboundEmail),
    }
    if account_id is not None:
        owner = {
            "drafts": col(Draft.account_id),
            "conversations": col(Conversation.account_id),
            "unread": col(Conversation.account_id),
            "outbox": col(OutboundEmail.account_id),
        }
        queries = {k: q.where(owner[k] == account_id) for k, q in queries.items()}
    with store.session() as session:
        unread = search_condition(session.connection(), parse_query("is:unread"), paged=False)
        queries["unread"] = queries["unread"].where(unread)
        return {name: int(session.exec(query).one()) for name, query in queries.items()}


def last_sending_account(store: Store) -> uuid.UUID | None:
    """The account of the newest send record, if anything was ever sent."""
    query = select(OutboundEmail.account_id).order_by(col(OutboundEmail.created_at).desc()).limit(1)
    with store.session() as session:
        return session.exec(query).first()


def get_draft(store: Store, draft_uid: uuid.UUID) -> Draft | None:
    """One draft by uid."""
    with store.session() as session:
        return session.get(Draft, draft_uid)


def undo_window_open(store: Store, draft_uid: uuid.UUID) -> bool:
    """Whether the draft still waits in an undo-send window (not sent, not undone)."""
    draft = get_draft(store, draft_uid)
    return draft is not None and draft.undo_send and draft.outbound_email_uid is None
