"""Wiring: settings, store, send core and drafts for one run, shared by every front end.

The store opens at once; the send core, drafts and accounts are built on first use, so a
command that only reads the store never imports the send path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from exante_tui.config import Settings
from exante_tui.store.db import Store
from exante_tui.store.types import utcnow

if TYPE_CHECKING:
    from exante_tui.core.accounts import Accounts
    from exante_tui.core.drafts import Drafts
    from exante_tui.core.merge import Merge
    from exante_tui.core.merge_groups import MergeGroups
    from exante_tui.core.pacing import Pace
    from exante_tui.core.prepare import Preparer
    from exante_tui.core.send import SendCore, TransportFactory
    from exante_tui.core.signatures import Signatures
    from exante_tui.core.template_store import Templates


@dataclass
class Services:
    """Everything a front end calls; built once per process."""

    settings: Settings
    store: Store
    transports: TransportFactory
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        transports: TransportFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> Services:
        """Open (and migrate) the store named by ``settings``."""
        from exante_tui.transports import TransportCache

        settings.ensure_dirs()
        store = Store(settings.db_url)
        return cls(settings, store, transports or TransportCache(settings), clock)

    @property
    def pace(self) -> Pace:
        """The pacing of scheduled sends the settings ask for."""
        from exante_tui.core.pacing import Pace

        return Pace(per_minute=self.settings.send_rate, daily_cap=self.settings.daily_cap)

    @cached_property
    def core(self) -> SendCore:
        """The send core (every send, retry and reconciliation goes through it)."""
        from exante_tui.core.send import SendCore

        return SendCore(self.store, self.transports, self.clock)

    @cached_property
    def drafts(self) -> Drafts:
        """Drafts: create, edit, list, delete."""
        from exante_tui.core.drafts import Drafts

        return Drafts(self.store)

    @cached_property
    def accounts(self) -> Accounts:
        """Connected accounts: add, list, remove."""
        from exante_tui.core.accounts import Accounts

        return Accounts(self.store, self.settings)

    @cached_property
    def templates(self) -> Templates:
        """Message templates (Jinja2, sandboxed)."""
        from exante_tui.core.template_store import Templates

        return Templates(self.store)

    @cached_property
    def preparer(self) -> Preparer:
        """Prepare Email: a template and its context resolved into a send request."""
        from exante_tui.core.prepare import Preparer

        return Preparer(self.store, self.templates)

    @cached_property
    def signatures(self) -> Signatures:
        """Per-account signatures."""
        from exante_tui.core.signatures import Signatures

        return Signatures(self.store)

    @cached_property
    def merge(self) -> Merge:
        """Mail merge: rows of a template into drafts."""
        from exante_tui.core.merge import Merge

        return Merge(self.store, self.templates, self.preparer)

    @cached_property
    def merge_groups(self) -> MergeGroups:
        """The drafts of each merge, as groups to pause, resume or cancel."""
        from exante_tui.core.merge_groups import MergeGroups

        return MergeGroups(self.store, self.clock)

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()
