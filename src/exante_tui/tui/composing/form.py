"""The compose form: its widgets, what they hold as draft content, and its status lines."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, ProgressBar, Select, Static, Switch, TextArea

from exante_tui.core.drafts import DraftContent
from exante_tui.core.mime import Attachment
from exante_tui.errors import ExanteError
from exante_tui.store import queries
from exante_tui.store.db import Store
from exante_tui.store.models import Account
from exante_tui.tui.format import local_time, relative
from exante_tui.tui.widgets.address_field import AddressField
from exante_tui.tui.widgets.attachments import AttachmentPanel

_MARKDOWN = MarkdownIt("commonmark")


def form(
    content: DraftContent,
    accounts: Sequence[Account],
    chosen: uuid.UUID | None,
    attachments: list[Attachment],
    lookup: Callable[[str], list[str]],
) -> ComposeResult:
    """The form's widgets, filled with ``content``, sending from ``chosen``."""
    options = [
        (f"{a.display_name} <{a.email}>" if a.display_name else a.email, a.id) for a in accounts
    ]
    with Vertical(id="form"):
        with Horizontal(classes="row"):
            yield Label("From", classes="label")
            yield Select(
                options,
                value=chosen if chosen is not None else Select.NULL,
                allow_blank=not options,
                disabled=content.reply_to_message_uid is not None,
                id="from",
            )
        yield AddressField("To", content.to, lookup, id="to")
        yield AddressField("Cc", content.cc, lookup, id="cc")
        yield AddressField("Bcc", content.bcc, lookup, id="bcc")
        with Horizontal(classes="row"):
            yield Label("Subject", classes="label")
            yield Input(content.subject, placeholder="Subject", select_on_focus=False, id="subject")
        with Horizontal(classes="row", id="options"):
            yield Label("Markdown", classes="label")
            markdown = Switch(content.body_html is not None, id="markdown")
            markdown.can_focus = False  # ctrl+r toggles it; tab goes subject -> body
            yield markdown
            yield Label("", classes="hint", id="markdown-hint")
            yield Label("", id="schedule-status")
        yield Static("", id="final")
        yield TextArea(content.body_text, soft_wrap=True, id="body")
        yield AttachmentPanel(attachments, id="attachments")
        yield Static("", id="error")
        yield ProgressBar(total=100, show_eta=False, id="progress")


def form_content(
    screen: Screen[None], initial: DraftContent, planned_send_at: datetime | None
) -> DraftContent:
    """What the form holds now, as draft content (HTML rendered when Markdown is on); what
    the form does not show comes from ``initial``."""
    account = screen.query_one("#from", Select).value
    body = screen.query_one("#body", TextArea).text
    markdown = screen.query_one("#markdown", Switch).value
    return initial.model_copy(
        update={
            "account_id": account if isinstance(account, uuid.UUID) else None,
            "to": screen.query_one("#to", AddressField).addresses,
            "cc": screen.query_one("#cc", AddressField).addresses,
            "bcc": screen.query_one("#bcc", AddressField).addresses,
            "subject": screen.query_one("#subject", Input).value,
            "body_text": body,
            "body_html": _MARKDOWN.render(body) if markdown else None,
            "planned_send_at": planned_send_at,
        }
    )


def set_editable(screen: Screen[None], editable: bool, *, reply: bool) -> None:
    """Let the form change, or not (a reply's sender never changes)."""
    for widget in screen.query("#form Input, #form Select, #form Switch"):
        widget.disabled = not editable
    screen.query_one("#from", Select).disabled = not editable or reply
    screen.query_one("#body", TextArea).read_only = not editable
    screen.query_one(AttachmentPanel).disabled = not editable


@dataclass(frozen=True)
class Senders:
    """The accounts the From list offers, and the one chosen."""

    accounts: Sequence[Account]
    chosen: uuid.UUID | None


def load_senders(store: Store, account_id: uuid.UUID | None) -> Senders:
    """The accounts, and ``account_id`` or else the default (reads the store: call it in a
    thread before the composer opens)."""
    accounts = queries.list_accounts(store)
    chosen = account_id or default_account(store, [a.id for a in accounts])
    return Senders(accounts, chosen)


def default_account(store: Store, account_ids: list[uuid.UUID]) -> uuid.UUID | None:
    """The account used most recently for sending, else the first one."""
    recent = queries.last_sending_account(store)
    if recent in account_ids:
        return recent
    return account_ids[0] if account_ids else None


def markdown_hint(on: bool) -> str:
    """The Markdown switch's state in words (some terminals blur its colours)."""
    return "on: write Markdown, send text + HTML" if on else "off: plain text"


def schedule_status(when: datetime | None, now: datetime) -> str:
    """The schedule line: when the draft is planned to go, if it is."""
    if when is not None and when <= now:
        return f"Scheduled: {local_time(when)} (due: goes when you leave this draft)"
    return f"Scheduled: {planned_label(when, now)}" if when else ""


def planned_label(when: datetime | None, now: datetime) -> str:
    """``2026-11-27 11:52 (in 1d 2h)`` or empty."""
    return f"{local_time(when)} ({relative(when, now)})" if when else ""


def show_error(screen: Screen[None], error: BaseException) -> None:
    """Show ``error`` in the form's error area: a ``ExanteError``'s message, details and send
    record; anything else as unexpected."""
    text = Text()
    if isinstance(error, ExanteError):
        text.append(error.message, style="bold")
        for detail in error.details:
            text.append(f"\n  {detail.field}: {detail.message}")
        if error.outbound_email_uid:
            text.append(f"\n  send record: {error.outbound_email_uid}", style="dim")
    else:
        text.append(f"Unexpected error: {error}", style="bold")
    area = screen.query_one("#error", Static)
    area.update(text)
    area.add_class("shown")
