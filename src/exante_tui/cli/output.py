"""JSON shapes and plain tables the CLI prints (field names as the issues give them)."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from exante_tui.display import clean

if TYPE_CHECKING:
    from exante_tui.store.models import (
        Account,
        AttachmentMeta,
        Conversation,
        Draft,
        EmailMessage,
        OutboundEmail,
    )


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """The ``--json`` flag of a listing or reporting subcommand."""
    parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")


_JSON_UNESCAPED = re.compile(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw although a terminal acts on it."""


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def say(text: str, *, body: bool = False, **kwargs: Any) -> None:
    """``print`` for text that holds anything from the store or the user: cleaned first."""
    print(clean(text, body=body), **kwargs)


def print_json(payload: Any, *, indent: int | None = 2) -> None:
    """The one JSON printer of the CLI (``indent=None`` for JSON Lines). UTF-8 is kept as
    is, except the C1 and bidi controls JSON leaves raw: those are ``\\u`` escapes."""
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    print(_JSON_UNESCAPED.sub(_escaped, text), flush=True)


def emit(args: argparse.Namespace, payload: Any, human: Callable[[], None]) -> None:
    """Print ``payload`` as JSON under ``--json``; otherwise let ``human`` print it."""
    if args.as_json:
        print_json(payload)
    else:
        human()


def iso(value: datetime | None) -> str | None:
    """UTC timestamps as ``2024-03-25T10:30:00Z``."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def account_json(account: Account) -> dict[str, Any]:
    return {
        "account_id": str(account.id),
        "email": account.email,
        "provider": str(account.provider),
        "display_name": account.display_name,
        "last_synced_at": iso(account.last_synced_at),
    }


def draft_status(draft: Draft) -> str:
    """``sent`` once sent, ``scheduled`` with a planned time, ``draft`` otherwise."""
    if draft.outbound_email_uid is not None:
        return "sent"
    return "scheduled" if draft.planned_send_at else "draft"


def draft_json(draft: Draft, attachments: list[AttachmentMeta]) -> dict[str, Any]:
    return {
        "draft_uid": str(draft.id),
        "status": draft_status(draft),
        "from_account_id": _str(draft.account_id),
        "to": draft.to,
        "cc": draft.cc,
        "bcc": draft.bcc,
        "subject": draft.subject,
        "reply_to_message_uid": _str(draft.reply_to_message_uid),
        "planned_send_at": iso(draft.planned_send_at),
        "attachments": attachments,
        "context_type": draft.context_type,
        "context_id": _str(draft.context_id),
        "outbound_email_uid": _str(draft.outbound_email_uid),
        "updated_at": iso(draft.updated_at),
    }


def outbound_json(record: OutboundEmail) -> dict[str, Any]:
    return {
        "outbound_email_uid": str(record.id),
        "provider_message_id": record.provider_message_id,
        "provider_thread_id": record.provider_thread_id,
        "status": str(record.status),
        "sent_at": iso(record.sent_at),
        "from": record.from_address,
        "to": record.to,
        "cc": record.cc,
        "bcc": record.bcc,
        "subject": record.subject,
        "rfc_message_id": record.rfc_message_id,
        "idempotency_key": record.idempotency_key,
        "error": record.error,
        "context_type": record.context_type,
        "context_id": _str(record.context_id),
        "draft_uid": _str(record.draft_uid),
        "reply_to_message_uid": _str(record.reply_to_message_uid),
        "attachments": record.attachments,
        "attempts": record.attempts,
        "created_at": iso(record.created_at),
    }


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation_uid": str(conversation.id),
        "subject": conversation.subject,
        "gmail_thread_id": conversation.gmail_thread_id,
        "owner_email": conversation.owner_email,
        "last_message_at": iso(conversation.last_message_at),
        "snippet": conversation.snippet,
        "context_type": conversation.context_type,
        "context_id": _str(conversation.context_id),
    }


def message_json(message: EmailMessage) -> dict[str, Any]:
    return {
        "message_uid": str(message.id),
        "rfc_message_id": message.rfc_message_id,
        "gmail_message_id": message.gmail_message_id,
        "in_reply_to": message.in_reply_to,
        "references": message.references,
        "from": message.from_address,
        "to": message.to,
        "cc": message.cc,
        "subject": message.subject,
        "date": iso(message.date),
        "direction": str(message.direction),
        "body_text": message.body_text,
        "attachments": message.attachments,
        "labels": message.labels,
    }


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """A plain aligned table of ``columns`` (lists joined with commas)."""
    if not rows:
        print("(none)")
        return

    def cell(value: Any) -> str:
        text = (
            ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
        )
        text = clean(text)
        return text if len(text) <= 60 else text[:59] + "…"

    table = [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
