"""RFC 5322 message building with the standard library (``policy=SMTP``)."""

from __future__ import annotations

import base64
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from exante_tui.core.addresses import bare_address
from exante_tui.core.attachments import BASE64_BLOCK_CHARS, base64_blocks, decoded_size
from exante_tui.core.html_text import html_to_text
from exante_tui.mail.headers import SMTP_POLICY


@dataclass(frozen=True)
class Base64Text:
    """Attachment content still in a request's checked, strict base64.

    Decoded block by block while the message is built, so a large attachment is never
    held decoded as well as encoded. ``len()`` is the decoded size.
    """

    text: str

    def __len__(self) -> int:
        return decoded_size(self.text)


@dataclass(frozen=True)
class Attachment:
    """An attachment ready to go into a message: its bytes, or its base64 text."""

    filename: str
    content_type: str
    data: bytes | Base64Text

    def content(self) -> bytes:
        """The decoded bytes (a `Base64Text` is decoded whole)."""
        return self.data if isinstance(self.data, bytes) else b"".join(_blocks(self.data))


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything that ends up in the headers and body of one message."""

    from_address: str
    to: list[str]
    subject: str
    message_id: str
    date: datetime
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    body_text: str | None = None
    body_html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    in_reply_to: str | None = None
    references: str | None = None


def new_message_id(from_address: str) -> str:
    """A fresh ``<…@domain>`` Message-ID on the sender's domain."""
    domain = bare_address(from_address).rpartition("@")[2] or "exante.invalid"
    return make_msgid(domain=domain)


def _transfer_encoding(text: str) -> str:
    """7-bit when possible, quoted-printable otherwise, so every message is plain ASCII."""
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def build_message(message: OutgoingMessage) -> bytes:
    """The wire bytes (CRLF line ends): text, HTML or both, plus attachments.

    Bcc is kept as a header: Gmail delivers to it and strips it from what others see.
    """
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = message.from_address
    email["To"] = ", ".join(message.to)
    if message.cc:
        email["Cc"] = ", ".join(message.cc)
    if message.bcc:
        email["Bcc"] = ", ".join(message.bcc)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.date)
    email["Message-ID"] = message.message_id
    if message.in_reply_to:
        email["In-Reply-To"] = message.in_reply_to
    if message.references:
        email["References"] = message.references
    text = message.body_text
    if text is None and message.body_html is not None:
        text = html_to_text(message.body_html)
    email.set_content(text or "", cte=_transfer_encoding(text or ""))
    if message.body_html is not None:
        email.add_alternative(
            message.body_html, subtype="html", cte=_transfer_encoding(message.body_html)
        )
    placeholders = []
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        placeholder = secrets.token_bytes(_LINE_BYTES)
        placeholders.append((_encode_lines(placeholder), attachment.data))
        email.add_attachment(
            placeholder, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return _splice(email.as_bytes(policy=SMTP_POLICY), placeholders)


_LINE_BYTES = 57  # base64 of 57 bytes is one 76-character line, as the email package writes
_BLOCK_BYTES = BASE64_BLOCK_CHARS // 4 * 3  # 1,024 lines


def _encode_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines, exactly as ``email`` encodes attachment bodies."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _blocks(data: bytes | Base64Text) -> Iterator[bytes]:
    """The content in decoded blocks of ``_BLOCK_BYTES`` (the last one shorter)."""
    if isinstance(data, Base64Text):
        yield from base64_blocks(data.text)
        return
    for start in range(0, len(data), _BLOCK_BYTES):
        yield data[start : start + _BLOCK_BYTES]


def _splice(raw: bytes, placeholders: list[tuple[bytes, bytes | Base64Text]]) -> bytes:
    """Put each attachment's base64 where its one-line placeholder is, block by block.

    The email package would hold several encoded copies of every attachment at once;
    this keeps one (the output), which matters for 20 MB invoices and scans.
    """
    out = io.BytesIO()
    position = 0
    for encoded_placeholder, data in placeholders:
        start = raw.index(encoded_placeholder, position)
        out.write(raw[position:start])
        for block in _blocks(data):
            out.write(_encode_lines(block))
        position = start + len(encoded_placeholder)
    out.write(raw[position:])
    return out.getvalue()
