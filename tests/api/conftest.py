"""Fixtures of the HTTP API tests: an app on the test store, an API token, a client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from exante_tui.api.app import create_app
from exante_tui.api.tokens import ApiTokens
from exante_tui.services import Services

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what we test with
    from fastapi.testclient import TestClient


@pytest.fixture
def api_tokens(services: Services) -> ApiTokens:
    return ApiTokens(services.store)


@pytest.fixture
def token(api_tokens: ApiTokens) -> str:
    """A token allowed to send from every account."""
    return api_tokens.create("test-client").token


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client
