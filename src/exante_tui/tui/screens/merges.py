"""Mail merges as groups: template, drafts, sent, scheduled; open, pause, resume, cancel.

Opening a group lists its drafts; enter on one opens it in the composer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from exante_tui.core.merge_groups import MergeGroup
from exante_tui.store.models import Draft
from exante_tui.tui.background import in_thread
from exante_tui.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


class MergesScreen(Screen[None]):
    """One row per merge group."""

    app: ExanteApp
    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="List the group's drafts"),
        Binding("p", "pause", "Pause", tooltip="Unschedule the group's unsent drafts"),
        Binding("g", "resume", "Resume", tooltip="Schedule the group's unsent drafts now"),
        Binding("x", "cancel", "Cancel", tooltip="Delete the group's unsent drafts"),
        Binding("escape", "back", "Back", tooltip="Back to the lists"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[MergeGroup] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", id="groups")
        yield Static("", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Mail merges"
        table = self.query_one("#groups", DataTable)
        table.add_columns("Template", "Drafts", "Sent", "Scheduled", "Paused")
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read the groups again in a thread, keeping the cursor's row."""
        groups = self.app.services.merge_groups.list
        in_thread(self, groups, self._show_groups, group="groups", exclusive=True)

    def _show_groups(self, groups: list[MergeGroup]) -> None:
        table = self.query_one("#groups", DataTable)
        row = table.cursor_row
        table.clear()
        self.groups = groups
        for group in self.groups:
            table.add_row(
                group.name,
                str(group.total),
                str(group.sent),
                str(group.scheduled),
                str(group.paused),
                key=str(group.template_id),
            )
        if self.groups:
            table.move_cursor(row=min(row, len(self.groups) - 1))
        hint = "No merges yet: `exante-tui merge --create`." if not self.groups else ""
        self.query_one("#hint", Static).update(hint)

    @property
    def current(self) -> MergeGroup | None:
        """The group under the cursor."""
        if not self.groups:
            return None
        return self.groups[self.query_one("#groups", DataTable).cursor_row]

    def on_data_table_row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if self.current is not None:
            self.app.push_screen(MergeDraftsScreen(self.current))

    def _change(
        self, group: MergeGroup | None, change: Callable[[uuid.UUID], int], done: str
    ) -> None:
        """``change`` the group in a thread, then say ``done`` (with the count and the
        group's name filled in) and read the groups again."""
        if group is not None:
            in_thread(
                self,
                partial(change, group.template_id),
                lambda count: self._changed(done.format(count=count, name=group.name)),
                group="change",
            )

    def _changed(self, text: str) -> None:
        self.notify(text)
        self.reload()

    def action_pause(self) -> None:
        pause = self.app.services.merge_groups.pause
        self._change(self.current, pause, "Paused {count} drafts of {name!r}")

    def action_resume(self) -> None:
        resume = self.app.services.merge_groups.resume
        self._change(self.current, resume, "Scheduled {count} drafts of {name!r} for now")

    def action_cancel(self) -> None:
        group = self.current
        if group is None:
            return
        unsent = group.total - group.sent
        question = f"Delete the {unsent} unsent drafts of {group.name!r}? Sent mail stays."

        def answered(yes: bool | None) -> None:
            if yes:
                cancel = self.app.services.merge_groups.cancel
                self._change(group, cancel, "Deleted {count} drafts of {name!r}")

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_back(self) -> None:
        self.app.reload_lists()
        self.dismiss()


class MergeDraftsScreen(Screen[None]):
    """The drafts of one merge group; enter opens one in the composer."""

    app: ExanteApp
    BINDINGS = [
        Binding("enter", "open", "Open", tooltip="Open the draft in the composer"),
        Binding("escape", "back", "Back", tooltip="Back to the merges"),
    ]

    def __init__(self, group: MergeGroup) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row", id="drafts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Merge: {self.group.name}"
        table = self.query_one("#drafts", DataTable)
        table.add_columns("Key", "To", "Subject", "Status")
        table.focus()
        drafts = partial(self.app.services.merge_groups.drafts, self.group.template_id)
        in_thread(self, drafts, self._show_drafts, group="drafts")

    def _show_drafts(self, drafts: Sequence[Draft]) -> None:
        table = self.query_one("#drafts", DataTable)
        for draft in drafts:
            status = (
                "sent"
                if draft.outbound_email_uid
                else "scheduled"
                if draft.planned_send_at
                else "paused"
            )
            table.add_row(
                draft.merge_key or "", ", ".join(draft.to), draft.subject, status, key=str(draft.id)
            )

    async def on_data_table_row_selected(self) -> None:
        await self.action_open()

    async def action_open(self) -> None:
        table = self.query_one("#drafts", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            assert key is not None
            await self.app.open_compose(uuid.UUID(key))

    def action_back(self) -> None:
        self.dismiss()
