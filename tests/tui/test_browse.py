"""Browsing: switch lists, filter, page through a large store, open a thread and the outbox."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Collapsible, ContentSwitcher, Static, Tab

from exante_tui.services import Services
from exante_tui.store.models import Conversation
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.help import HelpScreen
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.screens.thread import ThreadScreen
from exante_tui.tui.widgets.paged_table import FIRST_PAGE, PAGE_SIZE, PagedTable
from tui.support import FIXED_NOW, SIZE, Recorder, workers_done


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
        await pilot.pause()
        assert switcher.current == "conversations"
        assert "Q3 retainer renewal" in subjects(screen.table)
        await pilot.press("o")
        await pilot.pause()
        assert switcher.current == "outbox"
        statuses = sorted(str(item.status) for item in screen.table.items.values())
        assert statuses == ["failed", "sent"]
        await pilot.press("d")
        await pilot.pause()
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
        await pilot.pause()
        await pilot.press(*"retainer")
        loaded = await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "retainer")
        assert loaded.rows == 1
        assert subjects(app.screen.table) == ["Q3 retainer renewal"]
        await pilot.press("enter", "escape")
        await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "" and m.rows == 6)
        assert app.screen.table.search == ""


async def test_part_of_a_word_finds_nothing_and_says_how_to_match_its_start(
    make_app, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c", "slash", *"retai")
        await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "retai" and m.rows == 0)
        await pilot.pause()  # the screen handles Loaded after the hook saw it
        hint = str(app.screen.query_one("#preview", Static).render())
        assert "No matches." in hint
        assert "end one with * to match its start" in hint
        await pilot.press("asterisk")
        loaded = await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "retai*")
        assert loaded.rows == 1
        assert subjects(app.screen.table) == ["Q3 retainer renewal"]


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
        await pilot.pause()
        table = app.screen.table
        first = table.row_count  # a screenful and the prefetch margin, at least FIRST_PAGE
        assert FIRST_PAGE <= first < PAGE_SIZE
        assert not table.exhausted
        table.move_cursor(row=first - 1)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert table.row_count == first + PAGE_SIZE
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert table.row_count == 456  # the demo's six and 450
        assert table.exhausted
        table.move_cursor(row=300)
        table.reload()  # as after coming back from a thread: every row again, cursor kept
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert (table.row_count, table.cursor_row) == (456, 300)


async def test_thread_view_newest_open_html_as_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        await pilot.pause()
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
        assert "* Same scope" in body
        assert "<b>" not in body


async def test_outbox_details_and_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
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
        assert {"Drafts", "Conversations", "Outbox", "Search", "Account", "New", "Help"} <= titles


async def test_vim_keys_move_the_cursor(make_app, demo_services) -> None:
    add_conversations(demo_services, FIRST_PAGE - 10)  # one page: G is the list's end
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        await pilot.pause()
        table = app.screen.table
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home", "ctrl+d")
        half = table.cursor_row
        assert half >= 5
        await pilot.press("ctrl+d", "ctrl+u")
        assert table.cursor_row == half


async def test_account_switcher_filters_lists_counts_and_compose(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.press("c")
        await pilot.pause()
        tab = screen.query_one("#views").query_one("#conversations", Tab)
        assert str(tab.label) == "Conversations 6 (2 unread)"
        await pilot.press("a")  # accounts come in order of address
        await app.workers.wait_for_complete()
        assert screen.account is not None and screen.account.email == "ada@northwind.example"
        assert subjects(screen.table) == ["Site visit next Tuesday"]
        assert str(tab.label) == "Conversations 1"
        await pilot.press("n")
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.initial.account_id == screen.account.id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("a")
        await workers_done(app)
        assert screen.account.email == "billing@northwind.example"
        assert "Site visit next Tuesday" not in subjects(screen.table)
        await pilot.press("a")
        await workers_done(app)
        assert screen.account is None
        assert len(subjects(screen.table)) == 6


async def test_conversation_rows_show_unread_mark_and_other_party(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        await pilot.pause()
        table = app.screen.table
        rows = {
            str(table.get_row(key)[3]): [str(cell) for cell in table.get_row(key)[:3]]
            for key in table.items
        }
        assert rows["Q3 retainer renewal"][0] == "●"
        assert rows["Q3 retainer renewal"][2] == "Ken Sato"
        assert rows["Your Wingtip Cloud invoice WT-11873"][0] == ""
        assert rows["Site visit next Tuesday"][2] == "tom@litware.example"


async def test_bad_search_syntax_is_shown_not_raised(make_app, recorder: Recorder) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c", "slash")
        await pilot.pause()
        await pilot.press(*"after:soon")
        await recorder.wait_for(PagedTable.Loaded, lambda m: m.search == "after:soon")
        await pilot.pause()
        preview = str(app.screen.query_one("#preview", Static).render())
        assert "after: wants a date as YYYY-MM-DD" in preview
