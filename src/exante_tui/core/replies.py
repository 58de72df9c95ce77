"""Resolve ``reply_to_message_uid`` into Gmail threading: thread id, headers, sender inbox."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from exante_tui.errors import ErrorDetail, NotFound, ValidationFailed
from exante_tui.store.models import Account, Conversation, EmailMessage

FIELD = "reply_to_message_uid"
_ID_TEXT = r"[\x21-\x3b\x3d\x3f\x41-\x7e]+"  # printable ASCII but "<", ">" and "@"
_MESSAGE_ID = re.compile(rf"<{_ID_TEXT}@{_ID_TEXT}>")


@dataclass(frozen=True)
class ReplyContext:
    """What a threaded reply needs: who sends it, into which thread, with which headers."""

    account: Account
    conversation: Conversation
    parent: EmailMessage
    thread_id: str
    in_reply_to: str
    references: str


def reply_subject(subject: str) -> str:
    """``Re: subject``, without doubling an existing ``Re:``/``RE:``."""
    stripped = subject.strip()
    return stripped if stripped[:3].lower() == "re:" else f"Re: {stripped}"


def is_message_id(value: str) -> bool:
    """Whether ``value`` is one plain ``<left@right>`` Message-ID, safe to write in a header:
    printable ASCII only, no RFC 2047 encoded word that could decode into a line break."""
    return _MESSAGE_ID.fullmatch(value) is not None and "=?" not in value


def message_ids(value: str | None) -> list[str]:
    """The well-formed Message-IDs in a synced threading header; anything else is dropped."""
    return [token for token in (value or "").split() if is_message_id(token)]


def references_for(parent: EmailMessage) -> str:
    """The parent's References followed by the parent's own Message-ID (RFC 5322 §3.6.4).

    These headers come from other people's mail: malformed entries are dropped, not sent.
    """
    chain = message_ids(parent.references)
    if not chain:
        chain = message_ids(parent.in_reply_to)[:1]
    own = (parent.rfc_message_id or "").strip()
    if is_message_id(own) and own not in chain:
        chain.append(own)
    return " ".join(chain)


def resolve_reply(session: Session, message_uid: uuid.UUID) -> ReplyContext:
    """Load the parent message and check the seed's three threading requirements."""
    parent = session.get(EmailMessage, message_uid)
    if parent is None:
        raise NotFound(
            "The message to reply to does not exist.",
            [ErrorDetail(FIELD, f"no message with uid {message_uid}")],
        )
    conversation = session.get(Conversation, parent.conversation_id)
    assert conversation is not None  # enforced by the foreign key
    problems = []
    own = (parent.rfc_message_id or "").strip()
    if not own:
        problems.append("the message has no RFC Message-ID header to reply to")
    elif not is_message_id(own):
        problems.append("the message's Message-ID header is malformed; it cannot be replied to")
    if not conversation.gmail_thread_id:
        problems.append("the conversation has no Gmail thread mapping")
    account = None
    if not conversation.owner_email:
        problems.append("the conversation has no owner inbox to send from")
    else:
        owner = conversation.owner_email.lower()
        account = session.exec(select(Account).where(Account.email == owner)).first()
        if account is None:
            problems.append(f"the conversation's owner inbox {owner} is not a connected account")
    if problems or account is None:
        raise ValidationFailed(
            "This message cannot be replied to in its thread.",
            [ErrorDetail(FIELD, problem) for problem in problems],
        )
    return ReplyContext(
        account=account,
        conversation=conversation,
        parent=parent,
        thread_id=conversation.gmail_thread_id or "",
        in_reply_to=own,
        references=references_for(parent),
    )
