"""Compose flows: new mail with an attachment, edit a draft, schedule, autosave, validation."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import Label, TextArea

from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Draft, OutboundEmail, SendStatus
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.widgets.attachments import AttachmentPanel
from tui.support import FIXED_NOW, SIZE, Recorder, type_text


def outbound(services: Services) -> list[OutboundEmail]:
    with services.store.session() as session:
        return list(session.exec(select(OutboundEmail)).all())


def draft(services: Services, uid) -> Draft:
    with services.store.session() as session:
        found = session.get(Draft, uid)
        assert found is not None
        return found


async def test_new_message_with_attachment_is_sent(
    make_app, demo_services: Services, recorder: Recorder, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the file picker starts in the working directory
    report = tmp_path / "report.csv"
    report.write_text("invoice,amount\nINV-1,100\n")
    before = {r.id for r in outbound(demo_services)}
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        assert isinstance(app.screen, ComposeScreen)
        await type_text(pilot, "lena@adatum.example")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Your report")
        await pilot.press("tab")
        await type_text(pilot, "Hi Lena,\nthe report is attached.")
        await pilot.press("ctrl+o")
        await type_text(pilot, "report.csv")
        await pilot.press("enter")
        assert [a.filename for a in app.screen.query_one(AttachmentPanel).attachments] == [
            "report.csv"
        ]
        await pilot.press("ctrl+t", "ctrl+t")
        sent = await recorder.wait_for(ComposeScreen.Sent)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    records = [r for r in outbound(demo_services) if r.id not in before]
    assert len(records) == 1
    record = records[0]
    assert record.id == sent.response.outbound_email_uid
    assert record.status == SendStatus.SENT
    assert record.to == ["lena@adatum.example"]
    assert record.subject == "Your report"
    assert record.draft_uid == sent.draft_uid
    assert record.attachments == [
        {"filename": "report.csv", "content_type": "text/csv", "size": report.stat().st_size}
    ]
    eml = list(demo_services.settings.outbox_dir.glob("*.eml"))
    assert any(b"the report is attached." in path.read_bytes() for path in eml)
    assert draft(demo_services, sent.draft_uid).outbound_email_uid == record.id


async def test_markdown_toggle_sends_html(make_app, demo_services, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Notes")
        await pilot.press("ctrl+r", "tab")
        await type_text(pilot, "Some **bold** news")
        await pilot.press("ctrl+s")
        saved = await recorder.wait_for(ComposeScreen.Saved)
    stored = draft(demo_services, saved.draft_uid)
    assert stored.body_text == "Some **bold** news"
    assert stored.body_html == "<p>Some <strong>bold</strong> news</p>\n"


async def test_edit_and_send_a_draft(make_app, demo_services, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        table = app.screen.table
        [target] = [d for d in table.items.values() if d.subject.startswith("Invoice")]
        table.move_cursor(row=list(table.items).index(str(target.id)))
        await pilot.press("enter")
        await pilot.pause()  # the table's RowSelected message opens the draft
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.draft_uid == target.id
        assert len(app.screen.query_one(AttachmentPanel).attachments) == 1
        app.screen.query_one("#subject").focus()
        await type_text(pilot, " (second notice)")
        await pilot.press("ctrl+t")
        await recorder.wait_for(ComposeScreen.Sent)
        await app.workers.wait_for_complete()
    [record] = [r for r in outbound(demo_services) if r.draft_uid == target.id]
    assert record.status == SendStatus.SENT
    assert record.subject == "Invoice INV-2024-014 is overdue (second notice)"
    assert record.cc == ["maria@contoso.example"]
    assert [a["filename"] for a in record.attachments] == ["INV-2024-014.pdf"]
    remaining = [d.subject for d in queries.list_drafts(demo_services.store)]
    assert remaining == ["Monthly statement - October"]


async def test_schedule_and_unschedule(make_app, demo_services, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("ctrl+l")
        await type_text(pilot, "yesterday")
        await pilot.press("enter")
        error = app.screen.query_one("#when-error", Label)
        assert "Not a time: 'yesterday'" in str(error.render())
        await pilot.press("ctrl+u")
        await type_text(pilot, "+2h")
        await pilot.press("enter")
        saved = await recorder.wait_for(ComposeScreen.Saved)
        assert draft(demo_services, saved.draft_uid).planned_send_at == FIXED_NOW.replace(hour=11)
        await pilot.press("ctrl+l")
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert draft(demo_services, saved.draft_uid).planned_send_at is None
        await pilot.press("ctrl+l")
        await type_text(pilot, "2026-12-01 09:30")
        await pilot.press("enter")
        await pilot.pause()
        assert draft(demo_services, saved.draft_uid).planned_send_at == FIXED_NOW.replace(
            month=12, day=1, minute=30
        )


async def test_autosave_survives_a_restart(make_app, demo_services, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n", "tab", "tab", "tab")
        await type_text(pilot, "Unfinished thoughts")
        await pilot.press("tab")
        await type_text(pilot, "Line one\nline two")
        saved = await recorder.wait_for(
            ComposeScreen.Saved,
            lambda m: draft(demo_services, m.draft_uid).body_text == "Line one\nline two",
        )
        # leave without escape or quit: the app is torn down as a kill would
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await again.workers.wait_for_complete()
        table = again.screen.table
        assert str(saved.draft_uid) in table.items
        table.move_cursor(row=list(table.items).index(str(saved.draft_uid)))
        await pilot.press("enter")
        await pilot.pause()  # the table's RowSelected message opens the draft
        assert again.screen.query_one("#body", TextArea).text == "Line one\nline two"
        assert again.screen.query_one("#subject").value == "Unfinished thoughts"


async def test_escape_saves_and_nothing_typed_makes_no_draft(make_app, demo_services) -> None:
    app = make_app()
    count = len(queries.list_drafts(demo_services.store))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n", "escape")
        assert len(queries.list_drafts(demo_services.store)) == count
        await pilot.press("n")
        await type_text(pilot, "x@y.example")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
    drafts = queries.list_drafts(demo_services.store)
    assert len(drafts) == count + 1
    assert drafts[0].to == ["x@y.example"]


async def test_address_validation_as_you_type(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ok@example.com, broken@")
        error = app.screen.query_one("#to .error", Label)
        assert error.has_class("shown")
        assert "#2 'broken@'" in str(error.render())
        await type_text(pilot, "example.com")
        assert not error.has_class("shown")


async def test_completion_from_known_addresses(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "a@b.example, Mar")
        await app.workers.wait_for_complete()
        await pilot.pause()
        to = app.screen.query_one("#to-input")
        assert to._suggestion == "a@b.example, Maria Garcia <maria@contoso.example>"
        await pilot.press("right")
        assert to.value == "a@b.example, Maria Garcia <maria@contoso.example>"
