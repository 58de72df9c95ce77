"""The one reader of request documents: every malformed input is a validation_error."""

from __future__ import annotations

import pytest

from exante_tui.core.json_input import MAX_DEPTH, load_json
from exante_tui.errors import ValidationFailed


def refusal(data: bytes) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        load_json(data)
    return {d.field: d.message for d in caught.value.details}


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        (b'{"subject": "caf\xe9"}', "body", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "body", "nested too deeply"),
        (b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "body", "deeply"),
        (b'{"n": 1' + b"0" * 5000 + b"}", "body", "too long"),
        (b'{"subject": "\\ud800"}', "subject", "surrogate"),
        (b'{"attachments": [{"filename": "\\udc00.pdf"}]}', "attachments[0].filename", "surr"),
        (b'{"\\ud800": 1}', "body(key)", "surrogate"),
        (b'{"subject": ', "body", "not valid JSON"),
    ],
)
def test_malformed_documents_name_the_field(data: bytes, field: str, reason: str) -> None:
    found = refusal(data)
    assert reason in found[field], found


def test_paired_surrogates_are_text() -> None:
    assert load_json(b'{"subject": "\\ud83d\\ude00"}') == {"subject": "\U0001f600"}
