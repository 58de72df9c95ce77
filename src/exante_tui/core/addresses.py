"""Mailbox validation: one real address per entry, display names allowed, no header injection."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address, AddressHeader
from email.utils import parseaddr
from functools import lru_cache
from typing import cast

from email_validator import EmailNotValidError, validate_email

from exante_tui.core.text_fields import header_problem
from exante_tui.mail.headers import HEADERS


@lru_cache(maxsize=4096)
def check_address(value: str) -> str:
    """Return ``value`` normalised (``Name <addr>``) or raise ``ValueError`` saying why.

    Cached: business mail goes to the same people again and again, and each check parses
    the mailbox twice (the email package, then ``email-validator``).
    """
    problem = header_problem(value)
    if problem:
        raise ValueError(problem)
    if not value.strip():
        raise ValueError("is empty")
    try:
        header = HEADERS("To", value)
    except (IndexError, HeaderParseError, ValueError) as exc:
        raise ValueError(f"is not a well-formed mailbox: {exc}") from None
    to = cast(AddressHeader, header)  # the registry's class for "To" is an AddressHeader
    mailboxes = to.addresses
    if len(mailboxes) != 1 or len(to.groups) != 1:
        raise ValueError("must hold exactly one mailbox (use a list entry per recipient)")
    if header.defects:
        raise ValueError(f"is not a well-formed mailbox: {header.defects[0]}")
    name, addr = mailboxes[0].display_name, mailboxes[0].addr_spec
    problem = header_problem(name)
    if problem:
        raise ValueError(f"display name {problem}")
    try:
        valid = validate_email(addr, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{addr!r} is not a valid email address: {exc}") from None
    return str(Address(display_name=name, addr_spec=valid.normalized))


def bare_address(value: str) -> str:
    """The addr-spec of a mailbox, lowercased, for comparisons."""
    return parseaddr(value)[1].lower()
