"""Drafts open in a composer are held: never sent under it, final once sent, undo-send."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from crash.support import add_scheduled_drafts, drafts, records
from exante_tui.core.draft_state import DraftState
from exante_tui.core.drafts import DraftContent
from exante_tui.core.leases import LEASE_TIME, DraftLeases
from exante_tui.core.scheduler import Scheduler
from exante_tui.core.send import SendCore
from exante_tui.core.undo_send import queue_send, send_waiting_now, undo_send
from exante_tui.errors import Conflict
from exante_tui.services import Services
from exante_tui.store.models import Account, Draft
from fakes.gmail_server import FakeGmail


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(services: Services) -> Clock:
    return Clock(services.core.clock())


@pytest.fixture
def scheduler(services: Services, clock: Clock) -> Scheduler:
    return Scheduler(SendCore(services.store, services.core.transport_for, clock))


def draft(services: Services, uid: uuid.UUID) -> Draft:
    [found] = [d for d in drafts(services) if d.id == uid]
    return found


def test_a_held_due_draft_waits_and_goes_on_the_first_pass_after_release(
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    clock: Clock,
    scheduler: Scheduler,
) -> None:
    held, free = add_scheduled_drafts(services, gmail_account, 2)
    composer = DraftLeases(services.store, "composer-1", clock)
    assert composer.take(held) == DraftState.EDITABLE

    assert [r.draft_uid for r in scheduler.run_once()] == [free]
    assert draft(services, held).outbound_email_uid is None
    clock.now += timedelta(seconds=40)
    assert composer.take(held) == DraftState.EDITABLE  # renewed
    clock.now += timedelta(seconds=40)
    assert scheduler.run_once() == []

    composer.release(held)
    [result] = scheduler.run_once()
    assert result.draft_uid == held and result.response is not None
    assert len(fake_gmail.sent) == 2
    assert composer.take(held) == DraftState.SENT


def test_a_crashed_composers_hold_lapses_within_a_minute(
    services: Services, gmail_account: Account, clock: Clock, scheduler: Scheduler
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    assert DraftLeases(services.store, "crashed", clock).take(uid) == DraftState.EDITABLE
    # The composer dies here: no renewal, no release.
    clock.now += LEASE_TIME - timedelta(seconds=1)
    assert scheduler.run_once() == []
    assert DraftLeases(services.store, "other", clock).take(uid) == DraftState.OPEN_ELSEWHERE
    clock.now += timedelta(seconds=1)
    [result] = scheduler.run_once()
    assert result.response is not None and result.response.status == "sent"


def test_a_claimed_or_sent_draft_cannot_be_held_or_changed(
    services: Services, gmail_account: Account, clock: Clock, scheduler: Scheduler
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    scheduler.run_once()
    leases = DraftLeases(services.store, "late-composer", clock)
    assert leases.take(uid) == DraftState.SENT

    content = DraftContent(account_id=gmail_account.id, to=["a@b.example"], subject="Edited")
    with pytest.raises(Conflict) as caught:
        services.drafts.update(uid, content)
    assert caught.value.message == "The draft 'Scheduled 0' is sent and can no longer change."
    assert caught.value.details[0].field == "draft_uid"
    with pytest.raises(Conflict):
        services.drafts.set_schedule(uid, None)
    [record] = records(services)
    assert record.subject == draft(services, uid).subject == "Scheduled 0"

    [claimed] = add_scheduled_drafts(services, gmail_account, 1, due=False)
    with services.store.session() as session:
        row = session.get(Draft, claimed)
        assert row is not None
        row.claimed_by = "a-scheduler"
    assert leases.take(claimed) == DraftState.SENDING
    with pytest.raises(Conflict, match="is being sent"):
        services.drafts.update(claimed, content)


def test_a_draft_whose_send_failed_can_be_fixed(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail, scheduler: Scheduler
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    fake_gmail.fail_next(400, message="Invalid To header")
    scheduler.run_once()
    fixed = DraftContent(account_id=gmail_account.id, to=["ok@contoso.example"], subject="Fixed")
    services.drafts.update(uid, fixed)
    assert draft(services, uid).subject == "Fixed"


def test_undo_send_puts_the_plan_back_and_waiting_sends_can_be_hurried(
    services: Services,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    clock: Clock,
    scheduler: Scheduler,
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1, due=False)
    planned = draft(services, uid).planned_send_at
    leases = DraftLeases(services.store, "composer", clock)
    leases.take(uid)

    when = queue_send(
        services.store, uid, now=clock(), delay=timedelta(seconds=10), holder="composer"
    )
    queued = draft(services, uid)
    assert (queued.planned_send_at, queued.undo_send, queued.held_by) == (when, True, None)
    assert undo_send(services.store, uid, planned, clock())
    restored = draft(services, uid)
    assert (restored.planned_send_at, restored.undo_send) == (planned, False)
    assert not undo_send(services.store, uid, None, clock())  # nothing waits any more

    queue_send(services.store, uid, now=clock(), delay=timedelta(seconds=10), holder=None)
    assert scheduler.run_once() == []
    send_waiting_now(services.store, [uid], clock())
    [result] = scheduler.run_once()
    assert result.response is not None
    assert not undo_send(services.store, uid, planned, clock())  # too late: it went
    assert len(fake_gmail.sent) == 1


def test_undo_drops_a_plan_that_has_passed_meanwhile(
    services: Services, gmail_account: Account, clock: Clock, scheduler: Scheduler
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)  # due an hour ago, held open
    queue_send(services.store, uid, now=clock(), delay=timedelta(seconds=10), holder=None)
    past = clock() - timedelta(hours=1)
    assert undo_send(services.store, uid, past, clock())
    assert draft(services, uid).planned_send_at is None
    assert scheduler.run_once() == []


def test_a_draft_open_elsewhere_is_not_queued(
    services: Services, gmail_account: Account, clock: Clock
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1, due=False)
    DraftLeases(services.store, "first", clock).take(uid)
    with pytest.raises(Conflict, match="is open elsewhere"):
        queue_send(services.store, uid, now=clock(), delay=timedelta(seconds=5), holder="second")
