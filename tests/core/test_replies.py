"""Reply helpers: subject prefixes and the References chain."""

from __future__ import annotations

import uuid

from exante_tui.core.replies import references_for, reply_subject
from exante_tui.store.models import EmailMessage


def message(**fields: object) -> EmailMessage:
    return EmailMessage(conversation_id=uuid.uuid4(), **fields)  # type: ignore[arg-type]


def test_reply_subject_is_not_doubled() -> None:
    assert reply_subject("Invoice 1") == "Re: Invoice 1"
    assert reply_subject("Re: Invoice 1") == "Re: Invoice 1"
    assert reply_subject("RE: Invoice 1") == "RE: Invoice 1"


def test_references_append_parent_id() -> None:
    parent = message(rfc_message_id="<b@x>", references="<a@x>")
    assert references_for(parent) == "<a@x> <b@x>"


def test_references_fall_back_to_in_reply_to() -> None:
    parent = message(rfc_message_id="<b@x>", in_reply_to="<a@x>")
    assert references_for(parent) == "<a@x> <b@x>"


def test_references_never_repeat_the_parent() -> None:
    parent = message(rfc_message_id="<b@x>", references="<a@x> <b@x>")
    assert references_for(parent) == "<a@x> <b@x>"
