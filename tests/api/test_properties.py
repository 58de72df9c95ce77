"""Property-based: requests generated from the OpenAPI document never make the server fail,
always get a documented answer, and never reach Gmail without a valid token."""

from __future__ import annotations

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

from exante_tui.api.app import DRAFTS_PATH, PREPARE_PATH, SEND_PATH, create_app
from exante_tui.services import Services
from exante_tui.store.models import Account
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


def _real_fields(path: str, services: Services, account: Account) -> dict[str, Any]:
    """Fields naming real things, so generated cases also reach the core's deeper checks."""
    if path == PREPARE_PATH:
        services.templates.create({"name": "t", "subject": "{{ s }}", "body_text": "b"})
        return {"template": "t", "context": {"s": "hi"}, "to": ["a@example.com"]}
    return {"from_account_id": str(account.id), "to": ["a@example.com"], "subject": "s"}


@pytest.fixture(params=[SEND_PATH, PREPARE_PATH, DRAFTS_PATH])
def requests(
    request: pytest.FixtureRequest, services: Services, gmail_account: Account
) -> st.SearchStrategy[Any]:
    """Positive and negative cases of one operation; some name the real account (or template)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    operation = schema[request.param]["POST"]
    real = _real_fields(request.param, services, gmail_account)
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
    data: st.DataObject, requests: st.SearchStrategy[Any], auth: dict[str, str]
) -> None:
    case = data.draw(requests)
    response = case.call(headers=auth)
    case.validate_response(response, checks=CHECKS, headers=auth)


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
