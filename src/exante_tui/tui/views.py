"""The three lists of the main screen: how each fetches, renders a row and previews a row."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.store.models import (
    AttachmentMeta,
    Conversation,
    Draft,
    OutboundEmail,
    SendStatus,
)
from exante_tui.store.queries import ConversationSummary
from exante_tui.tui.format import human_size, literal, local_time, relative
from exante_tui.tui.waiting import seconds_left

STATUS_STYLE = {
    SendStatus.PENDING: "bold yellow",
    SendStatus.SENT: "bold green",
    SendStatus.FAILED: "bold red",
    SendStatus.UNKNOWN: "bold #c678dd",
}

RETRYABLE = frozenset({SendStatus.FAILED, SendStatus.UNKNOWN})
"""Statuses a retry may start from (the core reconciles an unknown send first)."""

UNKNOWN_HINT = "Gmail may or may not have this message; run reconcile (a retry reconciles first)."


@dataclass(frozen=True)
class View:
    """One list of the main screen. A column of width None takes the slack of the width."""

    name: str
    title: str
    columns: Sequence[tuple[str, int | None]]
    fetch: Callable[[Store, str, uuid.UUID | None, int, int], Sequence[Any]]
    """``fetch(store, search, account_id, limit, offset)``: one page of rows."""
    row: Callable[[Any, datetime], Sequence[str | Text]]
    preview: Callable[[Any, datetime], RenderableType]
    """``preview(row, now)``: never reads the store (``fetch`` brought all it shows, in the
    list's thread), so moving the cursor never waits on the database."""


@dataclass(frozen=True)
class ConversationRow:
    """A conversation as its list shows it: the row and its summary (unread, other side)."""

    conversation: Conversation
    summary: ConversationSummary

    @property
    def id(self) -> uuid.UUID:
        """The conversation's uid (the row's key)."""
        return self.conversation.id

    @property
    def subject(self) -> str:
        """The conversation's subject."""
        return self.conversation.subject


def _fields(pairs: Sequence[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold dim", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in pairs:
        if value:
            table.add_row(label, literal(value) if isinstance(value, str) else value)
    return table


def _when(when: datetime | None, now: datetime) -> str:
    return f"{local_time(when)} ({relative(when, now)})" if when else ""


# -- drafts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftRow:
    """A draft as its list shows it: the draft and its attachments' names and sizes."""

    draft: Draft
    files: list[AttachmentMeta]

    @property
    def id(self) -> uuid.UUID:
        """The draft's uid (the row's key)."""
        return self.draft.id

    @property
    def subject(self) -> str:
        """The draft's subject."""
        return self.draft.subject


def _drafts(
    store: Store, search: str, account_id: uuid.UUID | None, limit: int, offset: int
) -> list[DraftRow]:
    found = queries.list_drafts(
        store, search=search, account_id=account_id, limit=limit, offset=offset
    )
    files = queries.draft_attachments_meta(store, [d.id for d in found])
    return [DraftRow(d, files.get(d.id, [])) for d in found]


def _planned(draft: Draft, now: datetime) -> Text:
    """``in 2h`` for a schedule, ``sending in 7 s`` for a send in its undo window."""
    if draft.planned_send_at is None:
        return Text("")
    if draft.undo_send:
        return Text(f"sending in {seconds_left(draft.planned_send_at, now)} s", style="bold yellow")
    return Text(relative(draft.planned_send_at, now), style="bold cyan")


def _draft_row(row: DraftRow, now: datetime) -> Sequence[str | Text]:
    draft = row.draft
    return (
        ", ".join(draft.to) or "(no recipient)",
        draft.subject or "(no subject)",
        _planned(draft, now),
    )


def _schedule_field(draft: Draft, now: datetime) -> tuple[str, str]:
    if draft.undo_send and draft.planned_send_at is not None:
        return ("Sending", f"in {seconds_left(draft.planned_send_at, now)} s — u to undo")
    return ("Scheduled", _when(draft.planned_send_at, now))


def _draft_preview(row: DraftRow, now: datetime) -> RenderableType:
    draft = row.draft
    names = ", ".join(f"{f['filename']} ({human_size(f['size'])})" for f in row.files)
    head = _fields(
        [
            ("To", ", ".join(draft.to)),
            ("Cc", ", ".join(draft.cc)),
            ("Bcc", ", ".join(draft.bcc)),
            ("Subject", draft.subject),
            _schedule_field(draft, now),
            ("Reply", "threaded reply" if draft.reply_to_message_uid else ""),
            ("Files", names),
            ("Format", "Markdown → HTML" if draft.body_html else ""),
        ]
    )
    return Group(head, Text(""), literal(draft.body_text, body=True))


DRAFTS = View(
    name="drafts",
    title="Drafts",
    columns=[("To", 22), ("Subject", None), ("Scheduled", 15)],
    fetch=_drafts,
    row=_draft_row,
    preview=_draft_preview,
)


# -- conversations ------------------------------------------------------------------------------


def _conversations(
    store: Store, search: str, account_id: uuid.UUID | None, limit: int, offset: int
) -> list[ConversationRow]:
    found = queries.list_conversations(
        store, search=search, account_id=account_id, limit=limit, offset=offset
    )
    summaries = queries.conversation_summaries(store, found)
    return [ConversationRow(c, summaries[c.id]) for c in found]


def _conversation_row(row: ConversationRow, now: datetime) -> Sequence[str | Text]:
    conversation, unread = row.conversation, row.summary.unread
    subject = Text(conversation.subject or "(no subject)", style="bold" if unread else "")
    return (
        Text("●", style="bold") if unread else Text(""),
        relative(conversation.last_message_at, now),
        row.summary.other_party,
        subject,
    )


def _conversation_preview(row: ConversationRow, now: datetime) -> RenderableType:
    conversation = row.conversation
    head = _fields(
        [
            ("Subject", conversation.subject),
            ("With", row.summary.other_party),
            ("Inbox", conversation.owner_email or ""),
            ("State", "unread" if row.summary.unread else ""),
            ("Last", _when(conversation.last_message_at, now)),
            ("Thread", "" if conversation.gmail_thread_id else Text("no Gmail thread", "yellow")),
            ("Context", conversation.context_type or ""),
        ]
    )
    hint = Text("enter opens the thread · r/R/f reply or forward there", style="italic dim")
    return Group(head, Text(""), literal(conversation.snippet), Text(""), hint)


CONVERSATIONS = View(
    name="conversations",
    title="Conversations",
    columns=[("", 1), ("When", 9), ("From", 18), ("Subject", None)],
    fetch=_conversations,
    row=_conversation_row,
    preview=_conversation_preview,
)


# -- outbox -------------------------------------------------------------------------------------


def status_text(status: SendStatus | str) -> Text:
    """The status word in its colour: pending yellow, sent green, failed red, unknown purple."""
    return Text(str(status), style=STATUS_STYLE.get(SendStatus(status), ""))


def _outbox_row(record: OutboundEmail, now: datetime) -> Sequence[str | Text]:
    return (
        status_text(record.status),
        relative(record.created_at, now),
        ", ".join(record.to),
        record.subject,
        literal(record.error or "", style="red"),
    )


def outbox_fields(record: OutboundEmail, now: datetime, *, full: bool = True) -> Table:
    """A send record's fields; ``full`` adds the identifiers (for the details modal)."""
    files = ", ".join(f"{a['filename']} ({human_size(a['size'])})" for a in record.attachments)
    pairs: list[tuple[str, str | Text]] = [
        ("Status", status_text(record.status)),
        ("Error", literal(record.error or "", style="red")),
        ("From", record.from_address),
        ("To", ", ".join(record.to)),
        ("Cc", ", ".join(record.cc)),
        ("Bcc", ", ".join(record.bcc)),
        ("Subject", record.subject),
        ("Created", _when(record.created_at, now)),
        ("Sent", _when(record.sent_at, now)),
        ("Attempts", str(record.attempts)),
        ("Files", files),
    ]
    if full:
        pairs += [
            ("Record", str(record.id)),
            ("Message-ID", record.rfc_message_id),
            ("Gmail id", record.provider_message_id or ""),
            ("Gmail thread", record.provider_thread_id or ""),
            ("Draft", str(record.draft_uid or "")),
            ("Reply to", str(record.reply_to_message_uid or "")),
            ("Idem. key", record.idempotency_key or ""),
        ]
    return _fields(pairs)


def _outbox_preview(record: OutboundEmail, now: datetime) -> RenderableType:
    if record.status in RETRYABLE:
        hint = Text("r retries the send · enter shows all fields", style="italic dim")
    else:
        hint = Text("enter shows all fields", style="italic dim")
    parts: list[RenderableType] = [outbox_fields(record, now, full=False), Text("")]
    if record.status == SendStatus.UNKNOWN:
        parts += [Text(UNKNOWN_HINT, style=STATUS_STYLE[SendStatus.UNKNOWN]), Text("")]
    return Group(*parts, hint)


OUTBOX = View(
    name="outbox",
    title="Outbox",
    columns=[("Status", 7), ("When", 9), ("To", 16), ("Subject", None), ("Error", 14)],
    fetch=lambda store, search, account_id, limit, offset: queries.list_outbox(
        store, search=search, account_id=account_id, limit=limit, offset=offset
    ),
    row=_outbox_row,
    preview=_outbox_preview,
)

VIEWS = {view.name: view for view in (DRAFTS, CONVERSATIONS, OUTBOX)}
