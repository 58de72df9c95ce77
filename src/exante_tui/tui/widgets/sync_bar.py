"""The sync line of the main screen: last sync per Gmail account, and a sync with progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState

from exante_tui.errors import ExanteError
from exante_tui.store import queries
from exante_tui.store.models import Account, Provider
from exante_tui.tui.background import in_thread
from exante_tui.tui.format import relative

if TYPE_CHECKING:
    from exante_tui.sync import AccountSync, SyncProgress
    from exante_tui.tui.app import ExanteApp

NO_GMAIL = "No Gmail accounts to sync — connect one with `exante-tui accounts add`"


class SyncBar(Horizontal):
    """Shows when each Gmail account last synced; :meth:`sync` fetches new mail in a thread."""

    app: ExanteApp

    @dataclass
    class Finished(Message):
        """A sync ended: one result per account (``error`` set when it failed)."""

        results: list[AccountSync]

    def compose(self) -> ComposeResult:
        yield Static(id="sync-status")
        yield ProgressBar(show_eta=False, id="sync-progress")

    def on_mount(self) -> None:
        self.show_status()

    def _gmail_accounts(self) -> list[Account]:
        accounts = queries.list_accounts(self.app.services.store)
        return [account for account in accounts if account.provider == Provider.GMAIL]

    def show_status(self) -> None:
        """``Last sync: a@x 5m ago · b@y never`` (or how to connect a Gmail account), the
        accounts read in a thread."""
        in_thread(self, self._gmail_accounts, self._put_status, group="status", exclusive=True)

    def _put_status(self, accounts: list[Account]) -> None:
        if not accounts:
            text = "Offline accounts only: connect Gmail with `exante-tui accounts add` to sync"
        else:
            now = self.app.now()
            times = [
                f"{a.email} {relative(a.last_synced_at, now) if a.last_synced_at else 'never'}"
                for a in accounts
            ]
            text = "Last sync: " + " · ".join(times)
        self.query_one("#sync-status", Static).update(text)

    @property
    def running(self) -> bool:
        """Whether a sync is under way."""
        return self.has_class("running")

    def sync(self) -> None:
        """Sync every Gmail account, one after another, in a thread worker."""
        if self.running:
            self.notify("A sync is already running…")
            return
        self.add_class("running")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#sync-status", Static).update("Syncing…")
        self._sync()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def _sync(self) -> None:
        emails = [account.email for account in self._gmail_accounts()]
        if not emails:
            self.app.call_from_thread(self._no_gmail)
            return
        from exante_tui.sync import AccountSync, run_sync  # loads the Gmail client: on first use

        results: list[AccountSync] = []
        for email in emails:
            try:
                report = run_sync(self.app.services, account_email=email, progress=self._progress)
            except ExanteError as error:
                results.append(AccountSync(email, error=error))
            else:
                results.extend(report.accounts)
        self.post_message(self.Finished(results))

    def _no_gmail(self) -> None:
        self.remove_class("running")
        self.notify(NO_GMAIL, title="Sync", severity="warning")
        self.show_status()

    def _progress(self, progress: SyncProgress) -> None:
        """Called in the worker thread."""
        self.app.call_from_thread(self._show_progress, progress)

    def _show_progress(self, progress: SyncProgress) -> None:
        self.query_one(ProgressBar).update(total=max(progress.total, 1), progress=progress.done)
        self.query_one("#sync-status", Static).update(
            f"Syncing {progress.account_email}: {progress.done} of {progress.total} {progress.unit}"
        )

    def on_sync_bar_finished(self, event: Finished) -> None:
        self.remove_class("running")
        for result in event.results:
            if result.error is not None:
                self.notify(str(result.error), title="Sync failed", severity="error", timeout=10)
            else:
                self.notify(
                    f"{result.conversations_added} new conversations, "
                    f"{result.messages_added} new messages, "
                    f"{result.messages_removed} removed",
                    title=f"Synced {result.account_email}",
                )
        self.show_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "sync" and event.state == WorkerState.ERROR:
            self.remove_class("running")
            self.notify(f"Sync stopped: {event.worker.error}", title="Sync", severity="error")
            self.show_status()
