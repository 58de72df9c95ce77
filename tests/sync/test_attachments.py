"""Saving an attachment of received mail: fetched from Gmail on demand, written safely."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest

from builders import add_thread
from exante_tui.errors import Conflict, NotFound, ValidationFailed
from exante_tui.services import Services
from exante_tui.store.models import Account, EmailMessage
from exante_tui.sync import message_attachments, save_attachment
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail
from sync.helpers import messages_of, sync_ok

CSV = b"id,amount\n1,100.00\n"
PNG = bytes(range(256)) * 4


@pytest.fixture
def received(services: Services, gmail_account: Account, fake_gmail: FakeGmail) -> EmailMessage:
    thread = fake_gmail.mailbox.deliver(
        build_mail(
            subject="Remittance",
            attachments=[("remit.csv", "text/csv", CSV), ("../../logo.png", "image/png", PNG)],
        )
    )
    sync_ok(services)
    [message] = messages_of(services, thread)
    return message


def test_save_into_a_directory_uses_the_attachment_name(
    services: Services, received: EmailMessage, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    written = save_attachment(services, received.id, 0, tmp_path)

    assert written == tmp_path / "remit.csv"
    assert written.read_bytes() == CSV
    [fetch] = [r for r in fake_gmail.requests if r.route == "messages.attachments.get"]
    assert received.gmail_message_id in fetch.path


def test_binary_content_survives_and_names_cannot_escape(
    services: Services, received: EmailMessage, tmp_path: Path
) -> None:
    target = tmp_path / "downloads"
    target.mkdir()

    written = save_attachment(services, received.id, 1, target)

    assert written == target / "logo.png"
    assert written.read_bytes() == PNG


def test_an_existing_file_is_replaced_only_when_asked(
    services: Services, received: EmailMessage, tmp_path: Path
) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("keep me")

    with pytest.raises(Conflict):
        save_attachment(services, received.id, 0, path)
    assert path.read_text() == "keep me"
    save_attachment(services, received.id, 0, path, overwrite=True)
    assert path.read_bytes() == CSV


def test_unknown_message_or_index_is_not_found(
    services: Services, received: EmailMessage, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        save_attachment(services, uuid.uuid4(), 0, tmp_path)
    with pytest.raises(NotFound) as caught:
        save_attachment(services, received.id, 2, tmp_path)
    assert caught.value.details[0].field == "index"


def test_an_attachment_not_synced_from_gmail_says_to_sync(
    services: Services, gmail_account: Account, tmp_path: Path
) -> None:
    _, [message, _] = add_thread(services, gmail_account)
    with services.store.session() as session:
        stored = session.get(EmailMessage, message.id)
        assert stored is not None
        stored.attachments = [{"filename": "a.pdf", "content_type": "application/pdf", "size": 3}]

    with pytest.raises(ValidationFailed, match="exante-tui sync"):
        save_attachment(services, message.id, 0, tmp_path)


def test_a_planted_link_at_the_temp_file_is_not_written_through(
    services: Services, received: EmailMessage, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    target = tmp_path / "downloads"
    target.mkdir()
    (target / ".remit.csv.part").symlink_to(victim)

    written = save_attachment(services, received.id, 0, target)

    assert victim.read_text() == "precious"
    assert written.read_bytes() == CSV and not written.is_symlink()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.iterdir()) == ["remit.csv"]


@pytest.mark.parametrize(
    ("filename", "saved"),
    [
        ("in\x00voice\x1b[2J.pdf", "invoice[2J.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
        ("é" * 200, "é" * 127),
        ("\x00\x01", "attachment-0"),
    ],
)
def test_hostile_attachment_names_become_safe_file_names(
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
    filename: str,
    saved: str,
) -> None:
    thread = fake_gmail.mailbox.deliver(
        build_mail(subject="Names", attachments=[(filename, "application/pdf", CSV)])
    )
    sync_ok(services)
    [message] = messages_of(services, thread)

    written = save_attachment(services, message.id, 0, tmp_path)

    assert written == tmp_path / saved
    assert len(written.name.encode()) <= 255 and written.read_bytes() == CSV


def test_forwarded_attachments_are_fetched_once_with_progress_then_kept(
    services: Services, received: EmailMessage, fake_gmail: FakeGmail
) -> None:
    steps: list[tuple[int, int, str]] = []

    files = message_attachments(services, received.id, lambda *step: steps.append(step))

    assert [(f.filename, f.content_type, f.data) for f in files] == [
        ("remit.csv", "text/csv", CSV),
        ("../../logo.png", "image/png", PNG),
    ]
    assert steps == [(1, 2, "remit.csv"), (2, 2, "../../logo.png")]
    fetches = [r for r in fake_gmail.requests if r.route == "messages.attachments.get"]
    assert len(fetches) == 2
    assert [f.data for f in message_attachments(services, received.id)] == [CSV, PNG]
    assert len([r for r in fake_gmail.requests if r.route == "messages.attachments.get"]) == 2


def test_nul_in_received_text_is_dropped_so_any_store_keeps_it(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    """PostgreSQL's text and JSON columns refuse NUL: a stranger's mail must still sync."""
    thread = fake_gmail.mailbox.deliver(
        build_mail(
            subject="Nul",
            text="Pay\x00 now.",
            attachments=[("a\x00b.pdf", "application/pdf", CSV)],
        )
    )
    sync_ok(services)
    [message] = messages_of(services, thread)
    assert message.body_text.strip() == "Pay now."
    assert [a["filename"] for a in message.attachments] == ["ab.pdf"]
