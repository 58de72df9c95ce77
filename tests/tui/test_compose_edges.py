"""The composer's rough edges, each as a new user met it."""

from __future__ import annotations

from datetime import timedelta

from textual import events
from textual.widgets import Input, Label, OptionList, Static

from crash.support import records
from exante_tui.core.drafts import DraftContent
from exante_tui.core.mime import Attachment
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Draft
from exante_tui.tui.composing.filling import body_text, editor_text
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.widgets.attachments import AttachmentPanel
from tui.support import FIXED_NOW, SIZE, Recorder, type_text

MiB = 1024 * 1024


def stored(services: Services, uid) -> Draft:
    with services.store.session() as session:
        found = session.get(Draft, uid)
        assert found is not None
        return found


def error_text(screen: ComposeScreen) -> str:
    return str(screen.query_one("#error", Static).render())


async def test_size_and_address_errors_come_at_once_and_go_when_fixed(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    owner = queries.account_by_email(demo_services.store, "billing@northwind.example")
    assert owner is not None
    big = [Attachment(f"scan{n}.pdf", "application/pdf", bytes(14 * MiB)) for n in (1, 2)]
    uid = demo_services.drafts.create(
        DraftContent(account_id=owner.id, to=["nope@"], subject="Scans", body_text="Both."), big
    )
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await app.open_compose(uid)
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        await pilot.press("ctrl+t")
        await recorder.wait_for(ComposeScreen.SendFailed)
        await pilot.pause()
        shown = error_text(screen)
        assert "to[0]" in shown and "attachments: 2 files are" in shown

        screen.query_one("#to-input", Input).value = "maria@contoso.example"
        await recorder.wait_for(ComposeScreen.Saved)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "to[0]" not in error_text(screen) and "attachments" in error_text(screen)

        panel = screen.query_one(AttachmentPanel)
        panel.query_one("#attach-list").focus()
        await pilot.press("x")
        assert [a.filename for a in panel.attachments] == ["scan2.pdf"]
        await recorder.wait_for(
            ComposeScreen.Saved, lambda m: len(recorder.of(ComposeScreen.Saved)) > 1
        )
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.query_one("#error", Static).has_class("shown")


async def test_the_attachment_list_removes_as_soon_as_it_has_focus(
    make_app, demo_services: Services
) -> None:
    [target] = [d for d in queries.list_drafts(demo_services.store) if d.subject.startswith("Inv")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await app.open_compose(target.id)
        panel = app.screen.query_one(AttachmentPanel)
        assert len(panel.attachments) == 1
        assert app.focused is app.screen.query_one("#body")
        await pilot.press("tab")  # body -> attachment list
        assert app.focused is panel.query_one("#attach-list")
        await pilot.press("delete")
        assert panel.attachments == []


async def test_completion_keeps_the_stored_case_and_lists_candidates(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ma")
        await app.workers.wait_for_complete()
        await pilot.pause()
        to = app.screen.query_one("#to-input", Input)
        await pilot.press("right")
        assert to.value == "Maria Garcia <maria@contoso.example>"

        await type_text(pilot, ", a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        listing = app.screen.query_one("#to OptionList", OptionList)
        offered = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert offered == ["ada@northwind.example", "Ada Lovelace <ada@northwind.example>"]
        await pilot.press("down", "enter")
        assert (
            to.value == "Maria Garcia <maria@contoso.example>, Ada Lovelace <ada@northwind.example>"
        )
        assert not listing.has_class("shown")


async def test_keys_typed_fast_after_tab_land_in_the_next_field(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        screen = app.screen
        # A paste and the keys after it arrive in one burst, before any of them is handled.
        app.post_message(events.Paste("ken@fabrikam.example"))
        for key, char in [("tab", "\t"), ("tab", "\t"), ("tab", "\t"), *((c, c) for c in "Q4")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        assert screen.query_one("#to-input", Input).value == "ken@fabrikam.example"
        assert screen.query_one("#subject", Input).value == "Q4"


async def test_send_typed_right_after_the_subject_sends_that_subject(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("tab", "tab", "tab")
        for key, char in [("H", "H"), ("i", "i"), ("ctrl+t", None)]:
            app.post_message(events.Key(key, char))  # one burst: send comes last
        sent = await recorder.wait_for(ComposeScreen.Sent)  # no "empty subject?" question
    uid = sent.response.outbound_email_uid  # type: ignore[attr-defined]
    assert [r.subject for r in records(demo_services) if r.id == uid] == ["Hi"]


async def test_an_empty_subject_asks_before_sending(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "subject is empty" in str(app.screen.query_one(".question", Label).render())
        await pilot.press("n")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#subject")
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("y")
        sent = await recorder.wait_for(ComposeScreen.Sent)
        assert sent.response.status == "sent"  # type: ignore[attr-defined]


async def test_schedule_help_is_whole_and_an_error_goes_when_fixed(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("ctrl+l")
        hint = app.screen.query_one("#when-hint", Label)
        text = "tomorrow 9am · mon 8:30 · in 2h · +1d · 2026-11-21 09:00"
        assert str(hint.render()) == text
        assert hint.size.width >= len(text)
        await type_text(pilot, "someday")
        await pilot.press("enter")
        error = app.screen.query_one("#when-error", Label)
        assert error.has_class("shown")
        await pilot.press("ctrl+u")
        await type_text(pilot, "tomorrow 9am")
        assert not error.has_class("shown")
        await pilot.press("enter")
        saved = await recorder.wait_for(ComposeScreen.Saved)
    planned = stored(demo_services, saved.draft_uid).planned_send_at  # type: ignore[attr-defined]
    assert planned == FIXED_NOW + timedelta(days=1)


def test_the_editor_file_ends_with_a_newline_and_appended_lines_stay_apart() -> None:
    assert editor_text("Hello") == "Hello\n"
    assert editor_text("Hello\n") == "Hello\n"
    appended = editor_text("Hello") + "PS: see you\n"  # `echo "PS: see you" >> file`
    assert body_text(appended) == "Hello\nPS: see you"
    assert body_text(editor_text("Hello")) == "Hello"


async def test_an_autosave_written_late_never_goes_over_a_newer_save(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "old@x.example")
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        late = screen.saver.snapshot(force=False)  # an autosave whose thread runs late
        await type_text(pilot, ", new@x.example")
        uid = screen.save_now()  # ctrl+s, escape, send: written at once
        assert uid is not None
        assert screen.saver.write(late).kind == "stale"
        assert stored(demo_services, uid).to == ["old@x.example", "new@x.example"]
        screen.query_one("#subject", Input).value = "Newest"
        screen.stop_autosave()
        screen.saver.autosave()  # what the timer starts: a thread worker
        saved = await recorder.wait_for(
            ComposeScreen.Saved, lambda m: stored(demo_services, uid).subject == "Newest"
        )
        assert saved.draft_uid == uid  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
    assert [d.id for d in queries.list_drafts(demo_services.store) if d.id == uid] == [uid]
