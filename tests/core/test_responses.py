"""Reply and forward drafts: who they go to, their subject and what they quote."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from exante_tui.core.responses import (
    forward_content,
    forward_subject,
    reply_content,
    reply_recipients,
)
from exante_tui.store.models import Account, Conversation, EmailMessage

OWNER = "billing@northwind.example"
WHEN = datetime(2026, 11, 19, 13, 0, tzinfo=UTC)
LOCAL = WHEN.astimezone().strftime("%Y-%m-%d %H:%M")


def message(**fields: object) -> EmailMessage:
    defaults: dict[str, object] = {"conversation_id": uuid.uuid4(), "date": WHEN}
    return EmailMessage(**(defaults | fields))  # type: ignore[arg-type]


RECEIVED = message(
    from_address="Ken Sato <ken@fabrikam.example>",
    to=[OWNER, "ada@northwind.example"],
    cc=["legal@fabrikam.example", "Billing <BILLING@northwind.example>"],
    subject="Q3 retainer",
    body_text="Please renew.\n\nKen\n",
)
SENT = message(
    from_address=f"Northwind Billing <{OWNER}>",
    to=["maria@contoso.example", "ap@contoso.example"],
    cc=["boss@contoso.example"],
    subject="Invoice 1",
    body_text="Invoice attached.",
)


@pytest.mark.parametrize(
    ("parent", "reply_all", "to", "cc"),
    [
        (RECEIVED, False, ["Ken Sato <ken@fabrikam.example>"], []),
        (
            RECEIVED,
            True,
            ["Ken Sato <ken@fabrikam.example>", "ada@northwind.example"],
            ["legal@fabrikam.example"],
        ),
        # The owner sent it: the reply goes to that message's recipients, not to ourselves.
        (SENT, False, ["maria@contoso.example", "ap@contoso.example"], []),
        (SENT, True, ["maria@contoso.example", "ap@contoso.example"], ["boss@contoso.example"]),
    ],
)
def test_reply_recipients(
    parent: EmailMessage, reply_all: bool, to: list[str], cc: list[str]
) -> None:
    assert reply_recipients(parent, OWNER, reply_all=reply_all) == (to, cc)


def test_reply_quotes_its_parent_and_comes_from_the_owner() -> None:
    owner = Account(email=OWNER)
    conversation = Conversation(account_id=owner.id, subject="Q3 retainer", owner_email=OWNER)
    content = reply_content(RECEIVED, conversation, [owner], reply_all=False)
    assert content.account_id == owner.id
    assert content.subject == "Re: Q3 retainer"
    assert content.reply_to_message_uid == RECEIVED.id
    expected = f"On {LOCAL}, Ken Sato <ken@fabrikam.example> wrote:\n> Please renew.\n>\n> Ken"
    assert expected in content.body_text


def test_forward_subject_is_never_doubled() -> None:
    assert forward_subject("Q3 retainer") == "Fwd: Q3 retainer"
    assert forward_subject("Fwd: Q3 retainer") == "Fwd: Q3 retainer"
    assert forward_subject("FW: Q3 retainer") == "FW: Q3 retainer"
    assert forward_subject("Re: Q3 retainer") == "Fwd: Re: Q3 retainer"


def test_forward_is_a_fresh_draft_with_the_header_block_above_the_text() -> None:
    owner, other = Account(email="ada@northwind.example"), Account(email=OWNER)
    conversation = Conversation(account_id=other.id, subject="Q3 retainer", owner_email=OWNER)
    content = forward_content(RECEIVED, conversation, [owner, other])
    assert content.account_id == other.id
    assert content.to == [] and content.reply_to_message_uid is None
    assert content.subject == "Fwd: Q3 retainer"
    block = content.body_text.strip().splitlines()
    assert block[:6] == [
        "---------- Forwarded message ----------",
        "From: Ken Sato <ken@fabrikam.example>",
        f"Date: {LOCAL}",
        "Subject: Q3 retainer",
        f"To: {OWNER}, ada@northwind.example",
        "Cc: legal@fabrikam.example, Billing <BILLING@northwind.example>",
    ]
    assert block[7:] == ["Please renew.", "", "Ken"]
