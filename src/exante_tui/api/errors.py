"""Errors only the HTTP front end raises, and the error body as an OpenAPI schema.

They share the core's one error shape (docs/architecture.md, "Errors"): Bearer problems are
``auth_error`` (401 without a valid token, 403 for a token not allowed to send from that
account), an oversized body is a ``validation_error`` answered with 413, a body that arrives
too slowly one answered with 408.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import BaseModel

from exante_tui.errors import ExanteError


@dataclass
class BearerError(ExanteError):
    """The request's Bearer token is missing, invalid or not allowed; ``challenge`` answers it."""

    challenge: str = "Bearer"
    """The ``WWW-Authenticate`` value (RFC 6750 §3)."""

    code: ClassVar[str] = "auth_error"


class Unauthorized(BearerError):
    """No token, an unknown token or a revoked one."""

    http_status = 401


class Forbidden(BearerError):
    """A valid token limited to other sending accounts."""

    http_status = 403


class BodyTooLarge(ExanteError):
    """The request body is over the server's limit (``EXANTE_API_MAX_BODY``)."""

    code = "validation_error"
    http_status = 413


class BodyTimeout(ExanteError):
    """The request body stalled, or took too long in all, to arrive."""

    code = "validation_error"
    http_status = 408


class ErrorDetailBody(BaseModel):
    """One problem with one field."""

    field: str
    message: str


class ErrorInfo(BaseModel):
    """What went wrong; ``outbound_email_uid`` names the send record when one exists."""

    code: Literal[
        "validation_error",
        "not_found",
        "conflict",
        "provider_error",
        "auth_error",
        "internal_error",
    ]
    message: str
    details: list[ErrorDetailBody]
    outbound_email_uid: uuid.UUID | None = None


class ErrorBody(BaseModel):
    """The one error shape of every front end (docs/architecture.md, "Errors")."""

    error: ErrorInfo
