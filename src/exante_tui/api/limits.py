"""A request body limit as ASGI middleware: refuse by ``Content-Length`` before reading,
and stop a body that streams past the limit (chunked, no length)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exante_tui.api.errors import BodyTooLarge
from exante_tui.core.errors import ErrorDetail

MiB = 1024 * 1024


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        "The request body is too large.",
        [ErrorDetail("body", f"is over this server's limit of {limit} bytes")],
    )


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Answer 413 when a request declares, or sends, more than ``max_body`` bytes."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body:
            error = _too_large(self.max_body)
            await JSONResponse(error.to_payload(), error.http_status)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            """Count body bytes; the app's SendError handler turns the raise into a 413."""
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _too_large(self.max_body)
            return message

        await self.app(scope, limited, send)
