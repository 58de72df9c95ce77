"""Property-based: requests generated from the OpenAPI document never make the server fail,
always get a documented answer, and never reach Gmail without a valid token."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from builders import write_token_file
from exante_tui.api.app import SEND_PATH, create_app
from exante_tui.api.tokens import ApiTokens
from exante_tui.services import Services
from fakes.gmail_server import FakeGmail

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
BOUNDED = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


REAL_ACCOUNT = "00000000-0000-4000-8000-00000000a11c"
"""Stands for the example's own account; replaced once its fresh store exists."""


@pytest.fixture
def requests(services: Services) -> st.SearchStrategy[Any]:
    """Positive and negative cases of the send operation; some name the real account."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    operation = schema[SEND_PATH]["POST"]
    real = {"from_account_id": REAL_ACCOUNT, "to": ["a@example.com"], "subject": "s"}
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        operation.as_strategy(GenerationMode.POSITIVE).map(lambda case: _with(case, real)),
    )


def _with(case: Any, fields: dict[str, Any]) -> Any:
    if isinstance(case.body, dict):
        case.body = {**case.body, **fields}
    return case


@BOUNDED
@given(data=st.data())
def test_valid_token_gets_documented_answers_only(
    data: st.DataObject,
    requests: st.SearchStrategy[Any],
    fresh_services: Callable[[], AbstractContextManager[Services]],
) -> None:
    """Each example on a store of its own: no answer (a 409 for a key an earlier example
    used, say) depends on what came before, so a conflict is never a documented outcome."""
    case = data.draw(requests)
    with fresh_services() as services:
        token = ApiTokens(services.store).create("properties").token
        auth = {"Authorization": f"Bearer {token}"}
        account = services.accounts.add_gmail_from_token_file(
            "billing@northwind.example", write_token_file(services.settings.data_dir / "t.json")
        )
        if isinstance(case.body, dict) and case.body.get("from_account_id") == REAL_ACCOUNT:
            case.body["from_account_id"] = str(account.id)
        response = case.call(app=create_app(services), headers=auth)
        case.validate_response(response, checks=CHECKS, headers=auth)
        assert response.status_code != 409, response.text


@BOUNDED
@given(data=st.data(), header=st.sampled_from([None, "Bearer wrong", "Basic x", "bearer"]))
def test_no_gmail_request_without_a_valid_token(
    data: st.DataObject,
    header: str | None,
    requests: st.SearchStrategy[Any],
    fake_gmail: FakeGmail,
) -> None:
    case = data.draw(requests)
    headers = {"Authorization": header} if header else {}
    response = case.call(headers=headers)
    assert response.status_code == 401, response.text
    assert fake_gmail.requests == []
