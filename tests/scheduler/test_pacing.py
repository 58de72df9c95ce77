"""Pacing of scheduled sends per account: per-minute rate and daily cap, on a test clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from builders import T0, Clock
from crash.support import add_scheduled_drafts
from exante_tui.config import Settings
from exante_tui.core.pacing import Pace
from exante_tui.core.scheduler import Scheduler
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail


def test_rate_sends_at_most_n_a_minute_per_account(
    timed: Services, account: Account, clock: Clock, fake_gmail: FakeGmail
) -> None:
    add_scheduled_drafts(timed, account, 7)
    scheduler = Scheduler(timed.core, pace=Pace(per_minute=3))

    assert len(scheduler.run_once()) == 3
    [hold] = scheduler.holds.values()
    assert (hold.reason, hold.limit, hold.until) == ("rate", 3, T0 + timedelta(minutes=1))
    assert scheduler.run_once() == []
    clock.advance(59)
    assert scheduler.run_once() == []
    clock.advance(1)
    assert len(scheduler.run_once()) == 3
    clock.advance(60)
    assert len(scheduler.run_once()) == 1
    assert scheduler.holds == {}
    assert len(fake_gmail.sent) == 7


def test_rate_counts_sends_from_every_path(
    timed: Services, account: Account, clock: Clock, fake_gmail: FakeGmail
) -> None:
    for n in range(2):
        timed.core.send(
            {"from_account_id": str(account.id), "to": ["a@example.com"], "subject": f"{n}"}
        )
    add_scheduled_drafts(timed, account, 2)
    scheduler = Scheduler(timed.core, pace=Pace(per_minute=3))
    assert len(scheduler.run_once()) == 1
    assert len(fake_gmail.sent) == 3


def test_daily_cap_stops_until_the_oldest_send_is_a_day_old(
    timed: Services, account: Account, clock: Clock, fake_gmail: FakeGmail
) -> None:
    add_scheduled_drafts(timed, account, 8)
    scheduler = Scheduler(timed.core, pace=Pace(daily_cap=5))

    assert len(scheduler.run_once()) == 5
    [hold] = scheduler.holds.values()
    assert hold.reason == "daily_cap" and hold.until == T0 + timedelta(hours=24)
    assert "reached its daily cap of 5 sends in 24 hours" in hold.describe()
    clock.advance(23 * 3600)
    assert scheduler.run_once() == []
    clock.advance(3600 + 1)
    assert len(scheduler.run_once()) == 3
    assert len(fake_gmail.sent) == 8


def test_failed_sends_do_not_count_toward_the_cap(
    timed: Services, account: Account, fake_gmail: FakeGmail
) -> None:
    add_scheduled_drafts(timed, account, 3)
    fake_gmail.fail_next(400, message="Invalid To header")
    scheduler = Scheduler(timed.core, pace=Pace(daily_cap=2))
    results = scheduler.run_once()
    assert [r.error is None for r in results] == [False, True, True]
    assert len(fake_gmail.sent) == 2


def test_held_account_does_not_hold_back_others(
    timed: Services, account: Account, fake_gmail: FakeGmail
) -> None:
    desk = timed.accounts.add_outbox("desk@northwind.example")
    add_scheduled_drafts(timed, account, 3)
    add_scheduled_drafts(timed, desk, 3)
    scheduler = Scheduler(timed.core, pace=Pace(per_minute=1))
    sent = scheduler.run_once()
    assert len(sent) == 2
    assert set(scheduler.holds) == {account.id, desk.id}


def test_default_caps_follow_gmail() -> None:
    pace = Pace()
    assert pace.cap_for("someone@gmail.com") == 500
    assert pace.cap_for("someone@GoogleMail.com") == 500
    assert pace.cap_for("billing@northwind.example") == 2000
    assert Pace(daily_cap=10).cap_for("someone@gmail.com") == 10


def test_settings_read_and_check_the_pacing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from exante_tui.environment import SettingsError

    monkeypatch.setenv("EXANTE_SEND_RATE", "20")
    monkeypatch.setenv("EXANTE_DAILY_CAP", "")
    settings = Settings.load(db_url="sqlite://")
    assert (settings.send_rate, settings.daily_cap) == (20, None)
    monkeypatch.setenv("EXANTE_SEND_RATE", "fast")
    with pytest.raises(SettingsError, match="EXANTE_SEND_RATE: 'fast' is not valid"):
        Settings.load(db_url="sqlite://")
    monkeypatch.setenv("EXANTE_SEND_RATE", "0")
    with pytest.raises(SettingsError, match="EXANTE_SEND_RATE: '0' is not valid"):
        Settings.load(db_url="sqlite://")
