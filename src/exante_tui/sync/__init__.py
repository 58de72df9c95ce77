"""Gmail → store sync, headless: front ends call :func:`run_sync`, :func:`save_attachment`,
:func:`attachment_data` and :func:`message_attachments`.

The names load on first use, so importing this package (the CLI does)
does not pull in the Gmail client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exante_tui.sync.gmail import AccountSync, ProgressCallback, SyncProgress
    from exante_tui.sync.operations import (
        SyncReport,
        attachment_data,
        message_attachments,
        run_sync,
        save_attachment,
    )

_HOMES = {
    "SyncReport": "exante_tui.sync.operations",
    "run_sync": "exante_tui.sync.operations",
    "save_attachment": "exante_tui.sync.operations",
    "attachment_data": "exante_tui.sync.operations",
    "message_attachments": "exante_tui.sync.operations",
    "AccountSync": "exante_tui.sync.gmail",
    "ProgressCallback": "exante_tui.sync.gmail",
    "SyncProgress": "exante_tui.sync.gmail",
}

__all__ = [
    "AccountSync",
    "ProgressCallback",
    "SyncProgress",
    "SyncReport",
    "attachment_data",
    "message_attachments",
    "run_sync",
    "save_attachment",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
