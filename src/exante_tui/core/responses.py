"""What a reply or a forward starts with: recipients, subject, quoted original, sender.

Both are drafts from the conversation owner's account. A reply threads onto its parent
(core send mode C); a forward is an ordinary fresh message (mode B) carrying the
original's attachments, which the caller fetches (``sync.message_attachments``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from exante_tui.core.addresses import bare_address
from exante_tui.core.drafts import DraftContent
from exante_tui.core.html_text import readable_body
from exante_tui.core.replies import reply_subject
from exante_tui.store.models import Account, Conversation, EmailMessage

_FORWARD_PREFIXES = ("fwd:", "fw:")


def _local(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""


def _unique(addresses: Iterable[str], exclude: set[str]) -> list[str]:
    seen = set(exclude)
    kept = []
    for address in addresses:
        bare = bare_address(address)
        if bare and bare not in seen:
            seen.add(bare)
            kept.append(address)
    return kept


def _owner(conversation: Conversation, accounts: Sequence[Account]) -> tuple[str, Account | None]:
    owner = (conversation.owner_email or "").lower()
    return owner, next((a for a in accounts if a.email == owner), None)


def reply_recipients(
    parent: EmailMessage, owner_email: str, *, reply_all: bool
) -> tuple[list[str], list[str]]:
    """To and Cc of a reply to ``parent`` from the inbox ``owner_email``.

    Reply goes to the sender, or, when the inbox sent ``parent``, to its recipients (as mail
    clients do); reply all adds everyone on To and Cc. Only the inbox itself is left out.
    """
    ours = {owner_email.lower()} if owner_email else set()
    from_us = bare_address(parent.from_address) in ours
    to = _unique(parent.to if from_us else [parent.from_address], ours)
    cc: list[str] = []
    if reply_all:
        to = _unique([*to, *parent.to], ours)
        cc = _unique(parent.cc, ours | {bare_address(a) for a in to})
    return to, cc


def quoted(message: EmailMessage) -> str:
    """``On <date>, <from> wrote:`` and the body with ``> `` before each line."""
    lines = readable_body(message).rstrip("\n").splitlines() or [""]
    header = f"On {_local(message.date)}, {message.from_address} wrote:"
    return "\n".join([header, *(f"> {line}" if line else ">" for line in lines)])


def reply_content(
    parent: EmailMessage,
    conversation: Conversation,
    accounts: Sequence[Account],
    *,
    reply_all: bool,
) -> DraftContent:
    """A threaded reply to ``parent`` from the conversation's inbox."""
    owner, account = _owner(conversation, accounts)
    to, cc = reply_recipients(parent, owner, reply_all=reply_all)
    return DraftContent(
        account_id=account.id if account else None,
        to=to,
        cc=cc,
        subject=reply_subject(parent.subject or conversation.subject),
        body_text=f"\n\n{quoted(parent)}\n",
        reply_to_message_uid=parent.id,
        context_type=conversation.context_type,
        context_id=conversation.context_id,
    )


def forward_subject(subject: str) -> str:
    """``Fwd: subject``, never doubled (``Fwd:``, ``FW:`` and ``fw:`` count as there)."""
    stripped = subject.strip()
    if stripped.lower().startswith(_FORWARD_PREFIXES):
        return stripped
    return f"Fwd: {stripped}"


def forwarded_block(message: EmailMessage) -> str:
    """The header block (From, Date, Subject, To, Cc) and the original text."""
    lines = [
        "---------- Forwarded message ----------",
        f"From: {message.from_address}",
        f"Date: {_local(message.date)}",
        f"Subject: {message.subject}",
        f"To: {', '.join(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    return "\n".join(lines) + "\n\n" + readable_body(message).rstrip("\n") + "\n"


def forward_content(
    message: EmailMessage, conversation: Conversation, accounts: Sequence[Account]
) -> DraftContent:
    """A fresh message from the conversation's inbox that forwards ``message`` (no
    recipients yet; the caller attaches the original's files)."""
    _owner_email, account = _owner(conversation, accounts)
    return DraftContent(
        account_id=account.id if account else None,
        subject=forward_subject(message.subject or conversation.subject),
        body_text=f"\n\n{forwarded_block(message)}",
        context_type=conversation.context_type,
        context_id=conversation.context_id,
    )
