"""The thread view: a focus per message, reply to any message, forward with files, open
HTML and links."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from textual.notifications import Notify

from exante_tui.demo import DEMO_PDF, DEMO_PNG
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Account, OutboundEmail
from exante_tui.tui import browser
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.links import LinkPickerScreen
from exante_tui.tui.screens.thread import ThreadScreen
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail
from sync.helpers import messages_of, sync_ok
from tui.support import SIZE, Recorder, fixed_clock, type_text


def conversation_uid(services: Services, subject: str):
    [conversation] = queries.list_conversations(services.store, search=f'subject:"{subject}"')
    return conversation.id


async def open_thread(app: ExanteApp, pilot, services: Services, subject: str) -> ThreadScreen:
    await app.workers.wait_for_complete()
    await app.open_thread(conversation_uid(services, subject))
    await pilot.pause()
    assert isinstance(app.screen, ThreadScreen)
    return app.screen


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app asks the system browser to open (nothing is launched)."""
    urls: list[str] = []
    monkeypatch.setattr(browser.webbrowser, "open", lambda url: urls.append(url) or True)
    return urls


async def test_focus_moves_between_messages_and_toggles(make_app, demo_services) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_thread(app, pilot, demo_services, "Site visit next Tuesday")
        assert thread.focused_index == 2
        await pilot.press("k")
        assert thread.focused_index == 1
        await pilot.press("p", "k")
        assert thread.focused_index == 0  # stops at the first
        await pilot.press("j", "n", "n")
        assert thread.focused_index == 2
        first = thread.query_one("#message-0")
        assert first.collapsed  # type: ignore[attr-defined]
        await pilot.press("k", "k", "space")
        assert not first.collapsed  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert first.collapsed  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("moves", "key", "to", "cc"),
    [
        ([], "r", ["tom@litware.example"], []),  # the newest: the owner sent it
        (["k"], "r", ["Tom Becker <tom@litware.example>"], []),
        (["k", "k"], "R", ["tom@litware.example"], []),
    ],
)
async def test_reply_targets_the_focused_message(
    make_app, demo_services, moves: list[str], key: str, to: list[str], cc: list[str]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_thread(app, pilot, demo_services, "Site visit next Tuesday")
        await pilot.press(*moves)
        focused = thread.focused_message
        await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)
        content = app.screen.initial
        assert (content.to, content.cc) == (to, cc)
        assert content.reply_to_message_uid == focused.id  # type: ignore[union-attr]
        ada = queries.account_by_email(demo_services.store, "ada@northwind.example")
        assert content.account_id == ada.id  # type: ignore[union-attr]


async def test_reply_to_an_older_message_is_sent_in_thread(
    make_app, demo_services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        thread = await open_thread(app, pilot, demo_services, "Invoice INV-2024-001")
        await pilot.press("k")
        parent = thread.focused_message
        await pilot.press("r")
        await pilot.pause()
        await type_text(pilot, "Resending now.")
        await pilot.press("ctrl+t")
        sent = await recorder.wait_for(ComposeScreen.Sent)
    with demo_services.store.session() as session:
        record = session.get(OutboundEmail, sent.response.outbound_email_uid)  # type: ignore[attr-defined]
    assert record is not None and record.reply_to_message_uid == parent.id  # type: ignore[union-attr]
    assert record.to == ["maria@contoso.example"]  # the owner's own message: its recipient


async def test_forward_carries_the_stored_files_and_sends_fresh(
    make_app, demo_services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await open_thread(app, pilot, demo_services, "Q3 retainer renewal")
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        assert compose.initial.subject == "Fwd: Q3 retainer renewal"
        assert compose.initial.reply_to_message_uid is None
        assert "From: Ken Sato <ken@fabrikam.example>" in compose.initial.body_text
        assert [(a.filename, a.data) for a in compose.initial_attachments] == [
            ("retainer-Q3-order-form.pdf", DEMO_PDF),
            ("fabrikam-logo.png", DEMO_PNG),
        ]
        await type_text(pilot, "lena@adatum.example")
        await pilot.press("ctrl+t")
        sent = await recorder.wait_for(ComposeScreen.Sent)
    with demo_services.store.session() as session:
        record = session.get(OutboundEmail, sent.response.outbound_email_uid)  # type: ignore[attr-defined]
    assert record is not None and record.reply_to_message_uid is None
    assert record.to == ["lena@adatum.example"]
    assert record.subject == "Fwd: Q3 retainer renewal"
    assert [a["filename"] for a in record.attachments] == [
        "retainer-Q3-order-form.pdf",
        "fabrikam-logo.png",
    ]


async def test_forward_fetches_gmail_files_first(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail, recorder: Recorder
) -> None:
    pdf = b"%PDF-1.4 remittance\x00\x01" * 40
    thread = fake_gmail.mailbox.deliver(
        build_mail(subject="Remittance", attachments=[("remit.pdf", "application/pdf", pdf)])
    )
    sync_ok(services)
    [message] = messages_of(services, thread)
    app = ExanteApp(services, clock=fixed_clock, scheduler=False)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await open_thread(app, pilot, services, "Remittance")
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)
        assert [(a.filename, a.data) for a in app.screen.initial_attachments] == [
            ("remit.pdf", pdf)
        ]
        notices = [n.notification.message for n in recorder.of(Notify)]  # type: ignore[attr-defined]
        assert "1/1: remit.pdf" in notices
    fetches = [r for r in fake_gmail.requests if r.route == "messages.attachments.get"]
    assert len(fetches) == 1 and message.gmail_message_id in fetches[0].path


async def test_o_writes_the_html_to_a_private_file_and_opens_it(
    make_app, demo_services, opened_urls: list[str]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        thread = await open_thread(app, pilot, demo_services, "Your Wingtip Cloud invoice")
        await pilot.press("o")
        message = thread.focused_message
    [url] = opened_urls
    path = Path(url.removeprefix("file://"))
    assert path.read_text() == message.body_html  # type: ignore[union-attr]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


async def test_u_lists_the_links_to_pick_one(
    make_app, demo_services, opened_urls: list[str]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(app, pilot, demo_services, "Your Wingtip Cloud invoice")
        await pilot.press("u")
        assert isinstance(app.screen, LinkPickerScreen)
        assert app.screen.links == [
            "https://billing.wingtip.example/invoices/WT-11873",
            "https://wingtip.example/terms",
        ]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ThreadScreen)
    assert opened_urls == ["https://wingtip.example/terms"]
