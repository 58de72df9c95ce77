"""An open draft is held: schedulers in this and other processes leave it alone, and a
draft sent anyway (a CLI send) turns the composer read-only without losing a keystroke."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Static, TextArea

from builders import stored_raw
from crash.support import cli_env, finish, records, start_cli
from exante_tui.config import Settings
from exante_tui.core.draft_state import DraftState
from exante_tui.core.drafts import DraftContent
from exante_tui.core.scheduler import Scheduler
from exante_tui.demo import build_demo
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Draft, SendStatus
from exante_tui.store.types import utcnow
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens import compose
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.main import MainScreen
from tui.support import SIZE, Recorder, type_text


@pytest.fixture
def live_services(settings: Settings) -> Iterator[Services]:
    """The demo store on the real clock, as another process (a worker) sees the time."""
    services = Services.open(settings)
    build_demo(services, utcnow())
    yield services
    services.close()


def stored(services: Services, uid) -> Draft:
    with services.store.session() as session:
        found = session.get(Draft, uid)
        assert found is not None
        return found


def due_draft(services: Services) -> object:
    owner = queries.account_by_email(services.store, "billing@northwind.example")
    assert owner is not None
    return services.drafts.create(
        DraftContent(
            account_id=owner.id,
            to=["maria@contoso.example"],
            subject="October statement",
            body_text="Your statement is attached.",
            planned_send_at=services.core.clock() - timedelta(minutes=1),
        )
    )


async def test_schedulers_leave_an_open_draft_and_send_it_with_the_edits_after(
    live_services: Services, settings: Settings, tmp_path: Path, recorder: Recorder
) -> None:
    uid = due_draft(live_services)
    env = cli_env(settings, tmp_path / "home")
    app = ExanteApp(live_services, scheduler=False)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await app.open_compose(uid)
        assert isinstance(app.screen, ComposeScreen)
        assert "due: goes when you leave" in str(app.screen.query_one("#schedule-status").render())

        code, out, err = finish(start_cli(env, "worker", "--once", "--json"))
        assert (code, out) == (0, ""), err
        assert Scheduler(live_services.core).run_once() == []
        assert [r for r in records(live_services) if r.draft_uid == uid] == []

        app.screen.query_one("#body", TextArea).move_cursor((0, 27))
        await type_text(pilot, " Thanks!")
        await recorder.wait_for(
            ComposeScreen.Saved, lambda m: "Thanks!" in stored(live_services, uid).body_text
        )
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)

    code, out, err = finish(start_cli(env, "worker", "--once", "--json"))
    assert code == 0, err
    [result] = [json.loads(line) for line in out.splitlines()]
    assert (result["draft_uid"], result["status"]) == (str(uid), "sent")
    [record] = [r for r in records(live_services) if r.draft_uid == uid]
    assert b"Your statement is attached. Thanks!" in stored_raw(live_services, record.id)


async def test_a_draft_sent_under_the_composer_keeps_the_edits_as_a_new_draft(
    make_app, demo_services: Services, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compose, "AUTOSAVE_DELAY", 3600.0)  # the edit stays unsaved
    [target] = [d for d in queries.list_drafts(demo_services.store) if d.planned_send_at]
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await app.open_compose(target.id)
        await type_text(pilot, "P.S. ")
        demo_services.core.send({"draft_uid": str(target.id)})  # a CLI send, say
        await pilot.press("ctrl+s")
        await pilot.pause()
        read_only = await recorder.wait_for(ComposeScreen.ReadOnly)
        assert read_only.state == DraftState.SENT  # type: ignore[attr-defined]
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        assert screen.read_only is None and screen.draft_uid != target.id
        assert not screen.query_one("#body", TextArea).read_only
        new_uid = screen.draft_uid
    kept = stored(demo_services, new_uid)
    assert kept.body_text.startswith("P.S. ") and kept.planned_send_at is None
    sent = stored(demo_services, target.id)
    assert not sent.body_text.startswith("P.S.") and sent.outbound_email_uid is not None
    [record] = [r for r in records(demo_services) if r.draft_uid == target.id]
    assert record.status == SendStatus.SENT


async def test_the_periodic_check_turns_the_composer_read_only(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    [target] = [d for d in queries.list_drafts(demo_services.store) if d.planned_send_at]
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await app.open_compose(target.id)
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        demo_services.core.send({"draft_uid": str(target.id)})
        screen._renew_hold()  # what the RENEW_EVERY timer calls
        await recorder.wait_for(ComposeScreen.ReadOnly)
        await pilot.pause()
        assert app.screen is screen  # nothing unsaved: no question
        final = str(screen.query_one("#final", Static).render())
        assert final == "This draft was sent while open (see the Outbox): it is read-only now."
        assert screen.query_one("#body", TextArea).read_only
        assert not screen.check_action("send", ()) and screen.check_action("keep_as_new", ())
        await pilot.press("ctrl+t")
        assert len([r for r in records(demo_services) if r.draft_uid == target.id]) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    with demo_services.store.session() as session:
        assert session.exec(select(Draft).where(Draft.held_by.is_not(None))).all() == []  # type: ignore[union-attr]
