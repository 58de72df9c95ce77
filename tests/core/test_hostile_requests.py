"""Property: any hostile request gets a field-named error, never a traceback, never a send."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exante_tui.errors import ExanteError
from exante_tui.services import Services
from fakes.gmail_server import FakeGmail

FIELDS = [
    "draft_uid",
    "from_account_id",
    "to",
    "cc",
    "bcc",
    "subject",
    "body_text",
    "body_html",
    "attachments",
    "context_type",
    "context_id",
    "idempotency_key",
    "reply_to_message_uid",
]
nasty_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["a@b.example\r\nBcc: x@y.example", "=?utf-8?q?x?=", "<>", "@", "a@b@c", "", " ", "\x00"]
)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | nasty_text
uids = st.uuids().map(str)
attachment = st.fixed_dictionaries(
    {},
    optional={
        "filename": nasty_text,
        "content_type": nasty_text,
        "data_base64": nasty_text,
        "extra": scalars,
    },
)
values = (
    scalars | uids | st.lists(nasty_text | scalars, max_size=4) | st.lists(attachment, max_size=2)
)
requests = st.dictionaries(st.sampled_from([*FIELDS, "unknown", "From"]), values, max_size=8)
bodies = requests | st.lists(scalars, max_size=3) | scalars


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_hostile_requests_fail_cleanly(
    services: Services, fake_gmail: FakeGmail, body: object
) -> None:
    # No account, draft or message exists in this store, so nothing may ever be sent.
    try:
        services.core.send(body)  # type: ignore[arg-type]
    except ExanteError as error:
        payload = error.to_payload()["error"]
        assert payload["code"] in {"validation_error", "not_found"}
        assert payload["details"], payload
        assert all(detail["field"] for detail in payload["details"])
    else:
        raise AssertionError(f"accepted {body!r}")
    assert fake_gmail.sent == []


composed = st.fixed_dictionaries(
    {"subject": nasty_text, "body_text": nasty_text},
    optional={
        "body_html": nasty_text,
        "context_type": nasty_text,
        "idempotency_key": nasty_text,
        "cc": st.lists(nasty_text, max_size=2),
        "attachments": st.lists(attachment, max_size=1),
    },
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=composed)
def test_hostile_fields_from_a_real_account_send_or_fail_cleanly(
    fresh_services: Callable[[], AbstractContextManager[Services]], fields: dict[str, object]
) -> None:
    """With a real sender, text that reaches MIME building is either sent or refused by
    field. Each example has a store of its own, so no outcome depends on an earlier one."""
    with fresh_services() as services:
        account = services.accounts.add_outbox("desk@northwind.example")
        request = {"from_account_id": str(account.id), "to": ["a@contoso.example"], **fields}
        try:
            response = services.core.send(request)
        except ExanteError as error:
            payload = error.to_payload()["error"]
            assert payload["code"] == "validation_error", payload
            assert payload["details"] and all(d["field"] for d in payload["details"])
        else:
            assert response.status == "sent"
