"""Per-account signatures: stored on the account, added by the composer and templates.

The send path never adds one: ``send`` delivers exactly what it is given.
"""

from __future__ import annotations

import html

from sqlmodel import select

from exante_tui.core.text_fields import check_body_text
from exante_tui.errors import ErrorDetail, NotFound, ValidationFailed
from exante_tui.store.db import Store
from exante_tui.store.models import Account

DELIMITER = "-- "
"""The conventional signature separator line (RFC 3676 §4.3)."""


def text_signature(signature: str) -> str:
    """The signature block for a plain-text body."""
    return f"{DELIMITER}\n{signature.rstrip()}"


def signed_body(body: str, signature: str | None) -> str:
    """A composer's opening body: the signature first, then ``body`` (a reply's quote)."""
    if not signature:
        return body
    rest = body.lstrip("\n")
    return f"\n\n{text_signature(signature)}\n" + (f"\n{rest}" if rest else "")


def html_signature(account: Account) -> str | None:
    """The signature block for an HTML body (the text one, escaped, when there is no HTML)."""
    if account.signature_html:
        body = account.signature_html
    elif account.signature_text:
        body = html.escape(account.signature_text.rstrip()).replace("\n", "<br>\n")
    else:
        return None
    return f'<div class="signature">{DELIMITER}<br>\n{body}</div>'


def append_signature(
    account: Account | None, body_text: str | None, body_html: str | None
) -> tuple[str | None, str | None]:
    """``body_text`` and ``body_html`` with ``account``'s signature below them."""
    if account is None or not (account.signature_text or account.signature_html):
        return body_text, body_html
    if body_text is not None and account.signature_text:
        body_text = f"{body_text.rstrip()}\n\n{text_signature(account.signature_text)}\n"
    block = html_signature(account)
    if body_html is not None and block is not None:
        body_html = f"{body_html.rstrip()}\n{block}\n"
    return body_text, body_html


class Signatures:
    """Setting and clearing an account's signature."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def set(self, email: str, text: str | None, html_text: str | None) -> Account:
        """Store the signature of the account ``email`` (None and None clears it)."""
        details = []
        for field, value in (("text_file", text), ("html_file", html_text)):
            if value is None:
                continue
            try:
                check_body_text(value)
            except ValueError as exc:
                details.append(ErrorDetail(field, str(exc)))
        if html_text is not None and text is None:
            details.append(ErrorDetail("text_file", "is required with --html-file"))
        if details:
            raise ValidationFailed("The signature is not valid.", details)
        with self.store.session() as session:
            address = email.strip().lower()
            account = session.exec(select(Account).where(Account.email == address)).first()
            if account is None:
                raise NotFound(f"No connected account {email}.", [ErrorDetail("email", email)])
            account.signature_text = text
            account.signature_html = html_text
            session.flush()
            session.expunge(account)
            return account
