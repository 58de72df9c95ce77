"""The Gmail sync engine: a full sync of the newest threads, then incremental by history.

A first run (no stored ``historyId``) lists the newest threads and fetches each with
``threads.get(format=full)``. Later runs ask ``users.history.list`` what changed since the
stored ``historyId``: they fetch the messages added and forget those deleted, trashed or
marked as spam (:mod:`exante_tui.sync.changes`). Gmail forgets history after about a week,
and an expired ``historyId`` (404) falls back to a full sync by itself. The history id is
saved only when a run completes, so an interrupted run is simply redone: filing and
forgetting are idempotent. Each batch of results is committed as it arrives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from googleapiclient.http import HttpRequest

from exante_tui.errors import ExanteError
from exante_tui.providers.base import TransportError
from exante_tui.providers.policy import GmailPolicy
from exante_tui.store.db import Store
from exante_tui.store.models import Account
from exante_tui.store.types import utcnow
from exante_tui.sync.changes import HISTORY_TYPES, HistoryChanges
from exante_tui.sync.filing import file_messages, forget_messages, relabel_messages
from exante_tui.sync.parse import parse_message

DEFAULT_MAX_THREADS = 500
LIST_PAGE_SIZE = 500
"""Gmail's largest page for ``threads.list`` and ``history.list``."""


@dataclass(frozen=True)
class SyncProgress:
    """``done`` of ``total`` items fetched for one account (``unit``: threads or messages)."""

    account_email: str
    done: int
    total: int
    unit: str


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class AccountSync:
    """The outcome of syncing one account; ``error`` is set when it failed."""

    account_email: str
    mode: str = ""
    """``full`` or ``incremental``."""
    fetched: int = 0
    """Threads fetched by a full sync, messages by an incremental one."""
    conversations_added: int = 0
    messages_added: int = 0
    messages_removed: int = 0
    """Messages deleted, trashed or marked as spam in Gmail since the last sync."""
    messages_relabeled: int = 0
    """Stored messages whose labels changed (read, starred, filed) since the last sync."""
    history_id: str | None = None
    synced_at: datetime | None = None
    error: ExanteError | None = None


_PLAIN_ID = re.compile(r"[0-9A-Za-z_-]+")
"""Ids the URL carries as they are (Gmail's are hex)."""


def _gets(get: Callable[..., HttpRequest], ids: Iterable[str]) -> dict[str, HttpRequest]:
    """``get(userId="me", id=..., format="full")`` by id.

    The discovery client takes about a tenth of a millisecond to build each request, a
    good share of what a batched sync spends per message: requests for plain ids are
    copies of the first one's with the id in the URL swapped.
    """
    requests: dict[str, HttpRequest] = {}
    template: tuple[HttpRequest, str, str] | None = None
    for item in ids:
        if template is not None and _PLAIN_ID.fullmatch(item):
            first, head, tail = template
            requests[item] = type(first)(
                first.http,
                first.postproc,
                head + item + tail,
                method=first.method,
                body=first.body,
                headers=dict(first.headers),
                methodId=first.methodId,
                resumable=first.resumable,
            )
            continue
        request = requests[item] = get(userId="me", id=item, format="full")
        if template is None and _PLAIN_ID.fullmatch(item):
            path, mark, query = request.uri.partition("?")
            if path.endswith(f"/{item}") and request.body is None:
                template = (request, path[: -len(item)], mark + query)
    return requests


class _HistoryExpired(Exception):
    """The stored historyId is older than the history Gmail keeps."""


