"""A Gmail message resource (``format=full``) → the fields of an ``EmailMessage`` row.

Gmail has already decoded the headers (RFC 2047) and the transfer encoding of each part;
part bodies arrive base64url-encoded in ``body.data``, attachments only as a
``body.attachmentId`` to fetch on demand.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import Any

from exante_tui.core.html_text import html_to_text
from exante_tui.core.sent_mail import snippet_of
from exante_tui.store.models import AttachmentMeta

SKIPPED_LABELS = frozenset({"DRAFT", "SPAM", "TRASH"})
"""Messages with these labels are not imported: drafts live in our store, spam and trash
are hidden as Gmail hides them."""

_NEEDS_QUOTES = re.compile(r'[()<>\[\]:;@\\,."]')


@dataclass(frozen=True)
class ParsedMessage:
    """What the store keeps of one Gmail message."""

    gmail_message_id: str
    gmail_thread_id: str
    label_ids: frozenset[str]
    rfc_message_id: str | None
    in_reply_to: str | None
    references: str | None
    from_address: str
    to: list[str]
    cc: list[str]
    subject: str
    date: datetime
    body_text: str
    body_html: str | None
    snippet: str
    attachments: list[AttachmentMeta]

    @property
    def sent(self) -> bool:
        """Sent from this mailbox (Gmail's ``SENT`` label)."""
        return "SENT" in self.label_ids

    @property
    def skipped(self) -> bool:
        """A draft, spam or trash: not imported."""
        return not SKIPPED_LABELS.isdisjoint(self.label_ids)


def without_nul(text: str) -> str:
    """``text`` without NUL characters: they mean nothing in mail, and PostgreSQL's text
    and JSON columns refuse them (a stranger's header must not stop a sync)."""
    return text.replace("\x00", "")


def _headers(part: dict[str, Any]) -> dict[str, str]:
    """Lowercased header name → value of the first header of that name."""
    found: dict[str, str] = {}
    for header in part.get("headers") or []:
        name, value = str(header.get("name", "")).lower(), str(header.get("value", ""))
        found.setdefault(name, without_nul(value))
    return found


def _one_line(value: str | None) -> str | None:
    """Header folding removed; None for an absent or blank header."""
    return (" ".join(value.split()) or None) if value else None


def _addresses(value: str | None) -> list[str]:
    """``Name <addr>`` (quoted when needed) or ``addr`` for each address of a header."""
    return list(_parse_addresses(value or ""))


@lru_cache(maxsize=4096)
def _parse_addresses(value: str) -> tuple[str, ...]:
    """:func:`_addresses`, remembered: the same To and Cc lines come back all the time."""
    found = []
    for name, address in getaddresses([value]):
        if not address:
            continue
        if name and _NEEDS_QUOTES.search(name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        found.append(f"{name} <{address}>" if name else address)
    return tuple(found)


def _date(resource: dict[str, Any], header: str | None) -> datetime:
    """The Date header in UTC; Gmail's ``internalDate`` (ms) when it is missing or broken."""
    if header:
        try:
            parsed = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
    millis = int(resource.get("internalDate") or 0)
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def decode_data(data: str) -> bytes:
    """Gmail's base64url body data (padding optional) as bytes."""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


@lru_cache(maxsize=1024)
def _charset(content_type: str) -> str:
    """The charset of a Content-Type header value; UTF-8 when it names none."""
    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_charset() or "utf-8"


def _text(part: dict[str, Any], headers: dict[str, str]) -> str:
    charset = _charset(headers.get("content-type") or "text/plain")
    data = decode_data(part.get("body", {}).get("data") or "")
    try:
        return without_nul(data.decode(charset, errors="replace"))
    except LookupError:
        return without_nul(data.decode("utf-8", errors="replace"))


@dataclass
class _Parts:
    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentMeta] = field(default_factory=list)

    def visit(self, part: dict[str, Any]) -> None:
        """Collect the first text and HTML bodies and every attachment, depth first."""
        mime_type = str(part.get("mimeType", "")).lower()
        body = part.get("body") or {}
        headers = _headers(part)
        disposition = (headers.get("content-disposition") or "").lower()
        if part.get("filename") or disposition.startswith("attachment"):
            self.attachments.append(
                AttachmentMeta(
                    filename=without_nul(str(part.get("filename") or "")) or "attachment",
                    content_type=mime_type or "application/octet-stream",
                    size=int(body.get("size") or 0),
                    gmail_attachment_id=body.get("attachmentId"),
                )
            )
        elif mime_type.startswith("multipart/"):
            for child in part.get("parts") or []:
                self.visit(child)
        elif mime_type == "text/plain" and self.text is None:
            self.text = _text(part, headers)
        elif mime_type == "text/html" and self.html is None:
            self.html = _text(part, headers)


def parse_message(resource: dict[str, Any]) -> ParsedMessage:
    """The row fields of a ``users.messages`` resource fetched with ``format=full``."""
    payload = resource.get("payload") or {}
    headers = _headers(payload)
    parts = _Parts()
    parts.visit(payload)
    if parts.text is not None:
        text = parts.text
    else:
        text = html_to_text(parts.html) if parts.html is not None else ""
    snippet = without_nul(html.unescape(resource.get("snippet") or "")) or snippet_of(text)
    return ParsedMessage(
        gmail_message_id=str(resource["id"]),
        gmail_thread_id=str(resource["threadId"]),
        label_ids=frozenset(resource.get("labelIds") or ()),
        rfc_message_id=_one_line(headers.get("message-id")),
        in_reply_to=_one_line(headers.get("in-reply-to")),
        references=_one_line(headers.get("references")),
        from_address=_one_line(headers.get("from")) or "",
        to=_addresses(headers.get("to")),
        cc=_addresses(headers.get("cc")),
        subject=_one_line(headers.get("subject")) or "",
        date=_date(resource, headers.get("date")),
        body_text=text,
        body_html=parts.html,
        snippet=snippet,
        attachments=parts.attachments,
    )
