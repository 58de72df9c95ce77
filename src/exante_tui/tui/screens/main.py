"""The main screen: Drafts, Conversations and Outbox lists with a preview and a filter."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Input, Static, Tab, Tabs

from exante_tui.core.errors import SendError
from exante_tui.core.scheduler import cancel_schedule
from exante_tui.store.models import Conversation, Draft, OutboundEmail
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.merges import MergesScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.views import RETRYABLE, VIEWS, View
from exante_tui.tui.widgets.paged_table import PagedTable
from exante_tui.tui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


class MainScreen(Screen[None]):
    """Three paged lists switched by a key; the highlighted row is previewed on the right."""

    app: ExanteApp
    CSS_PATH = "main.tcss"
    BINDINGS = [
        Binding("d", "show('drafts')", "Drafts", tooltip="Show the drafts list"),
        Binding("c", "show('conversations')", "Conversations", tooltip="Show conversations"),
        Binding("o", "show('outbox')", "Outbox", tooltip="Show every send record"),
        Binding("slash", "filter", "Filter", tooltip="Filter the current list as you type"),
        Binding("n", "new", "New", tooltip="Write a new message"),
        Binding("m", "merges", "Merges", tooltip="Mail merges: open, pause, resume, cancel"),
        Binding("enter", "open", "Open", tooltip="Open the highlighted row", show=False),
        Binding("r", "retry", "Retry", tooltip="Send the failed or unknown record again"),
        Binding("x", "delete_draft", "Delete", tooltip="Delete the highlighted draft"),
        Binding("u", "undo_send", "Undo send", tooltip="Cancel the send waiting to go"),
        Binding("u", "unschedule", "Unschedule", tooltip="Cancel the draft's planned send"),
        Binding("s", "sync", "Sync", tooltip="Fetch new mail from every Gmail account"),
        Binding("escape", "clear_filter", "Clear filter", tooltip="Clear and hide the filter"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (asks first if a send is running)"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(*(Tab(view.title, id=name) for name, view in VIEWS.items()), id="views")
        yield SyncBar()
        yield Static("", id="undo-banner")
        with Horizontal(id="body"):
            with ContentSwitcher(initial="drafts", id="lists"):
                for name, view in VIEWS.items():
                    yield PagedTable(
                        self._fetcher(view), self._renderer(view), view.columns, id=name
                    )
            with VerticalScroll(id="preview-pane"):
                yield Static(id="preview")
        yield Input(placeholder="filter…  (enter: back to the list, escape: clear)", id="filter")
        yield Footer()

    def _fetcher(self, view: View) -> Any:
        store = self.app.services.store
        return lambda search, limit, offset: view.fetch(store, search, limit, offset)

    def _renderer(self, view: View) -> Any:
        return lambda item: view.row(item, self.app.now())

    # -- state ----------------------------------------------------------------------------------

    @property
    def view_name(self) -> str:
        """``drafts``, ``conversations`` or ``outbox``."""
        return self.query_one("#lists", ContentSwitcher).current or "drafts"

    @property
    def table(self) -> PagedTable:
        """The list on show."""
        return self.query_one(f"#{self.view_name}", PagedTable)

    def on_mount(self) -> None:
        self.title = "exante"
        for table in self.query(PagedTable):
            table.reload()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.reload_lists()

    def show_banner(self, text: str) -> None:
        """The undo-send banner (hidden when empty); the drafts list counts down with it."""
        banner = self.query_one("#undo-banner", Static)
        was_shown = banner.has_class("shown")
        banner.update(text)
        banner.set_class(bool(text), "shown")
        if text or was_shown:
            self.query_one("#drafts", PagedTable).reload()
        self.refresh_bindings()

    def reload_lists(self) -> None:
        """Read every list and the sync line again."""
        for table in self.query(PagedTable):
            if table.is_mounted:
                table.reload()
        self.query_one(SyncBar).show_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            record = self.table.current if self.view_name == "outbox" else None
            return isinstance(record, OutboundEmail) and record.status in RETRYABLE
        if action == "delete_draft":
            return self.view_name == "drafts" and self.table.current is not None
        if action == "undo_send":
            return bool(self.app.waiting)
        if action == "unschedule":
            if self.app.waiting:
                return False
            draft = self.table.current if self.view_name == "drafts" else None
            return isinstance(draft, Draft) and draft.planned_send_at is not None
        if action == "clear_filter":
            return bool(self.table.search) or self.query_one("#filter").has_class("shown")
        return True

    # -- switching and filtering ----------------------------------------------------------------

    def action_show(self, name: str) -> None:
        self.query_one("#views", Tabs).active = name
        self._switch_to(name)  # now, so keys and reads that follow see the new list

    @on(Tabs.TabActivated, "#views")
    def _switch(self, event: Tabs.TabActivated) -> None:
        self._switch_to(event.tab.id or "drafts")

    def _switch_to(self, name: str) -> None:
        self.query_one("#lists", ContentSwitcher).current = name
        self.sub_title = VIEWS[name].title
        filter_input = self.query_one("#filter", Input)
        with filter_input.prevent(Input.Changed):
            filter_input.value = self.table.search
        filter_input.set_class(bool(self.table.search), "shown")
        self.table.focus()
        self._show_preview()
        self.refresh_bindings()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.add_class("shown")
        filter_input.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.reload(event.value, debounce=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def action_clear_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.value = ""
        filter_input.remove_class("shown")
        self.table.reload("")
        self.table.focus()
        self.refresh_bindings()

    # -- preview --------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    @on(PagedTable.Loaded)
    def _highlighted(self) -> None:
        self._show_preview()
        self.refresh_bindings()

    def _show_preview(self) -> None:
        item = self.table.current
        preview = self.query_one("#preview", Static)
        if item is None:
            empty = "No matches." if self.table.search else f"No {self.view_name} yet."
            preview.update(empty)
            return
        view = VIEWS[self.view_name]
        preview.update(view.preview(self.app.services.store, item, self.app.now()))

    # -- actions --------------------------------------------------------------------------------

    async def action_new(self) -> None:
        await self.app.open_compose()

    def action_merges(self) -> None:
        self.app.push_screen(MergesScreen())

    async def action_open(self) -> None:
        item = self.table.current
        if isinstance(item, Draft):
            await self.app.open_compose(draft_uid=item.id)
        elif isinstance(item, Conversation):
            self.app.open_thread(item.id)
        elif isinstance(item, OutboundEmail):
            self.app.push_screen(OutboxDetailScreen(item), self._after_detail)

    @on(DataTable.RowSelected)
    async def _selected(self) -> None:
        await self.action_open()

    def _after_detail(self, retry_uid: uuid.UUID | None) -> None:
        if retry_uid is not None:
            self._retry(retry_uid)

    def action_retry(self) -> None:
        record = self.table.current
        if isinstance(record, OutboundEmail):
            self._retry(record.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="retry")
    def _retry(self, record_uid: uuid.UUID) -> None:
        """Retry in a thread; the core reuses the record, its bytes and its Message-ID."""
        self.app.call_from_thread(self.notify, "Retrying the send…")
        try:
            response = self.app.services.core.retry(record_uid)
        except SendError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Retry failed", severity="error", timeout=8
            )
        else:
            self.app.call_from_thread(self.notify, f"Retry: {response.status}", title="Outbox")
        self.app.call_from_thread(self.query_one("#outbox", PagedTable).reload)

    def action_undo_send(self) -> None:
        self.app.undo_send()

    def action_unschedule(self) -> None:
        draft = self.table.current
        if not isinstance(draft, Draft):
            return
        subject = draft.subject or "(no subject)"
        try:
            cancelled = cancel_schedule(self.app.services.store, draft.id)
        except SendError as exc:
            self.notify(str(exc), title="Unschedule", severity="error")
        else:
            if cancelled:
                self.notify(f"{subject!r} will not be sent automatically", title="Unscheduled")
            else:
                self.notify(
                    f"Too late: {subject!r} is being sent or was sent already.",
                    title="Unschedule",
                    severity="warning",
                )
        self.reload_lists()

    def action_sync(self) -> None:
        self.query_one(SyncBar).sync()

    @on(SyncBar.Finished)
    def _synced(self) -> None:
        self.reload_lists()

    def action_delete_draft(self) -> None:
        draft = self.table.current
        if not isinstance(draft, Draft):
            return

        def delete(confirmed: bool | None) -> None:
            if confirmed:
                self.app.services.drafts.delete(draft.id)
                self.notify(f"Deleted draft {draft.subject or '(no subject)'!r}")
                self.table.reload()

        self.app.push_screen(ConfirmScreen(f"Delete the draft {draft.subject!r}?"), delete)
