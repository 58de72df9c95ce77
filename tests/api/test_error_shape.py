"""Every answer of the HTTP front end is in the one error shape: unknown paths, wrong methods,
hostile bodies and the unexpected (``internal_error``, with the traceback in the log only)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from exante_tui.api.app import create_app
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail

URL = "/api/email/send"


def shape(response: object, status: int, code: str) -> list[dict[str, str]]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["details"] and all(d["field"] for d in body["error"]["details"])
    return body["error"]["details"]


def test_an_unknown_path_is_not_found_in_the_shape(client: TestClient) -> None:
    [detail] = shape(client.get("/nowhere"), 404, "not_found")
    assert detail == {"field": "path", "message": "/nowhere"}


def test_a_wrong_method_is_refused_in_the_shape(client: TestClient) -> None:
    response = client.get(URL)
    [detail] = shape(response, 405, "validation_error")
    assert detail["field"] == "method" and "POST" in detail["message"]
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"subject": "\\ud800"}', "subject"),
        (b'{"n": ' + b"9" * 5000 + b"}", "body"),
        (b"[" * 50_000, "body"),
        (b"\xff\xfe{}", "body"),
    ],
)
def test_hostile_bodies_are_validation_errors(
    client: TestClient, auth: dict[str, str], body: bytes, field: str, fake_gmail: FakeGmail
) -> None:
    details = shape(client.post(URL, content=body, headers=auth), 422, "validation_error")
    assert field in {d["field"] for d in details}
    assert fake_gmail.requests == []


def test_the_unexpected_is_internal_error_with_the_traceback_logged_only(
    services: Services,
    auth: dict[str, str],
    gmail_account: Account,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with services.store.engine.begin() as connection:  # a broken store: a real fault
        connection.execute(text("ALTER TABLE outboundemail RENAME TO outboundemail_gone"))
    request = {"from_account_id": str(gmail_account.id), "to": ["a@b.example"], "subject": "s"}
    with (
        caplog.at_level(logging.ERROR, logger="exante_tui.api"),
        TestClient(create_app(services), raise_server_exceptions=False) as client,
    ):
        response = client.post(URL, json=request, headers=auth)
    shape(response, 500, "internal_error")
    assert "Traceback" not in response.text and "outboundemail" not in response.text
    assert any(record.exc_info for record in caplog.records)
