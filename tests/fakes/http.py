"""What every loopback fake server here shares: answering a request with a JSON body."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: bytes,
    content_type: str = "application/json; charset=UTF-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Send ``payload`` with its length, type and any other ``headers``."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def reply_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    """Send ``body`` as JSON."""
    reply(handler, status, json.dumps(body).encode())
