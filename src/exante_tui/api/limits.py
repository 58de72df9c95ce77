"""Request bodies as ASGI middleware: a size limit (refused by ``Content-Length`` before
reading, or when a body streams past it) and read timeouts (a body that stalls, or takes
too long in all, is answered 408 instead of holding its connection)."""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exante_tui.api.errors import BodyTimeout, BodyTooLarge
from exante_tui.errors import ErrorDetail

MiB = 1024 * 1024
BODY_IDLE_TIMEOUT = 30.0
"""Seconds a request body may stall between two chunks."""
BODY_TOTAL_TIMEOUT = 300.0
"""Seconds a whole request body may take to arrive (50 MiB at 170 KiB/s)."""


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        "The request body is too large.",
        [ErrorDetail("body", f"is over this server's limit of {limit} bytes")],
    )


def declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length``, or None when absent or not a number."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Answer 413 when a request declares, or sends, more than ``max_body`` bytes, and 408
    when its body stalls ``idle_timeout`` seconds or takes over ``total_timeout`` in all."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int,
        idle_timeout: float = BODY_IDLE_TIMEOUT,
        total_timeout: float = BODY_TOTAL_TIMEOUT,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_body:
            error = _too_large(self.max_body)
            await JSONResponse(error.to_payload(), error.http_status)(scope, receive, send)
            return
        received, complete = 0, False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_timeout

        async def limited() -> Message:
            """Count body bytes and time them; the app's ExanteError handler answers a raise."""
            nonlocal received, complete
            if complete:  # waiting for a disconnect, not for the body: no timeout
                return await receive()
            wait = min(self.idle_timeout, deadline - loop.time())
            try:
                async with asyncio.timeout(max(wait, 0)):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(
                    "The request body arrived too slowly.",
                    [ErrorDetail("body", f"stalled or took over {self.total_timeout:.0f} s")],
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body:
                    raise _too_large(self.max_body)
            return message

        await self.app(scope, limited, send)
