"""Visual regressions: the main views, a thread, compose, a validation error, help, and
a send whose outcome is unknown."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from exante_tui.store.models import OutboundEmail, SendStatus
from exante_tui.tui.screens import compose
from exante_tui.tui.screens.thread import ThreadScreen
from tui.support import SIZE


@pytest.fixture(autouse=True)
def no_autosave_during_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow machine must not let the autosave timer change the picture."""
    monkeypatch.setattr(compose, "AUTOSAVE_DELAY", 3600.0)


async def settle(pilot: Pilot) -> None:
    """Wait for the lists to load and the screen to repaint, with steady (unblinking) cursors."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
        widget.notify_style_update()  # drop lines cached in a blink's off phase
        widget.refresh()
    await pilot.pause()


def test_drafts_view(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_conversations_view(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), press=["c"], terminal_size=SIZE, run_before=settle)


def test_outbox_view_with_failure(snap_compare, make_app) -> None:
    async def highlight_failed(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("o", "down")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=highlight_failed)


def test_filter(snap_compare, make_app) -> None:
    async def filtered(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("c", "slash", *"invoice")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=filtered)


def test_thread_view(snap_compare, make_app) -> None:
    async def open_thread(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("c")
        table = pilot.app.screen.table
        subjects = [c.subject for c in table.items.values()]
        table.move_cursor(row=subjects.index("Site visit next Tuesday"))
        await pilot.press("enter")
        while not isinstance(pilot.app.screen, ThreadScreen):
            await pilot.pause()  # the conversation is read in a thread first
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_thread)


def test_compose_draft(snap_compare, make_app) -> None:
    async def open_draft(pilot: Pilot) -> None:
        await settle(pilot)
        table = pilot.app.screen.table
        subjects = [d.subject for d in table.items.values()]
        table.move_cursor(row=subjects.index("Invoice INV-2024-014 is overdue"))
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_draft)


def test_compose_validation_error(snap_compare, make_app) -> None:
    async def bad_address(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n", *"ok@example.com,", "space", *"nope@", "tab")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=bad_address)


def test_help_screen(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=SIZE, run_before=settle)


def test_outbox_unknown_status(snap_compare, make_app, demo_services) -> None:
    with demo_services.store.session() as session:
        record = session.exec(
            select(OutboundEmail).where(OutboundEmail.status == SendStatus.FAILED)
        ).one()
        record.status = SendStatus.UNKNOWN
        session.add(record)

    async def highlight_unknown(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("o", "down")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=highlight_unknown)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
@pytest.mark.parametrize("view", ["c", "d", "o"])
def test_list_columns_fill_the_width(snap_compare, make_app, view: str, size) -> None:
    """Every list keeps its key columns at 80x24 and gives the subject the slack at 160x48."""
    assert snap_compare(make_app(), press=[view], terminal_size=size, run_before=settle)


def test_undo_send_banner(snap_compare, make_app) -> None:
    async def send_with_undo(pilot: Pilot) -> None:
        await settle(pilot)
        table = pilot.app.screen.table
        subjects = [d.subject for d in table.items.values()]
        table.move_cursor(row=subjects.index("Invoice INV-2024-014 is overdue"))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+t")
        while pilot.app.screen.is_modal or not pilot.app.waiting:
            await pilot.pause()
        await settle(pilot)
        while "Undo send" not in [k.description for k in pilot.app.screen.query(FooterKey)]:
            await pilot.pause()  # the footer is rebuilt after the bindings change

    app = make_app(send_delay=10)
    assert snap_compare(app, terminal_size=SIZE, run_before=send_with_undo)


def test_read_only_compose(snap_compare, make_app, demo_services) -> None:
    async def sent_under_it(pilot: Pilot) -> None:
        await settle(pilot)
        [row] = [d for d in pilot.app.screen.table.items.values() if d.draft.planned_send_at]
        draft = row.draft
        await pilot.app.open_compose(draft.id)
        demo_services.core.send({"draft_uid": str(draft.id)})
        pilot.app.screen._renew_hold()  # what the hold's renewal timer calls
        while pilot.app.screen.read_only is None:
            await pilot.pause()
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=sent_under_it)
