"""What a reply starts with: recipients, ``Re:`` subject and the quoted original."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from exante_tui.core.addresses import bare_address
from exante_tui.core.drafts import DraftContent
from exante_tui.core.replies import reply_subject
from exante_tui.store.models import Account, Conversation, EmailMessage
from exante_tui.tui.format import quoted


def _unique(addresses: Iterable[str], exclude: set[str]) -> list[str]:
    seen = set(exclude)
    kept = []
    for address in addresses:
        bare = bare_address(address)
        if bare and bare not in seen:
            seen.add(bare)
            kept.append(address)
    return kept


def reply_content(
    parent: EmailMessage,
    conversation: Conversation,
    accounts: Sequence[Account],
    *,
    reply_all: bool,
) -> DraftContent:
    """A reply to ``parent`` from the conversation's inbox.

    Reply goes to the sender (or, when the inbox sent ``parent``, to its recipients); reply
    all adds everyone on To and Cc. Only the inbox itself is left out: colleagues stay in.
    """
    owner = (conversation.owner_email or "").lower()
    ours = {owner} if owner else set()
    from_us = bare_address(parent.from_address) in ours
    to = _unique(parent.to if from_us else [parent.from_address], ours)
    cc: list[str] = []
    if reply_all:
        to = _unique([*to, *parent.to], ours)
        cc = _unique(parent.cc, ours | {bare_address(a) for a in to})
    account = next((a for a in accounts if a.email == owner), None)
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
