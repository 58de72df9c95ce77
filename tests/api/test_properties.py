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
from exante_tui.api.app import DRAFTS_PATH, PREPARE_PATH, SEND_PATH, create_app
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
TEMPLATE = {"name": "t", "subject": "{{ s }}", "body_text": "b"}
"""The template every example's fresh store holds, so prepare cases can name it."""


def _real_fields(path: str) -> dict[str, Any]:
    """Fields naming real things, so generated cases also reach the core's deeper checks."""
    if path == PREPARE_PATH:
        return {"template": TEMPLATE["name"], "context": {"s": "hi"}, "to": ["a@example.com"]}
    return {"from_account_id": REAL_ACCOUNT, "to": ["a@example.com"], "subject": "s"}


@pytest.fixture(params=[SEND_PATH, PREPARE_PATH, DRAFTS_PATH])
def requests(request: pytest.FixtureRequest, services: Services) -> st.SearchStrategy[Any]:
    """Positive and negative cases of one operation; some name the real account (or template)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    operation = schema[request.param]["POST"]
    real = _real_fields(request.param)
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
        services.templates.create(TEMPLATE)
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
