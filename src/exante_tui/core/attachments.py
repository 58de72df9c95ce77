"""Attachment checks: strict base64, safe filenames, well-formed content types, Gmail's limit."""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from exante_tui.core.text_fields import header_problem
from exante_tui.errors import ErrorDetail, ValidationFailed
from exante_tui.mail.limits import GMAIL_MAX_MESSAGE_BYTES

if TYPE_CHECKING:
    from exante_tui.core.mime import Attachment

MiB = 1024 * 1024
_CONTENT_TYPE = re.compile(
    r"[A-Za-z0-9][\w!#$&^.+-]{0,126}/[A-Za-z0-9][\w!#$&^.+-]{0,126}", re.ASCII
)
_CONTAINER_TYPES = ("multipart/", "message/")


BASE64_BLOCK_CHARS = 76 * 1024
"""Base64 is checked and decoded this many characters at a time: 1,024 MIME lines."""


def check_base64(value: str) -> str:
    """Accept only canonical, padded standard base64 (no whitespace, no URL alphabet).

    Checked block by block: a large attachment is never decoded whole just to be checked.
    """
    try:
        if value.find("=", 0, max(0, len(value) - 2)) != -1:
            raise ValueError("padding before the end")
        for _block in base64_blocks(value, strict=True):
            pass
    except ValueError:  # binascii.Error included; non-ASCII text raises ValueError
        raise ValueError(
            "is not strict base64 (standard alphabet, padded, no whitespace)"
        ) from None
    return value


def base64_blocks(text: str, *, strict: bool = False) -> Iterator[bytes]:
    """``text`` decoded ``BASE64_BLOCK_CHARS`` at a time; ``strict`` refuses anything but
    the standard alphabet with correct padding (``binascii.Error``, a ``ValueError``)."""
    for start in range(0, len(text), BASE64_BLOCK_CHARS):
        yield binascii.a2b_base64(text[start : start + BASE64_BLOCK_CHARS], strict_mode=strict)


def check_filename(value: str) -> str:
    """A plain file name: not empty, no directories, no control characters."""
    if not value.strip():
        raise ValueError("is empty")
    problem = header_problem(value) or ("contains a tab" if "\t" in value else None)
    if problem:
        raise ValueError(problem)
    if "/" in value or "\\" in value or value in {".", ".."}:
        raise ValueError("must be a file name, not a path")
    if len(value.encode()) > 255:
        raise ValueError("is longer than 255 bytes")
    return value


def check_content_type(value: str) -> str:
    """A ``type/subtype`` MIME type without parameters, naming a leaf part: a ``multipart/*``
    or ``message/*`` type describes a container, which raw attachment bytes never are."""
    if not _CONTENT_TYPE.fullmatch(value):
        raise ValueError("must be a MIME type such as 'application/pdf'")
    if value.lower().startswith(_CONTAINER_TYPES):
        raise ValueError(
            f"{value!r} is a container type; attach the file as application/octet-stream"
        )
    return value.lower()


def decoded_size(data_base64: str) -> int:
    """Bytes the base64 text decodes to, without decoding it."""
    padding = data_base64.count("=", max(0, len(data_base64) - 2))
    return len(data_base64) // 4 * 3 - padding


def encoded_size(raw_size: int) -> int:
    """Bytes an attachment of ``raw_size`` takes inside a MIME message (base64, 76-col lines)."""
    chars = (raw_size + 2) // 3 * 4
    return chars + (chars + 75) // 76 * 2


def attachment_size_details(attachments: list[Attachment]) -> list[ErrorDetail]:
    """Attachments over Gmail's limit, each named; or, when none is alone, all of them
    together (so size problems are reported with every other problem, at once)."""
    details = [
        ErrorDetail(
            f"attachments[{i}]",
            f"{a.filename!r} is {len(a.data) / MiB:.1f} MiB encoded as "
            f"{encoded_size(len(a.data)) / MiB:.1f} MiB; Gmail's limit is 35 MiB per message",
        )
        for i, a in enumerate(attachments)
        if encoded_size(len(a.data)) > GMAIL_MAX_MESSAGE_BYTES
    ]
    total = sum(encoded_size(len(a.data)) for a in attachments)
    if not details and total > GMAIL_MAX_MESSAGE_BYTES:
        details.append(
            ErrorDetail(
                "attachments",
                f"{len(attachments)} files are {total / MiB:.1f} MiB encoded together; "
                "Gmail's limit is 35 MiB per message",
            )
        )
    return details


def check_attachment_sizes(attachments: list[Attachment]) -> None:
    """Refuse attachments over Gmail's limit (see :func:`attachment_size_details`)."""
    details = attachment_size_details(attachments)
    if details:
        raise ValidationFailed("The message is larger than Gmail accepts.", details)


def check_message_size(raw: bytes, attachments: list[Attachment]) -> None:
    """Refuse a whole message over Gmail's limit, naming its largest attachment."""
    if len(raw) <= GMAIL_MAX_MESSAGE_BYTES:
        return
    field = "attachments"
    note = ""
    if attachments:
        index = max(range(len(attachments)), key=lambda i: len(attachments[i].data))
        field = f"attachments[{index}]"
        note = f"; the largest attachment is {attachments[index].filename!r}"
    raise ValidationFailed(
        "The message is larger than Gmail accepts.",
        [ErrorDetail(field, f"the message is {len(raw) / MiB:.1f} MiB, over Gmail's 35 MiB{note}")],
    )
