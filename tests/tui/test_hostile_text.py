"""Received text is shown as text: a stranger's subject, name or body is never Rich markup,
never a Textual action, never a terminal escape. Checked through a pilot, widget by widget."""

from __future__ import annotations

from rich.table import Table
from textual.notifications import Notify
from textual.widgets import Collapsible, Static
from textual.widgets._toast import Toast

from builders import add_thread
from exante_tui.services import Services
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.main import MainScreen
from exante_tui.tui.screens.thread import ThreadScreen
from tui.support import SIZE, Recorder, fixed_clock

SUBJECT = "[bold red]x[/] [@click=app.quit]quit[/]"
SENDER = "[@click=app.quit]Eve[/] <eve@evil.example>"


def app_on(services: Services) -> ExanteApp:
    """The app on ``services`` alone (``make_app`` would add the demo's mail to the store)."""
    return ExanteApp(services, clock=fixed_clock, scheduler=False, send_delay=0.0)


def plain_cells(table: Table) -> list[str]:
    return [str(getattr(cell, "plain", cell)) for column in table.columns for cell in column.cells]


async def test_markup_and_actions_in_stored_text_show_as_typed(
    services: Services,
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    conversation, [message] = add_thread(
        services, account, subject=SUBJECT, sender=SENDER, message_ids=("<1@evil.example>",)
    )
    services.drafts.create_from_request(
        {"from_account_id": str(account.id), "to": ["a@b.example"], "subject": SUBJECT}
    )
    app = app_on(services)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        main = app.screen
        assert isinstance(main, MainScreen)
        await pilot.press("c")
        await app.workers.wait_for_complete()
        row = main.table.get_row_at(0)
        assert any(getattr(cell, "plain", "") == SUBJECT for cell in row)
        await pilot.click(main.table, offset=(15, 1))  # a markup click action would quit here
        assert app.is_running

        await app.open_thread(conversation.id)
        await pilot.pause()
        thread = app.screen
        assert isinstance(thread, ThreadScreen)
        [collapsible] = thread.query(Collapsible)
        assert SENDER in collapsible.title.plain  # type: ignore[attr-defined]
        headers = thread.query_one(".headers", Static).content
        assert isinstance(headers, Table)
        assert SENDER in plain_cells(headers)
        assert app.title == SUBJECT or thread.title == SUBJECT

        await pilot.press("escape", "d")
        await app.workers.wait_for_complete()
        await pilot.press("x", "y")
        deleted = await recorder.wait_for(
            Notify,
            lambda m: "Deleted draft" in str(m.notification.message),  # type: ignore[attr-defined]
        )
        toast = Toast(deleted.notification).render().plain  # type: ignore[attr-defined]
        assert toast == f"Deleted draft {SUBJECT!r}"
        assert app.is_running
    assert message.subject == SUBJECT


async def test_terminal_escapes_in_a_body_are_shown_escaped(
    services: Services,
) -> None:
    account = services.accounts.add_outbox("desk@northwind.example")
    conversation, [message] = add_thread(services, account, message_ids=("<1@evil.example>",))
    with services.store.session() as session:
        stored = session.merge(message)
        stored.body_text = "Hello\x1b]0;pwned\x07\x1b[2J\x9b31m\nbye"
    app = app_on(services)
    async with app.run_test(size=SIZE) as pilot:
        await app.open_thread(conversation.id)
        await pilot.pause()
        body = app.screen.query_one(".body", Static).content
        text = getattr(body, "plain", str(body))
        assert text == "Hello\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\nbye"
