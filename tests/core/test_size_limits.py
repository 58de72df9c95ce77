"""Gmail's 35 MiB limit is checked before anything is recorded or sent, naming the attachment."""

from __future__ import annotations

import pytest
from sqlmodel import select

from builders import b64
from exante_tui.errors import ValidationFailed
from exante_tui.services import Services
from exante_tui.store.models import Account, OutboundEmail
from fakes.gmail_server import FakeGmail

MiB = 1024 * 1024


def request(account: Account, *sizes: int) -> dict[str, object]:
    return {
        "from_account_id": str(account.id),
        "to": ["ap@contoso.example"],
        "subject": "Big files",
        "body_text": "See attached.",
        "attachments": [
            {
                "filename": f"file{n}.bin",
                "content_type": "application/octet-stream",
                "data_base64": b64(bytes(size)),
            }
            for n, size in enumerate(sizes)
        ],
    }


def assert_nothing_recorded(services: Services, fake: FakeGmail) -> None:
    with services.store.session() as session:
        assert session.exec(select(OutboundEmail)).all() == []
    assert fake.sent == []


def test_one_attachment_over_the_limit_is_named(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.core.send(request(gmail_account, 1024, 27 * MiB))
    [detail] = caught.value.details
    assert detail.field == "attachments[1]"
    assert "'file1.bin'" in detail.message and "35 MiB" in detail.message
    assert_nothing_recorded(services, fake_gmail)


def test_attachments_that_only_together_exceed_the_limit_name_the_largest(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.core.send(request(gmail_account, 12 * MiB, 14 * MiB))
    [detail] = caught.value.details
    assert detail.field == "attachments[1]"
    assert "largest attachment is 'file1.bin'" in detail.message
    assert_nothing_recorded(services, fake_gmail)
