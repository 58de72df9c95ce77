"""Wiring: settings, store, send core and drafts for one run, shared by every front end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from exante_tui.config import Settings
from exante_tui.core.accounts import Accounts
from exante_tui.core.drafts import Drafts
from exante_tui.core.merge import Merge
from exante_tui.core.merge_groups import MergeGroups
from exante_tui.core.prepare import Preparer
from exante_tui.core.send import SendCore, TransportFactory
from exante_tui.core.signatures import Signatures
from exante_tui.core.template_store import Templates
from exante_tui.providers.registry import TransportCache
from exante_tui.store.db import Store
from exante_tui.store.types import utcnow


@dataclass
class Services:
    """Everything a front end calls; built once per process."""

    settings: Settings
    store: Store
    core: SendCore
    drafts: Drafts
    accounts: Accounts
    templates: Templates
    preparer: Preparer
    signatures: Signatures
    merge: Merge
    merge_groups: MergeGroups

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        transports: TransportFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> Services:
        """Open (and migrate) the store named by ``settings``."""
        settings.ensure_dirs()
        store = Store(settings.db_url)
        factory = transports or TransportCache(settings)
        templates = Templates(store)
        preparer = Preparer(store, templates)
        return cls(
            settings=settings,
            store=store,
            core=SendCore(store, factory, clock),
            drafts=Drafts(store),
            accounts=Accounts(store, settings),
            templates=templates,
            preparer=preparer,
            signatures=Signatures(store),
            merge=Merge(store, templates, preparer),
            merge_groups=MergeGroups(store, clock),
        )

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()
