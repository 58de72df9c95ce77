"""Syncing Gmail from the main screen and saving a received attachment from a thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.widgets import Input, ProgressBar, Static

from exante_tui.services import Services
from exante_tui.store.models import Account
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.save_attachment import SaveAttachmentScreen
from exante_tui.tui.screens.thread import ThreadScreen
from exante_tui.tui.widgets.sync_bar import NO_GMAIL, SyncBar
from fakes.gmail_mailbox import build_mail
from fakes.gmail_server import FakeGmail
from sync.helpers import seed_threads, sync_ok
from tui.support import SIZE, Recorder, fixed_clock, workers_done

CSV = b"id,amount\n1,100.00\n"
PNG = bytes(range(256)) * 4


def notices(app: ExanteApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def subjects(app: ExanteApp) -> list[str]:
    return sorted(c.subject for c in app.screen.table.items.values())  # type: ignore[attr-defined]


async def test_sync_shows_progress_and_new_conversations(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail, recorder: Recorder
) -> None:
    seed_threads(fake_gmail.mailbox, 3)
    app = ExanteApp(services, clock=fixed_clock, scheduler=False)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c")
        assert subjects(app) == []
        status = app.screen.query_one("#sync-status", Static)
        assert str(status.render()) == "Last sync: billing@northwind.example never"

        await pilot.press("s")
        finished = await recorder.wait_for(SyncBar.Finished)
        await app.workers.wait_for_complete()
        await pilot.pause()
        [result] = finished.results  # type: ignore[attr-defined]
        assert result.error is None and result.conversations_added == 3
        bar = app.screen.query_one("#sync-progress", ProgressBar)
        assert bar.total == 3 and bar.progress == 3
        assert subjects(app) == ["Order 0", "Order 1", "Order 2"]
        assert "never" not in str(status.render())
        notice = await recorder.wait_for(Notify, lambda m: "Synced" in m.notification.title)  # type: ignore[attr-defined]
        text = notice.notification.message  # type: ignore[attr-defined]
        assert text == "3 new conversations, 3 new messages, 0 removed"


async def test_sync_without_gmail_accounts_says_how_to_connect(
    make_app, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("s")
        notice = await recorder.wait_for(Notify)  # the accounts are read in a thread
        assert notice.notification.message == NO_GMAIL  # type: ignore[attr-defined]
        await workers_done(app)
        assert [m.notification.message for m in recorder.of(Notify)] == [NO_GMAIL]  # type: ignore[attr-defined]
        assert not app.screen.query_one(SyncBar).running


@pytest.fixture
def received(services: Services, gmail_account: Account, fake_gmail: FakeGmail) -> None:
    fake_gmail.mailbox.deliver(
        build_mail(
            subject="Remittance",
            attachments=[("remit.csv", "text/csv", CSV), ("logo.png", "image/png", PNG)],
        )
    )
    sync_ok(services)


async def test_save_an_attachment_from_the_thread(
    services: Services,
    received: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    downloads = tmp_path / "home" / "Downloads"
    downloads.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    app = ExanteApp(services, clock=fixed_clock, scheduler=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("c", "enter")
        assert isinstance(app.screen, ThreadScreen)
        await pilot.press("a")
        assert isinstance(app.screen, SaveAttachmentScreen)
        path = app.screen.query_one("#path", Input)
        assert path.value == str(downloads / "remit.csv")
        await pilot.press("down")
        assert path.value == str(downloads / "logo.png")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ThreadScreen)
        assert (downloads / "logo.png").read_bytes() == PNG
        assert notices(app)[-1] == str(downloads / "logo.png")

        await pilot.press("a", "down", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert notices(app)[-1] == f"{downloads / 'logo.png'} already exists. (path: file exists)"
