"""``POST /api/email/prepare`` and ``POST /api/drafts``: templates and drafts over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.test_send import error_of
from builders import add_thread
from exante_tui.api.tokens import ApiTokens
from exante_tui.services import Services
from exante_tui.store.models import Account, Draft
from fakes.gmail_server import FakeGmail

PREPARE = "/api/email/prepare"
DRAFTS = "/api/drafts"


@pytest.fixture
def template(services: Services, gmail_account: Account) -> str:
    services.signatures.set(gmail_account.email, "Northwind Billing", None)
    created = services.templates.create(
        {
            "name": "reminder",
            "subject": "Invoice {{ invoice.number }}",
            "body_markdown": "Dear **{{ name }}**, {{ invoice.amount | money('USD') }} is due.",
            "from_account_id": str(gmail_account.id),
        }
    )
    return created.name


def prepare_body(**fields: Any) -> dict[str, Any]:
    return {
        "template": "reminder",
        "context": {"name": "<Maria>", "invoice": {"number": "INV-9", "amount": 99}},
        "to": ["maria@contoso.example"],
        **fields,
    }


def test_prepare_then_send_over_http(
    client: TestClient,
    auth: dict[str, str],
    template: str,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    prepared = client.post(PREPARE, json=prepare_body(idempotency_key="k1"), headers=auth)
    assert prepared.status_code == 200, prepared.text
    body = prepared.json()
    assert body == {
        "from_account_id": str(gmail_account.id),
        "to": ["maria@contoso.example"],
        "subject": "Invoice INV-9",
        "body_text": "Dear **<Maria>**, 99.00 USD is due.\n\n-- \nNorthwind Billing\n",
        "body_html": "<p>Dear <strong>&lt;Maria&gt;</strong>, 99.00 USD is due.</p>\n"
        '<div class="signature">-- <br>\nNorthwind Billing</div>\n',
        "idempotency_key": "k1",
    }
    assert fake_gmail.requests == []  # preparing sends nothing

    sent = client.post("/api/email/send", json=body, headers=auth)
    assert sent.status_code == 200, sent.text
    [message] = fake_gmail.sent
    assert message["message"]["Subject"] == "Invoice INV-9"
    again = client.post("/api/email/send", json=body, headers=auth)
    assert again.json() == sent.json() and len(fake_gmail.sent) == 1


def test_prepare_errors_are_422_naming_the_value(
    client: TestClient, auth: dict[str, str], template: str, services: Services
) -> None:
    missing = prepare_body(context={"name": "x", "invoice": {"number": "1"}})
    error = error_of(client.post(PREPARE, json=missing, headers=auth), 422, "validation_error")
    assert error["details"] == [
        {
            "field": "context.invoice.amount",
            "message": "is missing from the context (template.body_markdown line 1)",
        }
    ]
    escape = prepare_body(template="evil")
    services.templates.create({"name": "evil", "subject": "{{ ''.__class__.__mro__ }}",
                               "body_text": "x"})  # fmt: skip
    error = error_of(client.post(PREPARE, json=escape, headers=auth), 422, "validation_error")
    assert error["details"][0]["field"] == "template.subject line 1"
    unknown = error_of(
        client.post(PREPARE, json={"context": [], "extra": 1}, headers=auth),
        422,
        "validation_error",
    )
    assert {d["field"] for d in unknown["details"]} == {"template", "context", "extra"}
    bad_json = client.post(PREPARE, content=b"{", headers=auth)
    assert error_of(bad_json, 422, "validation_error")["details"][0]["field"] == "body"


def test_drafts_endpoint_creates_a_scheduled_draft(
    client: TestClient, auth: dict[str, str], services: Services, gmail_account: Account
) -> None:
    body = {
        "from_account_id": str(gmail_account.id),
        "to": ["maria@contoso.example"],
        "subject": "Later",
        "body_text": "hello",
        "planned_send_at": "2030-01-02T03:04:05Z",
    }
    response = client.post(DRAFTS, json=body, headers=auth)
    assert response.status_code == 201, response.text
    draft_uid = uuid.UUID(response.json()["draft_uid"])
    with services.store.session() as session:
        draft = session.get(Draft, draft_uid)
        assert draft is not None and draft.subject == "Later"
        assert draft.planned_send_at is not None and draft.planned_send_at.year == 2030
    bad = client.post(DRAFTS, json={"to": ["nope"], "planned_send_at": "soon"}, headers=auth)
    error = error_of(bad, 422, "validation_error")
    assert {d["field"] for d in error["details"]} == {"to[0]", "planned_send_at"}
    assert client.post(DRAFTS, json=body).status_code == 401


def test_scoped_tokens_apply_to_prepare_and_drafts(
    client: TestClient,
    api_tokens: ApiTokens,
    services: Services,
    template: str,
    gmail_account: Account,
) -> None:
    desk = services.accounts.add_outbox("desk@northwind.example")
    token = api_tokens.create("desk-only", ["desk@northwind.example"]).token
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(PREPARE, json=prepare_body(), headers=headers).status_code == 403
    mine = client.post(PREPARE, json=prepare_body(from_account_id=str(desk.id)), headers=headers)
    assert mine.status_code == 200 and mine.json()["from_account_id"] == str(desk.id)
    draft = {"from_account_id": str(gmail_account.id), "subject": "x"}
    assert client.post(DRAFTS, json=draft, headers=headers).status_code == 403
    _, [_, parent] = add_thread(services, gmail_account)
    reply = {"reply_to_message_uid": str(parent.id), "subject": "Re: x"}
    assert client.post(DRAFTS, json=reply, headers=headers).status_code == 403
    with services.store.session() as session:
        assert session.exec(select(Draft)).all() == []


def test_openapi_describes_prepare_and_drafts(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    prepare = document["paths"][PREPARE]["post"]
    assert prepare["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PrepareRequest"
    }
    assert prepare["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SendRequest"
    }
    assert {"template", "context", "idempotency_key"} <= set(
        schemas["PrepareRequest"]["properties"]
    )
    drafts = document["paths"][DRAFTS]["post"]
    assert drafts["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DraftRequest"
    }
    assert "planned_send_at" in schemas["DraftRequest"]["properties"]
    assert set(drafts["responses"]) == {"201", "401", "403", "404", "408", "413", "422", "500"}
