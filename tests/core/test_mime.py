"""MIME built with the standard library, parsed back and checked header by header."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from exante_tui.core.mime import (
    Attachment,
    Base64Text,
    OutgoingMessage,
    build_message,
)

WHEN = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def build(**extra: object) -> EmailMessage:
    fields: dict[str, object] = {
        "from_address": "Northwind Billing <billing@northwind.example>",
        "to": ["Maria García <maria@contoso.example>"],
        "subject": "Invoice INV-2024-001",
        "message_id": "<abc@northwind.example>",
        "date": WHEN,
        **extra,
    }
    raw = build_message(OutgoingMessage(**fields))  # type: ignore[arg-type]
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_text_only() -> None:
    message = build(body_text="Hello Maria")
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "Hello Maria"
    assert message["Message-ID"] == "<abc@northwind.example>"
    assert message["Date"] == "Thu, 26 Nov 2026 10:30:00 +0000"
    assert message["To"] == "Maria García <maria@contoso.example>"
    assert message["In-Reply-To"] is None and message["References"] is None


def test_html_only_gets_a_text_alternative() -> None:
    message = build(body_html="<p>Hi&nbsp;there</p><ul><li>one</li></ul><script>x()</script>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "Hi there" in text.get_content() and "* one" in text.get_content()
    assert "x()" not in text.get_content()
    assert "<p>Hi&nbsp;there</p>" in html.get_content()


def test_text_and_html_are_alternatives_with_attachments_mixed() -> None:
    message = build(
        body_text="Plain",
        body_html="<p>Rich</p>",
        attachments=[
            Attachment("Rechnung März.pdf", "application/pdf", b"%PDF-1.4"),
            Attachment("notes.txt", "text/plain", "Grüße\n".encode()),
        ],
    )
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Plain"
    files = list(message.iter_attachments())
    assert [a.get_filename() for a in files] == ["Rechnung März.pdf", "notes.txt"]
    assert files[0].get_content() == b"%PDF-1.4"
    assert files[1].get_content_type() == "text/plain"


def test_non_ascii_subject_and_names_are_encoded_on_the_wire() -> None:
    raw = build_message(
        OutgoingMessage(
            from_address="Zoë <zoe@northwind.example>",
            to=["Maria García <maria@contoso.example>"],
            subject="Zahlungserinnerung: Rechnung fällig",
            message_id="<x@northwind.example>",
            date=WHEN,
            body_text="Grüße",
        )
    )
    assert raw.isascii()
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == "Zahlungserinnerung: Rechnung fällig"
    assert parsed["From"] == "Zoë <zoe@northwind.example>"


def test_bcc_is_a_header_for_gmail_to_deliver_and_strip() -> None:
    message = build(body_text="x", cc=["c@contoso.example"], bcc=["hidden@northwind.example"])
    assert message["Bcc"] == "hidden@northwind.example"
    assert "hidden" not in message["To"] + message["Cc"]


def test_reply_headers() -> None:
    message = build(
        body_text="x",
        in_reply_to="<p2@contoso.example>",
        references="<p1@contoso.example> <p2@contoso.example>",
    )
    assert message["In-Reply-To"] == "<p2@contoso.example>"
    assert message["References"] == "<p1@contoso.example> <p2@contoso.example>"


@pytest.mark.parametrize("given_as", ["bytes", "base64 text"])
@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        57,  # one whole line
        57 * 1024,  # one whole block
        57 * 1024 + 1,  # one byte into a second block
        256 * 700 + 4,  # several blocks, not a multiple of the 57-byte line
    ],
)
def test_attachment_bodies_match_the_email_package_byte_for_byte(given_as: str, size: int) -> None:
    """The block-wise attachment encoding writes what ``email`` itself would write, from
    decoded bytes (drafts) or from the request's base64 (sends, cut into lines without
    being decoded), over several blocks and at their edges."""
    from email.policy import SMTP

    data = (bytes(range(256)) * (size // 256 + 1))[:size]
    content = data if given_as == "bytes" else Base64Text(base64.b64encode(data).decode())
    assert len(content) == len(data)
    raw = build_message(
        OutgoingMessage(
            from_address="a@northwind.example",
            to=["b@contoso.example"],
            subject="s",
            message_id="<m@northwind.example>",
            date=WHEN,
            body_text="x",
            attachments=[Attachment("a.bin", "application/octet-stream", content)],
        )
    )
    parsed = message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    [part] = list(parsed.iter_attachments())
    assert part.get_content() == data
    expected = EmailMessage(policy=SMTP)
    expected.set_content(data, maintype="application", subtype="octet-stream")
    body = expected.as_bytes(policy=SMTP).split(b"\r\n\r\n", 1)[1]
    assert body in raw


def test_repeated_headers_build_the_same_bytes_every_time() -> None:
    """Header objects are reused between messages; folding one must not change it."""
    many = [f"Cliente Número {i} <c{i}@contoso.example>" for i in range(12)]
    message = OutgoingMessage(
        from_address="Northwind Billing <billing@northwind.example>",
        to=many,
        cc=["Zoë Ünal <zoe@contoso.example>"],
        subject="Facture n° INV-2024-001 — rappel, " * 3,
        message_id="<same@northwind.example>",
        date=WHEN,
        body_text="x",
    )
    first = build_message(message)
    assert build_message(message) == first == build_message(message)
    parsed = message_from_bytes(first, policy=default)
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        f"c{i}@contoso.example" for i in range(12)
    ]
    assert max(len(line) for line in first.split(b"\r\n")) <= 78
