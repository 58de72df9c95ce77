"""Replies, send failures, outbox retry and quitting while a send runs."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Static

from builders import stored_raw
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Account, Draft, EmailMessage, OutboundEmail, SendStatus
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.thread import ThreadScreen
from fakes.gmail_server import FakeGmail
from tui.support import SIZE, Recorder, fixed_clock, type_text


def record(services: Services, uid) -> OutboundEmail:
    with services.store.session() as session:
        found = session.get(OutboundEmail, uid)
        assert found is not None
        return found


def newest_message(services: Services, subject: str) -> EmailMessage:
    [conversation] = queries.list_conversations(services.store, search=subject)
    return queries.conversation_messages(services.store, conversation.id)[-1]


async def reply(app: ExanteApp, pilot, recorder: Recorder, subject: str, key: str):
    await app.workers.wait_for_complete()
    await pilot.press("c")
    table = app.screen.table
    row = [c.subject for c in table.items.values()].index(subject)
    table.move_cursor(row=row)
    await pilot.press("enter", key)
    assert isinstance(app.screen, ComposeScreen)
    await type_text(pilot, "Thanks!")
    await pilot.press("ctrl+t")
    return await recorder.wait_for(ComposeScreen.Sent)


async def test_reply_goes_to_the_sender_in_thread(make_app, demo_services, recorder) -> None:
    parent = newest_message(demo_services, "Q3 retainer")
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        sent = await reply(app, pilot, recorder, "Q3 retainer renewal", "r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ThreadScreen)
        assert [m.subject for m in app.screen.messages][-1] == "Re: Q3 retainer renewal"
    sent_record = record(demo_services, sent.response.outbound_email_uid)
    assert sent_record.status == SendStatus.SENT
    assert sent_record.to == ["Ken Sato <ken@fabrikam.example>"]
    assert sent_record.cc == []
    assert sent_record.subject == "Re: Q3 retainer renewal"
    assert sent_record.reply_to_message_uid == parent.id
    raw = stored_raw(demo_services, sent_record.id)
    assert b"In-Reply-To: <demo-1-0@mail.northwind.example>" in raw
    assert b"Thanks!\r\n\r\nOn 2026-11-19 13:00, Ken Sato" in raw


async def test_reply_all_keeps_everyone_but_the_inbox(make_app, demo_services, recorder) -> None:
    parent = newest_message(demo_services, "Q3 retainer")
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        sent = await reply(app, pilot, recorder, "Q3 retainer renewal", "R")
        await app.workers.wait_for_complete()
    sent_record = record(demo_services, sent.response.outbound_email_uid)
    assert sent_record.to == ["Ken Sato <ken@fabrikam.example>", "ada@northwind.example"]
    assert sent_record.reply_to_message_uid == parent.id


async def test_reply_subject_is_not_doubled(make_app, demo_services, recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        sent = await reply(app, pilot, recorder, "Invoice INV-2024-001 - Payment Reminder", "r")
        await app.workers.wait_for_complete()
    sent_record = record(demo_services, sent.response.outbound_email_uid)
    assert sent_record.subject == "Re: Invoice INV-2024-001 - Payment Reminder"
    assert sent_record.to == ["Maria Garcia <maria@contoso.example>"]


async def test_send_failure_keeps_the_draft_and_a_resend_reuses_the_record(
    settings: Settings, gmail_account: Account, fake_gmail: FakeGmail, recorder: Recorder
) -> None:
    services = Services.open(settings, clock=fixed_clock)
    app = ExanteApp(services, clock=fixed_clock, scheduler=False)
    fake_gmail.fail_next(400, message="Invalid To header")
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "maria@contoso.example")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Invoice")
        await pilot.press("tab")
        await type_text(pilot, "Hello")
        await pilot.press("ctrl+t")
        failed = await recorder.wait_for(ComposeScreen.SendFailed)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        assert screen.draft_uid == failed.draft_uid
        error = screen.query_one("#error", Static)
        assert error.has_class("shown")
        assert "Gmail did not send the message" in str(error.render())
        draft, _ = services.drafts.load(failed.draft_uid)
        assert draft.outbound_email_uid is None
        assert draft.body_text == "Hello"
        first = record(services, failed.error.outbound_email_uid)
        assert first.status == SendStatus.FAILED

        await pilot.press("ctrl+t")
        sent = await recorder.wait_for(ComposeScreen.Sent)
        await app.workers.wait_for_complete()
    assert sent.response.outbound_email_uid == first.id
    again = record(services, first.id)
    assert again.status == SendStatus.SENT
    assert again.attempts == 2
    assert len(fake_gmail.sent) == 1
    services.close()


async def test_outbox_retry_of_a_failed_send(make_app, demo_services) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("o")
        table = app.screen.table
        [failed] = [r for r in table.items.values() if r.status == SendStatus.FAILED]
        table.move_cursor(row=list(table.items).index(str(failed.id)))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert table.items[str(failed.id)].status == SendStatus.SENT
    retried = record(demo_services, failed.id)
    assert retried.status == SendStatus.SENT
    assert retried.attempts == 7


async def test_quit_asks_while_a_send_runs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        app.sending = 1
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, MainScreen)
        assert app.is_running
        await pilot.press("q", "y")
        await pilot.pause()
    assert app.return_code == 0


async def test_quit_saves_an_open_compose(make_app, demo_services) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "late@example.com")
        await pilot.press("ctrl+q")
    with demo_services.store.session() as session:
        # JSON columns cannot be compared in SQL on PostgreSQL: compare in Python.
        assert any(d.to == ["late@example.com"] for d in session.exec(select(Draft)).all())
