"""The background scheduler, unscheduling, the ``unknown`` status and small compose defaults."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.notifications import Notify
from textual.widgets import Label, Select

from exante_tui.core.drafts import DraftContent
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Draft, OutboundEmail, SendStatus
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.format import relative
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.views import STATUS_STYLE, UNKNOWN_HINT
from tui.support import FIXED_NOW, SIZE, Recorder, workers_done


def notices(app: ExanteApp) -> list[str]:
    """The messages of the notifications on show."""
    return [str(n.message) for n in app._notifications]


def draft(services: Services, subject: str) -> Draft:
    with services.store.session() as session:
        return session.exec(select(Draft).where(Draft.subject == subject)).one()


async def test_the_app_scheduler_sends_a_due_draft(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    owner = queries.account_by_email(demo_services.store, "billing@northwind.example")
    assert owner is not None
    due = demo_services.drafts.create(
        DraftContent(
            account_id=owner.id,
            to=["maria@contoso.example"],
            subject="Due now",
            body_text="Sent by the scheduler.",
            planned_send_at=FIXED_NOW - timedelta(minutes=5),
        )
    )
    app = make_app(scheduler=True)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        ran = await recorder.wait_for(ExanteApp.SchedulerRan)
        await app.workers.wait_for_complete()
        await pilot.pause()
        [result] = ran.results  # type: ignore[attr-defined]
        assert result.draft_uid == due and result.error is None
        assert "'Due now': sent" in notices(app)
        assert "Due now" not in [d.subject for d in app.screen.table.items.values()]
    sent = draft(demo_services, "Due now")
    assert sent.outbound_email_uid is not None
    with demo_services.store.session() as session:
        record = session.exec(select(OutboundEmail).where(OutboundEmail.draft_uid == due)).one()
    assert record.id == sent.outbound_email_uid
    assert record.status == SendStatus.SENT


async def test_unschedule_a_draft_and_too_late_when_claimed(
    make_app, demo_services: Services, recorder: Recorder
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        table = app.screen.table
        subjects = [d.subject for d in table.items.values()]
        table.move_cursor(row=subjects.index("Monthly statement - October"))
        await pilot.pause()
        with demo_services.store.session() as session:
            claimed = session.get(Draft, draft(demo_services, "Monthly statement - October").id)
            assert claimed is not None
            claimed.claimed_by = "another-scheduler"
            session.add(claimed)
        await pilot.press("u")
        await recorder.wait_for(Notify, lambda m: "Too late" in m.notification.message)  # type: ignore[attr-defined]
        assert draft(demo_services, "Monthly statement - October").planned_send_at is not None

        with demo_services.store.session() as session:
            claimed = session.get(Draft, claimed.id)
            assert claimed is not None
            claimed.claimed_by = None
            session.add(claimed)
        await pilot.press("u")
        await recorder.wait_for(Notify, lambda m: "not be sent" in m.notification.message)  # type: ignore[attr-defined]
        await workers_done(app)
        assert draft(demo_services, "Monthly statement - October").planned_send_at is None
        assert not app.screen.check_action("unschedule", ())


async def test_unknown_status_explains_and_allows_retry(make_app, demo_services) -> None:
    with demo_services.store.session() as session:
        record = session.exec(
            select(OutboundEmail).where(OutboundEmail.status == SendStatus.FAILED)
        ).one()
        record.status = SendStatus.UNKNOWN
        session.add(record)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("o")
        table = app.screen.table
        table.move_cursor(row=list(table.items).index(str(record.id)))
        await pilot.pause()
        cell = table.get_row_at(table.cursor_row)[0]
        assert str(cell) == "unknown" and cell.style == STATUS_STYLE[SendStatus.UNKNOWN]
        assert app.screen.check_action("retry", ())
        await pilot.press("enter")
        await pilot.pause()  # the table's RowSelected message opens the record
        assert isinstance(app.screen, OutboxDetailScreen)
        assert str(app.screen.query_one("#unknown-hint", Label).render()) == UNKNOWN_HINT
        assert app.screen.check_action("retry", ())


async def test_compose_from_defaults_to_the_last_sending_account(make_app, demo_services) -> None:
    owner = queries.account_by_email(demo_services.store, "billing@northwind.example")
    assert owner is not None
    assert queries.list_accounts(demo_services.store)[0].id != owner.id  # alphabetical: ada@
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one("#from", Select).value == owner.id


def test_relative_says_just_now() -> None:
    assert relative(FIXED_NOW - timedelta(seconds=20), FIXED_NOW) == "just now"
    assert relative(FIXED_NOW, FIXED_NOW) == "just now"
    assert relative(FIXED_NOW + timedelta(seconds=59), FIXED_NOW) == "in <1m"
    assert relative(FIXED_NOW - timedelta(minutes=3), FIXED_NOW) == "3m ago"
