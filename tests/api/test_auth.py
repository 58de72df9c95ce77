"""Bearer tokens: refused without one, limited by scope, stored only as hashes."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from builders import add_thread
from exante_tui.api.tokens import ApiTokens
from exante_tui.errors import Conflict, NotFound, ValidationFailed
from exante_tui.services import Services
from exante_tui.store.api_tokens import ApiToken
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail

URL = "/api/email/send"


def fresh(account: Account) -> dict[str, Any]:
    return {"from_account_id": str(account.id), "to": ["a@example.com"], "subject": "Hello"}


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, "Bearer"),
        ({"Authorization": "Bearer not-a-token"}, 'Bearer error="invalid_token"'),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Bearer"),
        ({"Authorization": "Bearer "}, "Bearer"),
    ],
)
def test_missing_or_wrong_token_is_401_and_nothing_is_sent(
    client: TestClient,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    headers: dict[str, str],
    challenge: str,
) -> None:
    response = client.post(URL, json=fresh(gmail_account), headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == challenge
    assert response.json()["error"]["code"] == "auth_error"
    assert fake_gmail.requests == []


def test_token_is_checked_before_the_body(client: TestClient) -> None:
    response = client.post(URL, content=b"{not json")
    assert response.status_code == 401


def test_revoked_token_is_refused_at_once(
    client: TestClient,
    api_tokens: ApiTokens,
    auth: dict[str, str],
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    assert client.post(URL, json=fresh(gmail_account), headers=auth).status_code == 200
    api_tokens.revoke("test-client")
    response = client.post(URL, json=fresh(gmail_account), headers=auth)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert len(fake_gmail.sent) == 1


@pytest.fixture
def desk(services: Services) -> Account:
    """A second account, besides the Gmail one."""
    return services.accounts.add_outbox("desk@northwind.example")


@pytest.fixture
def desk_only(api_tokens: ApiTokens, desk: Account) -> dict[str, str]:
    """Headers with a token that may send only from the desk account."""
    token = api_tokens.create("desk-only", ["Desk <DESK@northwind.example>"]).token
    return {"Authorization": f"Bearer {token}"}


def assert_forbidden(response: Any, field: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    error = response.json()["error"]
    assert error["code"] == "auth_error"
    assert "billing@northwind.example" in error["message"]
    assert [d["field"] for d in error["details"]] == [field]


def test_scoped_token_sends_only_from_its_accounts(
    client: TestClient,
    desk_only: dict[str, str],
    desk: Account,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    assert client.post(URL, json=fresh(desk), headers=desk_only).status_code == 200
    assert_forbidden(
        client.post(URL, json=fresh(gmail_account), headers=desk_only), "from_account_id"
    )
    assert fake_gmail.requests == []


def test_scoped_token_reply_is_judged_by_the_conversation_owner(
    client: TestClient,
    services: Services,
    desk_only: dict[str, str],
    desk: Account,
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    """``from_account_id`` is ignored for replies, so naming an allowed one changes nothing."""
    _, messages = add_thread(services, gmail_account)
    body = {
        "to": ["maria@contoso.example"],
        "subject": "Re: Invoice",
        "reply_to_message_uid": str(messages[-1].id),
        "from_account_id": str(desk.id),
    }
    assert_forbidden(client.post(URL, json=body, headers=desk_only), "reply_to_message_uid")
    assert fake_gmail.requests == []


def test_scoped_token_draft_is_judged_by_the_draft_account(
    client: TestClient,
    services: Services,
    desk_only: dict[str, str],
    gmail_account: Account,
    fake_gmail: FakeGmail,
) -> None:
    draft_uid = services.drafts.create_from_request(fresh(gmail_account))
    response = client.post(URL, json={"draft_uid": str(draft_uid)}, headers=desk_only)
    assert_forbidden(response, "draft_uid")
    assert fake_gmail.requests == []


def test_scoped_token_gets_the_usual_404_for_unknown_senders(
    client: TestClient, desk_only: dict[str, str]
) -> None:
    body = {"from_account_id": str(uuid.uuid4()), "to": ["a@example.com"], "subject": "s"}
    assert client.post(URL, json=body, headers=desk_only).status_code == 404


# -- the token store ----------------------------------------------------------------------


def test_only_the_hash_is_stored(services: Services, api_tokens: ApiTokens) -> None:
    issued = api_tokens.create("ci")

    assert issued.token.startswith("ext_") and len(issued.token) > 40
    with services.store.session() as session:
        [row] = session.exec(select(ApiToken)).all()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in repr(row.model_dump())
    assert api_tokens.verify(issued.token) == row
    assert api_tokens.verify(issued.token + "x") is None


def test_names_are_unique_even_after_revoking(api_tokens: ApiTokens) -> None:
    api_tokens.create("ci")
    api_tokens.revoke("ci")
    with pytest.raises(Conflict) as caught:
        api_tokens.create(" ci ")
    assert caught.value.details[0].field == "name"


def test_bad_names_and_accounts_are_refused(api_tokens: ApiTokens, desk: Account) -> None:
    with pytest.raises(ValidationFailed):
        api_tokens.create("   ")
    with pytest.raises(ValidationFailed) as caught:
        api_tokens.create("x", ["desk@northwind.example", "nobody@northwind.example", "bad"])
    assert [d.field for d in caught.value.details] == ["accounts[1]", "accounts[2]"]
    assert api_tokens.all_tokens() == []


def test_revoke_keeps_the_first_time_and_unknown_is_not_found(api_tokens: ApiTokens) -> None:
    api_tokens.create("ci")
    first = api_tokens.revoke("ci").revoked_at
    assert first is not None and api_tokens.revoke("ci").revoked_at == first
    with pytest.raises(NotFound):
        api_tokens.revoke("nope")
