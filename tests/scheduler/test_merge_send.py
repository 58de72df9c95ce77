"""``merge --send`` through the scheduler: paced, stopping at the daily cap, resuming."""

from __future__ import annotations

import uuid

from sqlmodel import select

from builders import T0, Clock
from exante_tui.core.merge import MergeOptions
from exante_tui.core.merge_send import send_merge
from exante_tui.core.pacing import Pace
from exante_tui.core.scheduler import Scheduler
from exante_tui.services import Services
from exante_tui.store.models import Account, Draft
from fakes.gmail_server import FakeGmail


def merge_of(services: Services, account: Account, count: int) -> tuple[uuid.UUID, list[str]]:
    """A created and queued merge of ``count`` rows; its template uid and keys."""
    template = services.templates.create(
        {
            "name": "reminder",
            "subject": "Invoice {{ number }}",
            "body_text": "Please pay {{ number }}.",
            "from_account_id": str(account.id),
        }
    )
    rows = [(n + 2, {"number": f"N{n}", "email": f"c{n}@example.com"}) for n in range(count)]
    plan = services.merge.plan(MergeOptions(template="reminder", key_column="number"), rows)
    assert not plan.failed
    assert services.merge.create(plan).created == count
    assert services.merge.queue(template.id, plan.keys, services.core.clock()) == count
    return template.id, plan.keys


def test_merge_is_sent_at_the_rate_waiting_on_the_clock(
    timed: Services, account: Account, clock: Clock, fake_gmail: FakeGmail
) -> None:
    template_id, keys = merge_of(timed, account, 10)
    waits: list[float] = []
    seen: list[int] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    outcome = send_merge(
        timed.merge,
        timed.core,
        Pace(per_minute=4),
        template_id,
        keys,
        wait=wait,
        on_progress=lambda p: seen.append(p.sent),
    )

    assert outcome.capped is None and outcome.failures == []
    assert (outcome.progress.sent, outcome.progress.scheduled) == (10, 0)
    assert waits == [60.0, 60.0]
    assert seen == [0, 4, 8, 10]
    assert len(fake_gmail.sent) == 10
    dates = sorted(m["message"]["Date"].datetime for m in fake_gmail.sent)
    assert dates[0] == T0 and dates[-1] == T0.replace(minute=2)


def test_daily_cap_stops_the_merge_and_the_next_day_resumes_it(
    timed: Services, account: Account, clock: Clock, fake_gmail: FakeGmail
) -> None:
    template_id, keys = merge_of(timed, account, 5)
    pace = Pace(daily_cap=3)

    def never(seconds: float) -> None:
        raise AssertionError("a capped merge stops instead of waiting")

    outcome = send_merge(timed.merge, timed.core, pace, template_id, keys, wait=never)

    assert outcome.capped is not None and outcome.capped.reason == "daily_cap"
    assert (outcome.progress.sent, outcome.progress.scheduled) == (3, 2)
    with timed.store.session() as session:
        waiting = [d for d in session.exec(select(Draft)) if d.outbound_email_uid is None]
    assert len(waiting) == 2 and all(d.planned_send_at is not None for d in waiting)

    clock.advance(24 * 3600 + 1)
    resumed = Scheduler(timed.core, pace=pace).run_once()  # the next day's worker pass
    assert len(resumed) == 2 and all(r.response is not None for r in resumed)
    assert timed.merge.progress(template_id, keys).sent == 5
    assert len(fake_gmail.sent) == 5


def test_removing_the_template_leaves_its_drafts_as_ordinary_drafts(
    timed: Services, account: Account
) -> None:
    template_id, keys = merge_of(timed, account, 2)
    assert [g.total for g in timed.merge_groups.list()] == [2]
    timed.templates.remove("reminder")
    with timed.store.session() as session:
        drafts = session.exec(select(Draft)).all()
    assert len(drafts) == 2
    assert {(d.merge_template_id, d.merge_key) for d in drafts} == {(None, None)}
    assert timed.merge_groups.list() == []
    assert timed.merge.progress(template_id, keys).total == 0
