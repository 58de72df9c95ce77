"""Browsing: switch lists, filter, page through a large store, open a thread and the outbox."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Collapsible, ContentSwitcher, Static

from exante_tui.services import Services
from exante_tui.store.models import Conversation
from exante_tui.tui.screens.help import HelpScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.screens.thread import ThreadScreen
from exante_tui.tui.widgets.paged_table import PagedTable
from tui.support import FIXED_NOW, SIZE, Recorder


def subjects(table: PagedTable) -> list[str]:
    return [item.subject for item in table.items.values()]


async def test_views_switch_by_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        switcher = screen.query_one("#lists", ContentSwitcher)
        assert switcher.current == "drafts"
        assert sorted(subjects(screen.table)) == [
            "Invoice INV-2024-014 is overdue",
            "Monthly statement - October",
        ]
        await pilot.press("c")
        assert switcher.current == "conversations"
        assert "Q3 retainer renewal" in subjects(screen.table)
        await pilot.press("o")
        assert switcher.current == "outbox"
        statuses = sorted(str(item.status) for item in screen.table.items.values())
        assert statuses == ["failed", "sent"]
        await pilot.press("d")
        assert switcher.current == "drafts"


async def test_scheduled_draft_shows_planned_time(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.workers.wait_for_complete()
        table = app.screen.table
        rows = [table.get_row_at(n) for n in range(table.row_count)]
        assert ["Monthly statement - October", "in 1d 2h"] in [
            [str(c) for c in r[1:]] for r in rows
        ]


async def test_filter_queries_the_store(make_app, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c", "slash")
        await pilot.press(*"retainer")
        loaded = await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "retainer")
        assert loaded.rows == 1
        assert subjects(app.screen.table) == ["Q3 retainer renewal"]
        await pilot.press("enter", "escape")
        await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "" and m.rows == 5)
        assert app.screen.table.search == ""


def add_conversations(services: Services, count: int) -> None:
    account = services.accounts.add_outbox("bulk@northwind.example")
    with services.store.session() as session:
        for n in range(count):
            session.add(
                Conversation(
                    account_id=account.id,
                    subject=f"bulk {n:04d}",
                    last_message_at=FIXED_NOW - timedelta(days=30, minutes=n),
                )
            )


async def test_lists_load_a_page_then_more_near_the_end(make_app, demo_services) -> None:
    add_conversations(demo_services, 450)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        table = app.screen.table
        assert table.row_count == 200
        table.move_cursor(row=199)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert table.row_count == 400
        table.move_cursor(row=399)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert table.row_count == 455
        assert table.exhausted


async def test_thread_view_newest_open_html_as_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        table = app.screen.table
        row = subjects(table).index("Site visit next Tuesday")
        table.move_cursor(row=row)
        await pilot.press("enter")
        assert isinstance(app.screen, ThreadScreen)
        collapsed = [c.collapsed for c in app.screen.query(Collapsible)]
        assert collapsed == [True, True, False]
        await pilot.press("escape")
        row = subjects(table).index("Q3 retainer renewal")
        table.move_cursor(row=row)
        await pilot.press("enter")
        body = str(app.screen.query_one(".body", Static).render())
        assert "We'd like to renew the retainer for Q3." in body
        assert "- Same scope" in body
        assert "<b>" not in body


async def test_outbox_details_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("o", "enter")
        assert isinstance(app.screen, OutboxDetailScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_command_palette_lists_screen_actions(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        await app.workers.wait_for_complete()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Drafts", "Conversations", "Outbox", "Filter", "New", "Help"} <= titles
