"""The request body limit: 413 from ``Content-Length`` before reading, or while streaming."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from exante_tui.api.app import DEFAULT_MAX_BODY, create_app, max_body_from_env
from exante_tui.services import Services
from fakes.gmail_server import FakeGmail

URL = "/api/email/send"
LIMIT = 1000


@pytest.fixture
def small(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services, max_body=LIMIT)) as test_client:
        yield test_client


def assert_too_large(response: object) -> None:
    assert response.status_code == 413  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "validation_error"
    assert error["details"] == [
        {"field": "body", "message": f"is over this server's limit of {LIMIT} bytes"}
    ]


def test_declared_length_over_the_limit_is_refused(
    small: TestClient, auth: dict[str, str], fake_gmail: FakeGmail
) -> None:
    assert_too_large(small.post(URL, content=b"x" * (LIMIT + 1), headers=auth))
    assert fake_gmail.requests == []


def test_the_limit_applies_before_authentication(small: TestClient) -> None:
    assert_too_large(small.post(URL, content=b"x" * (LIMIT + 1)))


def test_streamed_body_over_the_limit_is_refused(small: TestClient, auth: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"subject": "'
        for _ in range(10):
            yield b"x" * 200

    response = small.post(URL, content=chunks(), headers=auth)
    assert "content-length" not in response.request.headers
    assert_too_large(response)


def test_body_at_the_limit_is_read(small: TestClient, auth: dict[str, str]) -> None:
    body = b'{"subject": "' + b"x" * (LIMIT - 15) + b'"}'
    assert len(body) == LIMIT
    assert small.post(URL, content=body, headers=auth).status_code == 422


def test_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXANTE_API_MAX_BODY", raising=False)
    assert max_body_from_env() == DEFAULT_MAX_BODY == 50 * 1024 * 1024
    monkeypatch.setenv("EXANTE_API_MAX_BODY", "2048")
    assert max_body_from_env() == 2048
    for bad in ("0", "-1", "50MiB"):
        monkeypatch.setenv("EXANTE_API_MAX_BODY", bad)
        with pytest.raises(ValueError):
            max_body_from_env()


async def test_a_stalled_body_is_answered_408_in_the_error_shape() -> None:
    """A client that sends headers, then part of its body, then nothing."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from exante_tui.api.app import error_response
    from exante_tui.api.limits import BodyLimit
    from exante_tui.errors import ExanteError

    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({"read": len(await request.body())})

    inner = Starlette(routes=[Route("/", endpoint, methods=["POST"])])
    inner.add_exception_handler(ExanteError, error_response)
    app = BodyLimit(inner, max_body=LIMIT, idle_timeout=0.05)
    never = asyncio.Event()
    chunks = [{"type": "http.request", "body": b'{"sub', "more_body": True}]

    async def receive() -> dict[str, object]:
        if chunks:
            return chunks.pop()
        await never.wait()  # the client went quiet
        raise AssertionError("unreachable")

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""}
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 408
    body = json.loads(sent[1]["body"])  # type: ignore[arg-type]
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["details"][0]["field"] == "body"
