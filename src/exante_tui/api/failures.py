"""Every answer of the HTTP front end in the one error shape (docs/architecture.md,
"Errors"): routing errors (404, 405) and the unexpected (500 ``internal_error``, its
traceback in the log only)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exante_tui.errors import ErrorDetail, ExanteError, InternalError, NotFound, ValidationFailed

log = logging.getLogger("exante_tui.api")

INTERNAL = InternalError(
    "The server failed unexpectedly; the details are in its log.",
    [ErrorDetail("body", "could not be processed")],
)


def routing_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's 404/405 (and any other ``HTTPException``) in the one error shape."""
    assert isinstance(exc, HTTPException)
    error: ExanteError
    if exc.status_code == 404:
        error = NotFound("No such endpoint.", [ErrorDetail("path", f"{request.url.path}")])
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = ValidationFailed(
            "Method not allowed.",
            [ErrorDetail("method", f"{request.method} is not allowed here; use {allowed}")],
        )
    else:
        error = ValidationFailed(str(exc.detail), [ErrorDetail("body", str(exc.detail))])
    return JSONResponse(error.to_payload(), exc.status_code, headers=exc.headers)


class InternalErrors:
    """Outermost middleware: an exception nothing handled is logged with its traceback and
    answered ``500 internal_error``, never as a plain-text page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if not started:
                response = JSONResponse(INTERNAL.to_payload(), INTERNAL.http_status)
                await response(scope, receive, send)
