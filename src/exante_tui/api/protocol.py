"""uvicorn's h11 protocol with the two guards it lacks: a header read timeout and a cap on
open connections that sheds slow clients first.

A connection that has not finished sending a request's headers (the whole of a slowloris
attack) is *waiting*. It is closed after ``header_timeout`` seconds; and when a new
connection would exceed ``max_connections``, the oldest waiting one is closed to make room,
so a client that sends its request promptly is served even while an attack holds sockets.
Only when every open connection is busy with a request is a new one refused.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's line and headers (``serve`` takes its value from
``EXANTE_API_HEADER_TIMEOUT``, whose default is this)."""
MAX_CONNECTIONS = 256
"""Default cap on open connections (well under the usual 1,024 file descriptors)."""


def guarded_protocol(
    max_connections: int = MAX_CONNECTIONS, header_timeout: float = HEADER_TIMEOUT
) -> type[H11Protocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` enforcing both guards."""
    waiting: OrderedDict[GuardedH11Protocol, asyncio.TimerHandle] = OrderedDict()

    class GuardedH11Protocol(H11Protocol):
        """One connection; see the module docstring."""

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                if not waiting:
                    transport.close()  # every other connection is mid-request: refuse this one
                    return
                next(iter(waiting)).drop()
            self.await_headers()

        def await_headers(self) -> None:
            """Start the header clock: the client must send a request's headers in time."""
            waiting[self] = self.loop.call_later(header_timeout, self.drop)

        def headers_done(self) -> None:
            """Stop the header clock (the headers arrived, or the connection is gone)."""
            timer = waiting.pop(self, None)
            if timer is not None:
                timer.cancel()

        def drop(self) -> None:
            """Close a connection that is too slow to send its headers."""
            self.headers_done()
            if not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            cycle = self.cycle
            super().data_received(data)
            if self.cycle is not cycle:  # a request's headers were parsed
                self.headers_done()

        def on_response_complete(self) -> None:
            cycle = self.cycle
            super().on_response_complete()
            if self.cycle is cycle and not self.transport.is_closing():
                self.await_headers()  # idle until the next request, if any, arrives

        def connection_lost(self, exc: Exception | None) -> None:
            self.headers_done()
            super().connection_lost(exc)

    return GuardedH11Protocol
