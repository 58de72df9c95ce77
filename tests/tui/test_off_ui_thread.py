"""The UI thread never waits on the database: every SQL statement an action runs comes
from a worker thread (recorded by an engine listener, the app driven by a pilot)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from textual.notifications import Notify
from textual.pilot import Pilot

from exante_tui.services import Services
from exante_tui.tui.screens.merges import MergesScreen
from exante_tui.tui.screens.template_picker import TemplatePickerScreen
from exante_tui.tui.screens.thread import ThreadScreen
from tui.support import SIZE, Recorder, until, workers_done


class SqlThreads:
    """Every statement the store runs while ``on``, and the ones run on the UI thread."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self.on_ui_thread: list[str] = []

    def __call__(self, *args: Any) -> None:
        if not self.on:
            return
        self.count += 1
        if threading.current_thread() is threading.main_thread():  # the app's event loop
            self.on_ui_thread.append(str(args[2]))


@pytest.fixture
def sql(demo_services: Services) -> Iterator[SqlThreads]:
    record = SqlThreads()
    event.listen(demo_services.store.engine, "before_cursor_execute", record)
    yield record
    event.remove(demo_services.store.engine, "before_cursor_execute", record)


def notice(text: str) -> Any:
    return lambda m: text in str(m.notification.message)


async def wait_for_screen(pilot: Pilot, kind: type) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, kind))


async def test_lists_actions_thread_and_merges_query_in_threads(
    make_app, sql: SqlThreads, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await workers_done(app)
        sql.on = True
        await pilot.press("a")  # the account switcher, the counts and the sync line
        await recorder.wait_for(Notify, lambda m: m.notification.title == "Showing")
        await pilot.press("a", "a")
        await workers_done(app)
        assert app.screen.account is None

        scheduled = [d for d in app.screen.table.items.values() if d.draft.planned_send_at]
        app.screen.table.move_cursor(row=list(app.screen.table.items).index(str(scheduled[0].id)))
        await pilot.press("u")
        await recorder.wait_for(Notify, notice("will not be sent automatically"))
        await workers_done(app)
        await pilot.press("x", "y")
        await recorder.wait_for(Notify, notice("Deleted draft"))
        await pilot.press("s")
        await recorder.wait_for(Notify, notice("No Gmail accounts"))
        await workers_done(app)

        await pilot.press("m")
        await wait_for_screen(pilot, MergesScreen)
        await workers_done(app)
        await pilot.press("escape", "c")
        await workers_done(app)
        await pilot.press("enter")
        await wait_for_screen(pilot, ThreadScreen)
        await workers_done(app)
        await pilot.press("escape")
        await workers_done(app)
        assert sql.count > 0
        assert sql.on_ui_thread == []


async def test_template_picker_reads_in_threads(
    make_app, demo_services: Services, sql: SqlThreads
) -> None:
    demo_services.templates.create({"name": "hello", "subject": "Hi {{ name }}", "body_text": "."})
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await workers_done(app)
        sql.on = True
        await pilot.press("ctrl+y")
        await wait_for_screen(pilot, TemplatePickerScreen)
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query("#fields Input"))  # read in a thread
        assert sql.count > 0
        assert sql.on_ui_thread == []