class GmailSync:
    """Syncs one account through a Gmail ``service`` (see ``providers.gmail.build_service``),
    its requests run by the account's ``gmail`` policy."""

    def __init__(
        self,
        store: Store,
        account: Account,
        service: Any,
        gmail: GmailPolicy,
        *,
        page_size: int = LIST_PAGE_SIZE,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.account = account
        self.users = service.users()
        # Each resource call builds every method afresh (milliseconds): build them once.
        self.threads = self.users.threads()
        self.messages = self.users.messages()
        self.gmail = gmail
        self.page_size = page_size
        self.clock = clock
        self.label_names: dict[str, str] = {}

    def run(
        self, *, max_threads: int = DEFAULT_MAX_THREADS, progress: ProgressCallback | None = None
    ) -> AccountSync:
        """Sync incrementally when a historyId is stored, fully otherwise."""
        result = AccountSync(self.account.email)
        self.label_names = self._user_labels()
        if self.account.history_id:
            try:
                self._incremental(self.account.history_id, result, progress)
            except _HistoryExpired:
                self._full(max_threads, result, progress)
        else:
            self._full(max_threads, result, progress)
        result.synced_at = self.clock()
        with self.store.session() as session:
            account = session.get(Account, self.account.id)
            if account is not None:
                account.history_id, account.last_synced_at = result.history_id, result.synced_at
        return result

    def _user_labels(self) -> dict[str, str]:
        """User label id → name (system labels are known by their ids)."""
        listed = self.gmail.execute(self.users.labels().list(userId="me")).get("labels", [])
        return {label["id"]: label["name"] for label in listed if label.get("type") == "user"}

    def _full(
        self, max_threads: int, result: AccountSync, progress: ProgressCallback | None
    ) -> None:
        result.mode = "full"
        # Taken first: whatever arrives while we list is picked up by the next run.
        result.history_id = str(self.gmail.execute(self.users.getProfile(userId="me"))["historyId"])
        requests = _gets(self.threads.get, self._newest_threads(max_threads))
        self._fetch(
            requests, "threads", lambda thread: thread.get("messages", []), result, progress
        )

    def _newest_threads(self, limit: int) -> list[str]:
        found: list[str] = []
        page_token = None
        while len(found) < limit:
            page = self.gmail.execute(
                self.threads.list(
                    userId="me",
                    maxResults=min(self.page_size, limit - len(found)),
                    pageToken=page_token,
                )
            )
            found += [thread["id"] for thread in page.get("threads", [])]
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return found[:limit]

    def _incremental(
        self, start: str, result: AccountSync, progress: ProgressCallback | None
    ) -> None:
        result.mode = "incremental"
        changes = HistoryChanges()
        page_token = None
        while True:
            try:
                page = self.gmail.execute(
                    self.users.history().list(
                        userId="me",
                        startHistoryId=start,
                        historyTypes=list(HISTORY_TYPES),
                        maxResults=self.page_size,
                        pageToken=page_token,
                    )
                )
            except TransportError as exc:
                if exc.status == 404:
                    raise _HistoryExpired from exc
                raise
            for record in page.get("history", []):
                changes.take(record)
            result.history_id = str(page.get("historyId") or start)
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        requests = _gets(self.messages.get, changes.added)
        self._fetch(requests, "messages", lambda message: [message], result, progress)
        skip = changes.added.keys() | changes.gone.keys()
        relabeled = {k: v for k, v in changes.relabeled.items() if k not in skip}
        if changes.gone or relabeled:
            with self.store.session() as session:
                result.messages_removed = forget_messages(session, self.account, changes.gone)
                result.messages_relabeled = relabel_messages(
                    session, self.account, relabeled, self.label_names
                )

    def _fetch(
        self,
        requests: dict[str, HttpRequest],
        unit: str,
        messages_of: Callable[[dict[str, Any]], Iterable[dict[str, Any]]],
        result: AccountSync,
        progress: ProgressCallback | None,
    ) -> None:
        """Fetch ``requests`` in batches, filing each batch's messages as it arrives."""
        total = len(requests)
        if progress is not None:
            progress(SyncProgress(self.account.email, 0, total, unit))
        for results in self.gmail.run(requests):
            parsed = [
                parse_message(message)
                for resource in results.values()
                if resource is not None
                for message in messages_of(resource)
            ]
            with self.store.session() as session:
                filed = file_messages(session, self.account, parsed, self.label_names)
            result.fetched += len(results)
            result.conversations_added += filed.conversations
            result.messages_added += filed.messages
            if progress is not None:
                progress(SyncProgress(self.account.email, result.fetched, total, unit))
