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
    from exante_tui.core.send import SendCore, TransportFactory


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
        from exante_tui.providers.registry import TransportCache

        settings.ensure_dirs()
        store = Store(settings.db_url)
        return cls(settings, store, transports or TransportCache(settings), clock)

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

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()
