"""The one error shape every front end shows (docs/architecture.md, "Errors").

At the bottom of the layers, so the core, the store (a bad search query) and the front ends
all raise the same errors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

MAX_DETAILS = 100
"""Details listed in an error; the rest are counted in one last entry."""


@dataclass(frozen=True)
class ErrorDetail:
    """One problem with one field, e.g. ``to[1]``: ``not a valid email address``."""

    field: str
    message: str


@dataclass
class ExanteError(Exception):
    """Base of every error the core reports; ``code`` is the wire value."""

    message: str
    details: list[ErrorDetail] = field(default_factory=list)
    outbound_email_uid: uuid.UUID | None = None

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 2

    def __str__(self) -> str:
        lines = [self.message]
        lines += [f"  {d.field}: {d.message}" for d in self.shown_details()]
        return "\n".join(lines)

    def shown_details(self) -> list[ErrorDetail]:
        """The first ``MAX_DETAILS`` details, plus one counting the rest when there are more."""
        if len(self.details) <= MAX_DETAILS:
            return self.details
        rest = len(self.details) - MAX_DETAILS
        return [*self.details[:MAX_DETAILS], ErrorDetail("details", f"{rest} more not listed")]

    def to_payload(self) -> dict[str, Any]:
        """``{"error": {...}}``: the one error shape (docs/architecture.md, "Errors"), details
        capped."""
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "details": [{"field": d.field, "message": d.message} for d in self.shown_details()],
        }
        if self.outbound_email_uid is not None:
            body["outbound_email_uid"] = str(self.outbound_email_uid)
        return {"error": body}


class ValidationFailed(ExanteError):
    """The request is malformed or cannot be sent as it stands."""

    code = "validation_error"
    http_status = 422


class NotFound(ExanteError):
    """A referenced account, draft, message or record does not exist."""

    code = "not_found"
    http_status = 404


class Conflict(ExanteError):
    """An idempotency key was reused with another request, or a send is in progress."""

    code = "conflict"
    http_status = 409


class ProviderFailure(ExanteError):
    """Gmail (or the offline transport) refused or failed the send."""

    code = "provider_error"
    http_status = 502
    exit_code = 1


class AuthFailure(ExanteError):
    """The sending account's Gmail credentials are missing, expired or revoked.

    HTTP 502: the failure is upstream, not the caller's, so it is not a 401 (which would
    tell the client to change its own token; that is `api.errors.Unauthorized`).
    """

    code = "auth_error"
    http_status = 502
    exit_code = 1


class InternalError(ExanteError):
    """Something nothing else explains (a bug or a broken environment); details are logged."""

    code = "internal_error"
    http_status = 500
    exit_code = 1
