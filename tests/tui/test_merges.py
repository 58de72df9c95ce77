"""Mail merges as groups in the TUI: counts, open, pause, resume and cancel."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import DataTable

from exante_tui.core.merge import MergeOptions
from exante_tui.demo import OWNER
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import Draft
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.merges import MergeDraftsScreen, MergesScreen
from tui.support import SIZE, workers_done


def merge_drafts(services: Services) -> list[Draft]:
    with services.store.session() as session:
        query = select(Draft).where(Draft.merge_key.is_not(None))  # type: ignore[union-attr]
        return sorted(session.exec(query).all(), key=lambda d: d.merge_key or "")


def start_merge(services: Services) -> None:
    owner = queries.account_by_email(services.store, OWNER)
    assert owner is not None
    template = services.templates.create(
        {
            "name": "reminder",
            "subject": "Invoice {{ number }}",
            "body_text": "Please pay {{ number }}.",
            "from_account_id": str(owner.id),
        }
    )
    rows = [(n + 2, {"number": f"N{n}", "email": f"c{n}@example.com"}) for n in range(3)]
    plan = services.merge.plan(MergeOptions(template="reminder", key_column="number"), rows)
    services.merge.create(plan)
    services.merge.queue(template.id, plan.keys, services.core.clock())
    services.core.send({"draft_uid": str(merge_drafts(services)[0].id)})


def table_rows(app: object) -> list[list[str]]:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_merge_groups_pause_resume_open_and_cancel(make_app, demo_services: Services) -> None:
    start_merge(demo_services)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await workers_done(app)
        assert isinstance(app.screen, MergesScreen)
        assert table_rows(app) == [["reminder", "3", "1", "2", "0"]]

        await pilot.press("p")
        await workers_done(app)
        assert table_rows(app) == [["reminder", "3", "1", "0", "2"]]
        assert [d.planned_send_at is None for d in merge_drafts(demo_services)] == [
            False,
            True,
            True,
        ]
        await pilot.press("g")
        await workers_done(app)
        assert table_rows(app) == [["reminder", "3", "1", "2", "0"]]

        await pilot.press("enter")
        await workers_done(app)
        assert isinstance(app.screen, MergeDraftsScreen)
        assert [row[0] for row in table_rows(app)] == ["N0", "N1", "N2"]
        assert [row[3] for row in table_rows(app)] == ["sent", "scheduled", "scheduled"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.draft_uid == merge_drafts(demo_services)[1].id
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await workers_done(app)
        assert isinstance(app.screen, MergesScreen)

        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert len(merge_drafts(demo_services)) == 3
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await workers_done(app)
        assert table_rows(app) == [["reminder", "1", "1", "0", "0"]]
    [kept] = merge_drafts(demo_services)
    assert kept.merge_key == "N0" and kept.outbound_email_uid is not None


async def test_no_merges_says_how_to_start_one(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        await workers_done(app)
        assert table_rows(app) == []
        assert "No merges yet" in str(app.screen.query_one("#hint").render())
        await pilot.press("p", "x", "enter")
        assert isinstance(app.screen, MergesScreen)
