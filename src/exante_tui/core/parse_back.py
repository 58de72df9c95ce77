"""The second fence against header injection: read the built message back before it is
recorded, and refuse it unless its headers are exactly the ones that were validated."""

from __future__ import annotations

from email.headerregistry import AddressHeader
from email.parser import BytesHeaderParser
from typing import cast

from exante_tui.core.addresses import bare_address
from exante_tui.core.mime import OutgoingMessage
from exante_tui.errors import ErrorDetail, ValidationFailed
from exante_tui.mail.headers import HEADERS, READ_POLICY

_ALWAYS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}
_OPTIONAL = {"cc", "bcc", "in-reply-to", "references", "content-transfer-encoding"}
_PARSER = BytesHeaderParser(policy=READ_POLICY)


def _refuse(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(
        "The message was refused: its headers differ from the request.",
        [ErrorDetail(field, reason)],
    )


def built_headers(raw: bytes) -> dict[str, list[str]]:
    """Each top-level header of ``raw`` (lowercased name) with every value it has."""
    end = raw.find(b"\r\n\r\n")
    parsed = _PARSER.parsebytes(raw[: end + 4] if end >= 0 else raw)
    headers: dict[str, list[str]] = {}
    for name, value in parsed.items():
        headers.setdefault(name.lower(), []).append(str(value))
    return headers


def _addresses(values: list[str]) -> set[str]:
    found: set[str] = set()
    for value in values:
        header = HEADERS("To", value)
        to = cast(AddressHeader, header)  # the registry's class for "To" is an AddressHeader
        found |= {a.addr_spec.lower() for a in to.addresses}
    return found


def check_built_message(raw: bytes, message: OutgoingMessage) -> None:
    """Refuse ``raw`` unless its sender and recipients are exactly ``message``'s and it
    carries no header beyond the ones this app writes, each once."""
    headers = built_headers(raw)
    unexpected = sorted(set(headers) - _ALWAYS - _OPTIONAL)
    if unexpected:
        raise _refuse("headers", f"the message would carry headers nobody asked for: {unexpected}")
    repeated = sorted(name for name, values in headers.items() if len(values) > 1)
    if repeated:
        raise _refuse("headers", f"the message would repeat the headers {repeated}")
    wanted = {
        "from": [message.from_address],
        "to": message.to,
        "cc": message.cc,
        "bcc": message.bcc,
    }
    for name, validated in wanted.items():
        expected = {bare_address(value) for value in validated}
        if _addresses(headers.get(name, [])) != expected:
            raise _refuse(name, "the built message's recipients differ from the validated ones")
