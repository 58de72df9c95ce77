"""The demo store: offline accounts, threads with Gmail mappings, drafts and outbox records.

Everything is relative to ``now`` so screenshots and snapshot tests can pin the clock.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta
from typing import Any

from exante_tui.core.drafts import DraftContent
from exante_tui.core.html_text import html_to_text
from exante_tui.core.mime import Attachment, OutgoingMessage, build_message
from exante_tui.core.sent_mail import snippet_of
from exante_tui.services import Services
from exante_tui.store.models import (
    Account,
    AttachmentMeta,
    Conversation,
    Direction,
    EmailMessage,
    OutboundEmail,
    ReceivedAttachment,
    SendStatus,
)
from exante_tui.store.raw_messages import save_raw_message

OWNER = "billing@northwind.example"
SECOND = "ada@northwind.example"

# A minimal but valid one-page PDF, so the demo invoice opens in a viewer.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png() -> bytes:
    """A valid 8x8 PNG (a small orange square), so the demo image opens in a viewer."""
    row = b"\x00" + b"\xf0\x80\x30" * 8
    pixels = zlib.compress(row * 8)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


DEMO_PNG = _png()

INVOICE_HTML = (
    "<html><head><style>td{padding:4px}</style></head><body>"
    "<p>Hello Northwind Billing,</p><p>Your Wingtip Cloud invoice for November is ready.</p>"
    "<table><tr><th>Item</th><th>Qty</th><th>Amount</th></tr>"
    "<tr><td>Mail archive (50 GB)</td><td>1</td><td>120.00 EUR</td></tr>"
    "<tr><td>Extra seats</td><td>3</td><td>45.00 EUR</td></tr>"
    "<tr><td><b>Total</b></td><td></td><td><b>165.00 EUR</b></td></tr></table>"
    '<p>View and pay it <a href="https://billing.wingtip.example/invoices/WT-11873">online</a>'
    ' or read our <a href="https://wingtip.example/terms">terms</a>.</p>'
    "<blockquote>Questions? Reply to this email.</blockquote></body></html>"
)

RETAINER_HTML = (
    "<html><body><p>Hi team,</p><p>We'd like to <b>renew the retainer</b> for Q3.</p>"
    "<ul><li>Same scope</li><li>Monthly invoicing</li></ul>"
    "<p>The signed order form and our updated logo are attached.</p><p>Ken</p></body></html>"
)

# Each message: sender, to, hours ago, text, html, labels, attachments (name, type, bytes).
THREADS: list[dict[str, Any]] = [
    {
        "subject": "Invoice INV-2024-001 - Payment Reminder",
        "owner": OWNER,
        "thread": "18c1a2b3c4d5e6f7",
        "context": "invoice",
        "messages": [
            (
                "Northwind Billing <billing@northwind.example>",
                ["maria@contoso.example"],
                72,
                "Hi Maria,\n\nInvoice INV-2024-001 for 4,200.00 EUR was due on Monday.\n"
                "Could you let us know when we can expect payment?\n\nThanks,\nNorthwind Billing",
                None,
                ["SENT"],
                [],
            ),
            (
                "Maria Garcia <maria@contoso.example>",
                [OWNER],
                30,
                "Hello,\n\nSorry for the delay - the invoice is with our accounts team.\n"
                "Could you resend it with our PO number 88-1402 on it?\n\nBest,\nMaria",
                None,
                ["INBOX", "UNREAD"],
                [],
            ),
        ],
    },
    {
        "subject": "Q3 retainer renewal",
        "owner": OWNER,
        "thread": "18c1a2b3c4d5e700",
        "context": None,
        "messages": [
            (
                "Ken Sato <ken@fabrikam.example>",
                [OWNER, SECOND],
                20,
                None,
                RETAINER_HTML,
                ["INBOX", "UNREAD", "IMPORTANT", "Clients"],
                [
                    ("retainer-Q3-order-form.pdf", "application/pdf", DEMO_PDF),
                    ("fabrikam-logo.png", "image/png", DEMO_PNG),
                ],
            ),
        ],
    },
    {
        "subject": "Your Wingtip Cloud invoice WT-11873",
        "owner": OWNER,
        "thread": "18c1a2b3c4d5e702",
        "context": None,
        "messages": [
            (
                "Wingtip Cloud <invoices@wingtip.example>",
                [OWNER],
                6,
                None,
                INVOICE_HTML,
                ["INBOX", "STARRED"],
                [],
            ),
        ],
    },
    {
        "subject": "Site visit next Tuesday",
        "owner": SECOND,
        "thread": "18c1a2b3c4d5e701",
        "context": None,
        "messages": [
            (
                "Ada Lovelace <ada@northwind.example>",
                ["tom@litware.example"],
                50,
                "Hi Tom,\n\nDoes 10:00 next Tuesday still work for the site visit?\n\nAda",
                None,
                ["SENT"],
                [],
            ),
            (
                "Tom Becker <tom@litware.example>",
                [SECOND],
                26,
                "Hi Ada,\n\nTuesday 10:00 works. See you then.\n\nTom",
                None,
                ["INBOX", "STARRED"],
                [],
            ),
            (
                "Ada Lovelace <ada@northwind.example>",
                ["tom@litware.example"],
                25,
                "Great, see you Tuesday.\n\nAda",
                None,
                ["SENT"],
                [],
            ),
        ],
    },
    {
        "subject": "Welcome to the supplier portal",
        "owner": OWNER,
        "thread": None,
        "context": None,
        "messages": [
            (
                "Portal <noreply@supplier-portal.example>",
                [OWNER],
                200,
                "Your supplier account is ready. This conversation was imported without a Gmail "
                "thread, so it cannot be answered in-thread.",
                None,
                ["INBOX"],
                [],
            ),
        ],
    },
]


def _add_threads(services: Services, accounts: dict[str, Account], now: datetime) -> None:
    with services.store.session() as session:
        for n, thread in enumerate(THREADS):
            conversation = Conversation(
                account_id=accounts[thread["owner"]].id,
                subject=thread["subject"],
                gmail_thread_id=thread["thread"],
                owner_email=thread["owner"],
                context_type=thread["context"],
            )
            session.add(conversation)
            references: list[str] = []
            for m, (sender, to, hours_ago, text, html, labels, files) in enumerate(
                thread["messages"]
            ):
                message_id = f"<demo-{n}-{m}@mail.northwind.example>"
                body = text if text is not None else html_to_text(html)
                message = EmailMessage(
                    conversation_id=conversation.id,
                    gmail_message_id=f"{thread['thread'] or 'local'}-{m}",
                    rfc_message_id=message_id,
                    in_reply_to=references[-1] if references else None,
                    references=" ".join(references) or None,
                    from_address=sender,
                    to=to,
                    subject=thread["subject"] if m == 0 else f"Re: {thread['subject']}",
                    date=now - timedelta(hours=hours_ago),
                    body_text=body,  # as sync stores HTML-only mail: rendered
                    body_html=html,
                    snippet=snippet_of(body),
                    direction=Direction.OUTBOUND if "SENT" in labels else Direction.INBOUND,
                    labels=labels,
                    attachments=[
                        AttachmentMeta(filename=name, content_type=kind, size=len(data))
                        for name, kind, data in files
                    ],
                )
                session.add(message)
                for position, (_name, _kind, data) in enumerate(files):
                    session.add(
                        ReceivedAttachment(message_id=message.id, position=position, data=data)
                    )
                references.append(message_id)
                conversation.last_message_at = message.date
                conversation.snippet = message.snippet


def _add_drafts(services: Services, owner: Account, now: datetime) -> None:
    drafts = services.drafts
    drafts.create(
        DraftContent(
            account_id=owner.id,
            to=["Accounts Payable <ap@contoso.example>"],
            cc=["maria@contoso.example"],
            subject="Invoice INV-2024-014 is overdue",
            body_text="Hello,\n\nInvoice INV-2024-014 (1,180.00 EUR) is now 14 days overdue.\n"
            "The invoice is attached again for convenience.\n\nKind regards,\nNorthwind Billing",
            context_type="invoice",
        ),
        [Attachment("INV-2024-014.pdf", "application/pdf", DEMO_PDF)],
    )
    drafts.create(
        DraftContent(
            account_id=owner.id,
            to=["ken@fabrikam.example"],
            subject="Monthly statement - October",
            body_text="Hi Ken,\n\nPlease find your October statement below.\n\nNorthwind Billing",
            planned_send_at=now + timedelta(days=1, hours=2),
        )
    )


def _add_outbox(services: Services, owner: Account, now: datetime) -> None:
    services.core.send(
        {
            "from_account_id": str(owner.id),
            "to": ["Lena Fischer <lena@adatum.example>"],
            "subject": "Thanks for your payment - INV-2024-009",
            "body_text": "Hi Lena,\n\nWe received your payment for INV-2024-009. Thank you!\n",
            "idempotency_key": "demo-thanks-inv-2024-009",
        }
    )
    message = OutgoingMessage(
        from_address=f"Northwind Billing <{OWNER}>",
        to=["finance@tailspin.example"],
        subject="Invoice INV-2024-011 - Payment Reminder",
        message_id="<demo-failed-1@mail.northwind.example>",
        date=now - timedelta(hours=3),
        body_text="Hello,\n\nA friendly reminder that INV-2024-011 is due on Friday.\n",
    )
    failed = OutboundEmail(
        account_id=owner.id,
        from_address=message.from_address,
        to=message.to,
        subject=message.subject,
        rfc_message_id=message.message_id,
        status=SendStatus.FAILED,
        error="Gmail did not send the message: HTTP 503 backend error (retries exhausted)",
        attempts=6,
        created_at=now - timedelta(hours=3),
    )
    with services.store.session() as session:
        session.add(failed)
        session.flush()
        save_raw_message(session, failed.id, build_message(message))


def build_demo(services: Services, now: datetime) -> None:
    """Fill an empty store with the demo data; every account uses the offline outbox."""
    owner = services.accounts.add_outbox(OWNER, "Northwind Billing")
    second = services.accounts.add_outbox(SECOND, "Ada Lovelace")
    _add_threads(services, {OWNER: owner, SECOND: second}, now)
    _add_drafts(services, owner, now)
    _add_outbox(services, owner, now)
