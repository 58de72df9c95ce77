"""The main screen: Drafts, Conversations and Outbox lists with a preview and a filter."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Input, Static, Tab, Tabs

from exante_tui.core.scheduler import cancel_schedule
from exante_tui.errors import ExanteError, ValidationFailed
from exante_tui.store import queries
from exante_tui.store.models import Account, OutboundEmail
from exante_tui.tui.background import in_thread
from exante_tui.tui.screens.confirm import ConfirmScreen
from exante_tui.tui.screens.merges import MergesScreen
from exante_tui.tui.screens.outbox_detail import OutboxDetailScreen
from exante_tui.tui.views import RETRYABLE, VIEWS, ConversationRow, DraftRow, View
from exante_tui.tui.widgets.paged_table import PagedTable
from exante_tui.tui.widgets.sync_bar import SyncBar

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


TIME_REFRESH = 30.0
"""Seconds between two renderings of the lists' relative times."""


class MainScreen(Screen[None]):
    """Three paged lists switched by a key; the highlighted row is previewed on the right.

    The lists show one account or all of them (``a`` cycles); new messages default to it.
    """

    app: ExanteApp
    CSS_PATH = "main.tcss"
    BINDINGS = [
        Binding("d", "show('drafts')", "Drafts", tooltip="Show the drafts list"),
        Binding("c", "show('conversations')", "Conversations", tooltip="Show conversations"),
        Binding("o", "show('outbox')", "Outbox", tooltip="Show every send record"),
        Binding(
            "slash",
            "filter",
            "Search",
            tooltip="Search as you type: from: to: subject: has:attachment is:unread label: … "
            "(whole words; word* for a prefix)",
        ),
        # Priority: the app opens the composer before it reads the next key, so an address
        # typed right after n lands in To (a plain binding runs later, on the screen).
        Binding("n", "new", "New", tooltip="Write a new message", priority=True),
        Binding("m", "merges", "Merges", tooltip="Mail merges: open, pause, resume, cancel"),
        Binding("enter", "open", "Open", tooltip="Open the highlighted row", show=False),
        Binding("r", "retry", "Retry", tooltip="Send the failed or unknown record again"),
        Binding("x", "delete_draft", "Delete", tooltip="Delete the highlighted draft"),
        Binding("u", "undo_send", "Undo send", tooltip="Cancel the send waiting to go"),
        Binding("u", "unschedule", "Unschedule", tooltip="Cancel the draft's planned send"),
        Binding("s", "sync", "Sync", tooltip="Fetch new mail from every Gmail account"),
        Binding(
            "a", "switch_account", "Account", tooltip="Cycle the lists through All / each account"
        ),
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

    def __init__(self) -> None:
        super().__init__()
        self.account: Account | None = None
        """The account the lists show; None for all of them."""
        self.search_error = ""

    def _fetcher(self, view: View) -> Any:
        store = self.app.services.store

        def fetch(search: str, limit: int, offset: int) -> Sequence[Any]:
            account_id = self.account.id if self.account else None
            try:
                rows = view.fetch(store, search, account_id, limit, offset)
            except ValidationFailed as exc:
                self.search_error = "; ".join(detail.message for detail in exc.details)
                return []
            self.search_error = ""
            return rows

        return fetch

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
        self.title = "exante"  # the lists load when the screen is first shown (resumed)
        self.table.focus()
        self.set_interval(TIME_REFRESH, self._refresh_times)

    def _refresh_times(self) -> None:
        for table in self.query(PagedTable):
            table.refresh_cells()

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
        """Read every list, the counts and the sync line again."""
        for table in self.query(PagedTable):
            if table.is_mounted:
                table.reload()
        self._show_counts()
        self.query_one(SyncBar).show_status()

    def _show_counts(self) -> None:
        """The tab counts, read in a thread (a newer read replaces one under way)."""
        self.title = f"exante · {self.account.email if self.account else 'all accounts'}"
        store, account_id = self.app.services.store, self.account.id if self.account else None
        count = partial(queries.count_rows, store, account_id)
        in_thread(self, count, self._put_counts, group="counts", exclusive=True)

    def _put_counts(self, counts: dict[str, int]) -> None:
        tabs = self.query_one("#views", Tabs)
        for name, view in VIEWS.items():
            label = f"{view.title} {counts[name]}"
            if name == "conversations" and counts["unread"]:
                label += f" ({counts['unread']} unread)"
            tabs.query_one(f"#{name}", Tab).label = Text(label)

    def action_switch_account(self) -> None:
        """Read the accounts in a thread, then show the next one (presses add up)."""
        accounts = partial(queries.list_accounts, self.app.services.store)
        in_thread(self, accounts, self._next_account, group="accounts")

    def _next_account(self, accounts: Sequence[Account]) -> None:
        choices: list[Account | None] = [None, *accounts]
        current = next(
            (
                n
                for n, a in enumerate(choices)
                if (a and a.id) == (self.account and self.account.id)
            ),
            0,
        )
        self.account = choices[(current + 1) % len(choices)]
        self.reload_lists()
        self.notify(
            self.account.email if self.account else "All accounts", title="Showing", markup=False
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return not isinstance(self.focused, Input)  # n is a letter in the filter
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
            row = self.table.current if self.view_name == "drafts" else None
            return isinstance(row, DraftRow) and row.draft.planned_send_at is not None
        if action == "clear_filter":
            return bool(self.table.search) or self.query_one("#filter").has_class("shown")
        return True

    # -- switching and filtering ----------------------------------------------------------------

    def action_show(self, name: str) -> None:
        """Switch now (keys typed next act on the new list), and move the tab along."""
        self._switch_to(name)
        self.query_one("#views", Tabs).active = name

    @on(Tabs.TabActivated, "#views")
    def _switch(self, event: Tabs.TabActivated) -> None:
        name = event.tab.id or "drafts"
        if name != self.view_name:  # a click on a tab; keys have switched already
            self._switch_to(name)

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
            if self.search_error:
                preview.update(Text(f"Search: {self.search_error}", style="red"))
                return
            preview.update(self._nothing_found())
            return
        view = VIEWS[self.view_name]
        preview.update(view.preview(item, self.app.now()))

    def _nothing_found(self) -> str:
        if not self.table.search:
            return f"No {self.view_name} yet."
        if self.view_name == "conversations" and "*" not in self.table.search:
            return "No matches.\n\nWords match whole words: end one with * to match its start."
        return "No matches."

    # -- actions --------------------------------------------------------------------------------

    async def action_new(self) -> None:
        await self.app.open_compose(account_id=self.account.id if self.account else None)

    def action_merges(self) -> None:
        self.app.push_screen(MergesScreen())

    async def action_open(self) -> None:
        item = self.table.current
        if isinstance(item, DraftRow):
            await self.app.open_compose(draft_uid=item.id)
        elif isinstance(item, ConversationRow):
            await self.app.open_thread(item.id)
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
        except ExanteError as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Retry failed", severity="error", timeout=8
            )
        else:
            self.app.call_from_thread(self.notify, f"Retry: {response.status}", title="Outbox")
        self.app.call_from_thread(self.query_one("#outbox", PagedTable).reload)

    def action_undo_send(self) -> None:
        self.app.undo_send()

    def action_unschedule(self) -> None:
        row = self.table.current
        if not isinstance(row, DraftRow):
            return
        subject = row.draft.subject or "(no subject)"
        in_thread(
            self,
            partial(cancel_schedule, self.app.services.store, row.draft.id),
            partial(self._unscheduled, subject),
            group="unschedule",
            failed=self._unschedule_failed,
        )

    def _unscheduled(self, subject: str, cancelled: bool) -> None:
        if cancelled:
            self.notify(f"{subject!r} will not be sent automatically", title="Unscheduled")
        else:
            self.notify(
                f"Too late: {subject!r} is being sent or was sent already.",
                title="Unschedule",
                severity="warning",
            )
        self.reload_lists()

    def _unschedule_failed(self, exc: ExanteError) -> None:
        self.notify(str(exc), title="Unschedule", severity="error")
        self.reload_lists()

    def action_sync(self) -> None:
        self.query_one(SyncBar).sync()

    @on(SyncBar.Finished)
    def _synced(self) -> None:
        self.reload_lists()

    def action_delete_draft(self) -> None:
        row = self.table.current
        if not isinstance(row, DraftRow):
            return
        draft = row.draft

        def delete(confirmed: bool | None) -> None:
            if confirmed:
                in_thread(
                    self,
                    partial(self.app.services.drafts.delete, draft.id),
                    lambda _: self._deleted(draft.subject),
                    group="delete",
                )

        self.app.push_screen(ConfirmScreen(f"Delete the draft {draft.subject!r}?"), delete)

    def _deleted(self, subject: str) -> None:
        self.notify(f"Deleted draft {subject or '(no subject)'!r}")
        self.reload_lists()
