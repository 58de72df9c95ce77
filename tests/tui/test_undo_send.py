"""Undo-send: ctrl+t queues the draft for a few seconds; u takes it back, and a send that
waits is sent exactly once: when its window ends, when the app quits, or by the next
scheduler pass after the app was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from crash.support import cli_env, finish, records, start_cli
from exante_tui.config import Settings
from exante_tui.demo import build_demo
from exante_tui.services import Services
from exante_tui.store.models import Draft, OutboundEmail, SendStatus
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.main import MainScreen
from tui.support import FIXED_NOW, SIZE, MovableClock, Recorder, type_text, workers_done

DELAY = 10.0
CHILD = Path(__file__).with_name("undo_child.py")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def moving_services(settings: Settings, clock: MovableClock) -> Iterator[Services]:
    """The demo store with the core on a clock the test moves."""
    services = Services.open(settings, clock=clock)
    build_demo(services, FIXED_NOW)
    yield services
    services.close()


async def settle(app: ExanteApp, pilot) -> None:
    """Let running workers finish (a list reload superseded by a newer one is cancelled)."""
    await workers_done(app)
    await pilot.pause()


def by_subject(services: Services, subject: str) -> Draft:
    with services.store.session() as session:
        return session.exec(select(Draft).where(Draft.subject == subject)).one()


def banner(app: ExanteApp) -> str:
    return str(app.screen.query_one("#undo-banner").render())


def drafts_row(app: ExanteApp, subject: str) -> list[str]:
    table = app.screen.query_one("#drafts")
    [key] = [k for k, d in table.items.items() if d.subject == subject]
    return [str(cell) for cell in table.get_row(key)]


async def write_and_send(pilot, recorder: Recorder, subject: str) -> ComposeScreen.Queued:
    await pilot.press("n")
    await type_text(pilot, "ken@fabrikam.example")
    await pilot.press("tab", "tab", "tab")
    await type_text(pilot, subject)
    await pilot.press("tab")
    await type_text(pilot, "Sent after the window.")
    await pilot.press("ctrl+t")
    queued = await recorder.wait_for(ComposeScreen.Queued)
    await settle(pilot.app, pilot)
    return queued  # type: ignore[return-value]


async def test_undo_within_the_window_puts_the_draft_back_as_it_was(
    moving_services: Services, clock: MovableClock, recorder: Recorder
) -> None:
    subject = "Monthly statement - October"
    before = by_subject(moving_services, subject)
    app = ExanteApp(moving_services, clock=clock, scheduler=False, send_delay=DELAY)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        table = app.screen.table
        table.move_cursor(row=[d.subject for d in table.items.values()].index(subject))
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await recorder.wait_for(ComposeScreen.Queued)
        await settle(app, pilot)
        assert isinstance(app.screen, MainScreen)
        assert banner(app) == f'Sending "{subject}" in 10 s — u to undo'
        assert drafts_row(app, subject)[2] == "sending in 10 s"
        clock.advance(6)
        app._tick_waiting()
        await settle(app, pilot)
        assert banner(app) == f'Sending "{subject}" in 4 s — u to undo'
        await pilot.press("u")
        await settle(app, pilot)
        assert not app.screen.query_one("#undo-banner").has_class("shown")
        assert drafts_row(app, subject)[2] == "in 1d 1h"
        clock.advance(DELAY)
        assert app.sender.run_once() == []
    after = by_subject(moving_services, subject)
    assert after.planned_send_at == before.planned_send_at
    assert (after.undo_send, after.body_text, after.to) == (False, before.body_text, before.to)
    assert after.outbound_email_uid is None
    assert [r for r in records(moving_services) if r.draft_uid == after.id] == []


async def test_without_undo_it_is_sent_once_when_the_window_ends(
    moving_services: Services, clock: MovableClock, recorder: Recorder
) -> None:
    app = ExanteApp(moving_services, clock=clock, scheduler=False, send_delay=DELAY)
    before = len(records(moving_services))
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        queued = await write_and_send(pilot, recorder, "Window ends")
        clock.advance(DELAY - 1)
        app._tick_waiting()
        await settle(app, pilot)
        assert len(records(moving_services)) == before  # still waiting
        clock.advance(1)
        ran = await recorder.wait_for(ExanteApp.SchedulerRan, lambda m: bool(m.results))
        [result] = ran.results  # type: ignore[attr-defined]
        assert result.draft_uid == queued.draft_uid and result.response.status == "sent"
        await settle(app, pilot)
        assert not app.waiting
        assert not app.screen.query_one("#undo-banner").has_class("shown")
    mine = [r for r in records(moving_services) if r.draft_uid == queued.draft_uid]
    assert [r.status for r in mine] == [SendStatus.SENT]
    assert len(records(moving_services)) == before + 1


async def test_quitting_during_the_window_sends_first(
    moving_services: Services, clock: MovableClock, recorder: Recorder
) -> None:
    app = ExanteApp(moving_services, clock=clock, scheduler=False, send_delay=DELAY)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        queued = await write_and_send(pilot, recorder, "Quit now")
        await pilot.press("q")
        await settle(app, pilot)
    assert app.return_code == 0
    assert app.farewell == ["Sent before quitting: 'Quit now'."]
    mine = [r for r in records(moving_services) if r.draft_uid == queued.draft_uid]
    assert [r.status for r in mine] == [SendStatus.SENT]


def test_killed_during_the_window_the_next_worker_pass_sends_it_once(
    demo_services: Services, settings: Settings, tmp_path: Path
) -> None:
    env = cli_env(settings, tmp_path / "home")
    child = subprocess.Popen(
        [sys.executable, str(CHILD), settings.db_url, str(tmp_path / "child")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("queued "), line or child.stderr.read()
        draft_uid = line.split()[1]
        waiting = by_subject(demo_services, "Killed in the window")
        assert str(waiting.id) == draft_uid and waiting.undo_send
        assert not [r for r in records(demo_services) if str(r.draft_uid) == draft_uid]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    code, out, err = finish(start_cli(env, "worker", "--once", "--json"))
    assert code == 0, err
    [sent] = [json.loads(line) for line in out.splitlines() if draft_uid in line]
    assert sent["status"] == "sent"
    code, out, _ = finish(start_cli(env, "worker", "--once", "--json"))
    assert code == 0 and draft_uid not in out
    with demo_services.store.session() as session:
        mine = session.exec(
            select(OutboundEmail).where(OutboundEmail.subject == "Killed in the window")
        ).all()
    assert [r.status for r in mine] == [SendStatus.SENT]
