"""The scheduler in one process: due drafts go once, claims and cancels are respected."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from crash.support import add_scheduled_drafts, drafts, records
from exante_tui.core.scheduler import Scheduler, cancel_schedule
from exante_tui.errors import NotFound, ProviderFailure, ValidationFailed
from exante_tui.services import Services
from exante_tui.store.models import Account, Draft, OutboundEmail, SendStatus
from fakes.gmail_server import FakeGmail


def claim(services: Services, draft_uid: uuid.UUID, by: str, age: timedelta) -> None:
    with services.store.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Draft)
            .where(Draft.id == draft_uid)  # type: ignore[arg-type]
            .values(claimed_by=by, claimed_at=services.core.clock() - age)
        )


def test_due_drafts_are_sent_once_and_later_ones_wait(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    due = add_scheduled_drafts(services, gmail_account, 3)
    [later] = add_scheduled_drafts(services, gmail_account, 1, due=False)
    scheduler = Scheduler(services.core)

    results = scheduler.run_once()

    assert {r.draft_uid for r in results} == set(due)
    assert all(r.response is not None and r.response.status == "sent" for r in results)
    assert scheduler.run_once() == []
    assert len(fake_gmail.sent) == 3
    by_uid = {d.id: d for d in drafts(services)}
    assert all(by_uid[uid].outbound_email_uid is not None for uid in due)
    assert all(by_uid[uid].claimed_by is None for uid in due)
    assert by_uid[later].outbound_email_uid is None


def test_failed_scheduled_send_is_unscheduled_and_retried_when_rescheduled(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    fake_gmail.fail_next(400, message="Invalid To header")
    scheduler = Scheduler(services.core)

    [result] = scheduler.run_once()

    assert isinstance(result.error, ProviderFailure)
    [failed] = records(services)
    assert failed.status == SendStatus.FAILED
    [draft] = drafts(services)
    assert draft.planned_send_at is None and draft.claimed_by is None
    assert scheduler.run_once() == []

    services.drafts.set_schedule(uid, services.core.clock() - timedelta(seconds=1))
    [again] = scheduler.run_once()
    assert again.response is not None and again.response.outbound_email_uid == failed.id
    assert len(fake_gmail.sent) == 1


def test_draft_not_ready_is_reported_and_unscheduled(
    services: Services, gmail_account: Account
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    with services.store.session() as session:
        draft = session.get(Draft, uid)
        assert draft is not None
        draft.to = []

    [result] = Scheduler(services.core).run_once()

    assert isinstance(result.error, ValidationFailed)
    assert drafts(services)[0].planned_send_at is None


def test_live_claims_are_respected_and_dead_ones_released(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    live, dead = add_scheduled_drafts(services, gmail_account, 2)
    claim(services, live, "other-worker", timedelta(minutes=1))
    claim(services, dead, "dead-worker", timedelta(hours=1))

    results = Scheduler(services.core).run_once()

    assert [r.draft_uid for r in results] == [dead]
    assert len(fake_gmail.sent) == 1


def test_draft_being_sent_elsewhere_is_left_alone(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    with services.store.session() as session:
        session.add(
            OutboundEmail(
                account_id=gmail_account.id,
                from_address=gmail_account.email,
                rfc_message_id="<in-flight@northwind.example>",
                draft_uid=uid,
                attempted_at=services.core.clock(),
            )
        )

    assert Scheduler(services.core).run_once() == []
    assert fake_gmail.requests == []


def test_two_schedulers_in_turn_never_send_a_draft_twice(
    services: Services, gmail_account: Account, fake_gmail: FakeGmail
) -> None:
    [uid] = add_scheduled_drafts(services, gmail_account, 1)
    first = Scheduler(services.core).run_once()
    # A scheduler whose claim was wrongly released still meets the record fence.
    with services.store.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Draft)
            .where(Draft.id == uid)  # type: ignore[arg-type]
            .values(outbound_email_uid=None)
        )
    second = Scheduler(services.core).run_once()

    assert first[0].response is not None
    assert second == []
    assert len(fake_gmail.sent) == 1


def test_cancel_schedule(services: Services, gmail_account: Account) -> None:
    free, claimed = add_scheduled_drafts(services, gmail_account, 2)
    claim(services, claimed, "other-worker", timedelta(seconds=1))

    assert cancel_schedule(services.store, free) is True
    assert cancel_schedule(services.store, claimed) is False
    with pytest.raises(NotFound):
        cancel_schedule(services.store, uuid.uuid4())
    assert Scheduler(services.core).run_once() == []
