"""Parse a raw request into a model, reporting every problem at once with its field path."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from exante_tui.core.attachments import MiB, decoded_size, encoded_size
from exante_tui.core.contract import ComposedFields, SendRequest
from exante_tui.errors import ErrorDetail, ValidationFailed
from exante_tui.mail.limits import GMAIL_MAX_MESSAGE_BYTES

MAX_RECIPIENTS = 500  # Gmail refuses messages with more recipients than this
MAX_ATTACHMENTS = 100
COMPOSED_FIELDS = tuple(ComposedFields.model_fields)
Model = TypeVar("Model", bound=BaseModel)


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a field path.

    ``("attachments", 0, "filename")`` becomes ``attachments[0].filename``.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _pydantic_details(error: ValidationError) -> list[ErrorDetail]:
    details = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a field of this request"
        details.append(ErrorDetail(field_path(item["loc"]), message))
    return details


def _present(raw: dict[str, Any], name: str) -> bool:
    return raw.get(name) is not None


def mode_details(raw: dict[str, Any]) -> list[ErrorDetail]:
    """The seed's "Required parameters" table, plus "don't mix modes"."""
    if _present(raw, "draft_uid"):
        return [
            ErrorDetail(name, "cannot be combined with draft_uid: a draft is sent as saved")
            for name in COMPOSED_FIELDS
            if _present(raw, name)
        ]
    details = []
    if not _present(raw, "reply_to_message_uid") and not _present(raw, "from_account_id"):
        details.append(ErrorDetail("from_account_id", "is required for a fresh send"))
    details += recipient_details(raw)
    subject = raw.get("subject")
    if subject is None or (isinstance(subject, str) and not subject.strip()):
        details.append(ErrorDetail("subject", "is required"))
    return details


def size_details(raw: dict[str, Any]) -> list[ErrorDetail]:
    """Counts and sizes, checked before any item is validated so that a huge request is
    refused in the time it takes to count it: recipients, attachments, attachment bytes."""
    details = []
    lists = {k: v for k in ("to", "cc", "bcc") if isinstance(v := raw.get(k), list)}
    total = sum(len(v) for v in lists.values())
    if total > MAX_RECIPIENTS:
        field = max(lists, key=lambda k: len(lists[k]))
        details.append(ErrorDetail(field, f"{total} recipients; Gmail accepts at most 500"))
    attachments = raw.get("attachments")
    if isinstance(attachments, list):
        if len(attachments) > MAX_ATTACHMENTS:
            details.append(
                ErrorDetail(
                    "attachments",
                    f"{len(attachments)} attachments; at most {MAX_ATTACHMENTS} per message",
                )
            )
        else:
            details += _attachment_size_details(attachments)
    return details


def _attachment_size_details(attachments: list[Any]) -> list[ErrorDetail]:
    """Gmail's limit against the sizes the base64 texts decode to (nothing decoded yet)."""
    sizes = {
        index: (str(item.get("filename")), decoded_size(item["data_base64"]))
        for index, item in enumerate(attachments)
        if isinstance(item, dict) and isinstance(item.get("data_base64"), str)
    }
    details = [
        ErrorDetail(
            f"attachments[{index}]",
            f"{name!r} is {size / MiB:.1f} MiB encoded as {encoded_size(size) / MiB:.1f} MiB; "
            "Gmail's limit is 35 MiB per message",
        )
        for index, (name, size) in sizes.items()
        if encoded_size(size) > GMAIL_MAX_MESSAGE_BYTES
    ]
    total = sum(encoded_size(size) for _name, size in sizes.values())
    if not details and total > GMAIL_MAX_MESSAGE_BYTES:
        index = max(sizes, key=lambda i: sizes[i][1])
        details.append(
            ErrorDetail(
                f"attachments[{index}]",
                f"the message is over {total / MiB:.1f} MiB, over Gmail's 35 MiB; "
                f"the largest attachment is {sizes[index][0]!r}",
            )
        )
    return details


def recipient_details(fields: dict[str, Any]) -> list[ErrorDetail]:
    """``to`` present and non-empty; no more recipients than Gmail accepts."""
    details = []
    to = fields.get("to")
    if to is None or (isinstance(to, list) and not to):
        details.append(ErrorDetail("to", "is required: list at least one recipient"))
    total = sum(len(v) for k in ("to", "cc", "bcc") if isinstance(v := fields.get(k), list))
    if total > MAX_RECIPIENTS:
        details.append(ErrorDetail("to", f"{total} recipients; Gmail accepts at most 500"))
    return details


def parse_model(model: type[Model], raw: Any, extra: list[ErrorDetail] | None = None) -> Model:
    """Validate ``raw`` against ``model``; raise ``ValidationFailed`` listing every problem."""
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "The request is not valid.", [ErrorDetail("body", "must be a JSON object")]
        )
    cheap = size_details(raw)
    if cheap:
        raise ValidationFailed("The request is not valid.", cheap)
    details: list[ErrorDetail] = []
    parsed: Model | None = None
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        details += _pydantic_details(exc)
    details += extra or []
    if details or parsed is None:
        raise ValidationFailed("The request is not valid.", _dedupe(details))
    return parsed


def parse_send_request(raw: Any) -> SendRequest:
    """The seed's request: types, addresses, attachments and per-mode required fields."""
    extra = mode_details(raw) if isinstance(raw, dict) else []
    return parse_model(SendRequest, raw, extra)


def _dedupe(details: list[ErrorDetail]) -> list[ErrorDetail]:
    seen: dict[tuple[str, str], ErrorDetail] = {}
    for detail in details:
        seen.setdefault((detail.field, detail.message), detail)
    return list(seen.values())


def _sha256_of_text(text: str, block: int = 1024 * 1024) -> str:
    """SHA-256 of ASCII ``text``, encoded a block at a time rather than copied whole."""
    digest = hashlib.sha256()
    for start in range(0, len(text), block):
        digest.update(text[start : start + block].encode("ascii"))
    return digest.hexdigest()


def request_hash(request: SendRequest) -> str:
    """A stable digest of everything that makes the message, for idempotency comparisons."""
    canonical = request.model_dump(
        mode="json", exclude_none=True, exclude={"idempotency_key", "attachments"}
    )
    if request.attachments:
        # Each attachment by digest: hashing one JSON text of every file would copy them twice.
        canonical["attachments"] = [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "sha256": _sha256_of_text(a.data_base64),
            }
            for a in request.attachments
        ]
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
