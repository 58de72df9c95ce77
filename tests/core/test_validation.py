"""Per-mode validation: every problem reported at once, each with its field path."""

from __future__ import annotations

import uuid

import pytest

from builders import b64
from exante_tui.core.validation import parse_send_request
from exante_tui.errors import ValidationFailed

ACCOUNT = str(uuid.uuid4())


def problems(raw: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_send_request(raw)
    assert caught.value.code == "validation_error"
    return {d.field: d.message for d in caught.value.details}


def test_fresh_requires_account_to_and_subject_all_at_once() -> None:
    found = problems({"body_text": "hi"})
    assert set(found) == {"from_account_id", "to", "subject"}


def test_reply_requires_to_and_subject_but_not_account() -> None:
    found = problems({"reply_to_message_uid": str(uuid.uuid4())})
    assert set(found) == {"to", "subject"}


def test_valid_modes_route_as_the_seed_says() -> None:
    assert parse_send_request({"draft_uid": str(uuid.uuid4())}).mode == "draft"
    fresh = {"from_account_id": ACCOUNT, "to": ["a@b.example"], "subject": "s"}
    assert parse_send_request(fresh).mode == "fresh"
    reply = {"to": ["a@b.example"], "subject": "s", "reply_to_message_uid": str(uuid.uuid4())}
    assert parse_send_request(reply).mode == "reply"
    assert parse_send_request({**reply, "from_account_id": ACCOUNT}).mode == "reply"


def test_draft_mixed_with_composed_fields_is_an_error_per_field() -> None:
    found = problems(
        {"draft_uid": str(uuid.uuid4()), "to": ["a@b.example"], "body_html": "<p>x</p>"}
    )
    assert set(found) == {"to", "body_html"}
    assert "draft_uid" in found["to"]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("not-an-address", "well-formed"),
        ("a@b.example\r\nBcc: spy@evil.example", "line break"),
        ("=?utf-8?q?Eve=0D=0ABcc=3A_spy=40evil.example?= <a@b.example>", "line break"),
        ("=?utf-8?q?Eve=1B]0;owned=07?= <a@b.example>", "control characters"),
        ("a@b.example\x00", "control characters"),
        ("a@b.example\nX-Injected: 1", "line break"),
        ("Name\x85 <a@b.example>", "line break"),
        ("one@b.example, two@b.example", "exactly one mailbox"),
        ("user@localhost", "not a valid email address"),
        ("", "empty"),
        ("<", "well-formed"),
        ('"', "well-formed"),
        ("0@", "well-formed"),
    ],
)
def test_bad_addresses_name_the_entry(address: str, reason: str) -> None:
    found = problems(
        {"from_account_id": ACCOUNT, "to": ["ok@b.example"], "cc": [address], "subject": "s"}
    )
    assert reason in found["cc[0]"]


def test_display_names_are_allowed() -> None:
    request = parse_send_request(
        {
            "from_account_id": ACCOUNT,
            "to": ['"Doe, Jane" <jane@b.example>', "Ünïcode Name <u@b.example>"],
            "subject": "s",
        }
    )
    assert request.to == ['"Doe, Jane" <jane@b.example>', "Ünïcode Name <u@b.example>"]


def test_empty_to_and_blank_subject() -> None:
    found = problems({"from_account_id": ACCOUNT, "to": [], "subject": "   "})
    assert set(found) == {"to", "subject"}


def test_attachment_problems_are_each_named() -> None:
    found = problems(
        {
            "from_account_id": ACCOUNT,
            "to": ["a@b.example"],
            "subject": "s",
            "attachments": [
                {"filename": "ok.pdf", "content_type": "application/pdf", "data_base64": b64(b"x")},
                {"filename": "../../etc/passwd", "content_type": "pdf", "data_base64": "aGk"},
                {"filename": "a\r\nb.txt", "content_type": "text/plain", "data_base64": "aGk=\n"},
                {
                    "filename": "x.bin",
                    "content_type": "application/octet-stream",
                    "data_base64": "aGk-_w==",
                },
            ],
        }
    )
    assert set(found) == {
        "attachments[1].filename",
        "attachments[1].content_type",
        "attachments[1].data_base64",
        "attachments[2].filename",
        "attachments[2].data_base64",
        "attachments[3].data_base64",
    }


def test_unknown_fields_and_wrong_types_are_reported() -> None:
    found = problems(
        {"from_account_id": "nope", "to": "a@b.example", "subject": 5, "cc": None, "sender": "x"}
    )
    assert set(found) >= {"from_account_id", "to", "subject", "sender"}


def test_body_must_be_an_object() -> None:
    assert set(problems([1, 2])) == {"body"}


def test_recipient_limit() -> None:
    many = [f"user{n}@b.example" for n in range(501)]
    assert "at most 500" in problems({"from_account_id": ACCOUNT, "to": many, "subject": "s"})["to"]


def test_idempotency_key_bounds() -> None:
    base = {"from_account_id": ACCOUNT, "to": ["a@b.example"], "subject": "s"}
    assert "idempotency_key" in problems({**base, "idempotency_key": ""})
    assert "idempotency_key" in problems({**base, "idempotency_key": "k" * 256})


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("subject", "Invoice\r\nBcc: spy@evil.example", "line break"),
        ("subject", "Invoice\x00", "control characters"),
        ("subject", "Invoice\x85Bcc: spy@evil.example", "line break"),
        ("subject", "Invoice\u2028more", "line break"),
        ("context_type", "invoice\n", "line break"),
        ("idempotency_key", "key\x00", "control characters"),
        ("body_text", "hello\x00", "NUL"),
        ("body_html", "<p>\x00</p>", "NUL"),
    ],
)
def test_text_fields_refuse_injection_and_nul(field: str, value: str, reason: str) -> None:
    base = {"from_account_id": ACCOUNT, "to": ["a@b.example"], "subject": "s", field: value}
    assert reason in problems(base)[field]


def test_multiline_bodies_are_fine() -> None:
    request = {"from_account_id": ACCOUNT, "to": ["a@b.example"], "subject": "s\tt"}
    assert parse_send_request({**request, "body_text": "a\r\nb\n\tc"}).body_text == "a\r\nb\n\tc"


@pytest.mark.parametrize(
    ("tail", "valid"),
    [
        ("", True),
        ("QQ==", True),
        ("QQ==QUJD", False),  # padding in the middle
        ("QUJ", False),  # not a multiple of four
        ("QU\nJD", False),  # a line break
        ("QUJé", False),  # not ASCII
    ],
)
def test_long_base64_is_checked_across_blocks(tail: str, valid: bool) -> None:
    """Attachments are checked block by block: a fault is found wherever it is."""
    from exante_tui.core.attachments import BASE64_BLOCK_CHARS, check_base64

    text = "QUJD" * (BASE64_BLOCK_CHARS // 2) + tail  # two whole blocks before the tail
    if valid:
        assert check_base64(text) == text
    else:
        with pytest.raises(ValueError, match="strict base64"):
            check_base64(text)
