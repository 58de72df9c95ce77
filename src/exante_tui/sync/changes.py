"""What ``users.history.list`` says changed: messages to fetch, messages to forget.

Gmail reports a message trashed, marked as spam or deleted for good as separate history
records; here they all mean "no longer shown", as Gmail's own lists treat them. Records
are read in order, so a message added and then trashed within one sync is never fetched,
and one trashed and then restored is fetched again (filing it is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exante_tui.sync.parse import SKIPPED_LABELS

HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
"""The ``historyTypes`` an incremental sync asks for."""


@dataclass
class HistoryChanges:
    """Gmail ids of messages to fetch and to forget, each in first-seen order, and the
    label ids of messages whose labels changed (read, starred, filed…)."""

    added: dict[str, None] = field(default_factory=dict)
    gone: dict[str, None] = field(default_factory=dict)
    relabeled: dict[str, list[str]] = field(default_factory=dict)

    def take(self, record: dict[str, Any]) -> None:
        """Account for one history record."""
        for item in record.get("messagesAdded", []):
            message = item["message"]
            if SKIPPED_LABELS.isdisjoint(message.get("labelIds", [])):
                self._show(message["id"])
        for item in [*record.get("labelsAdded", []), *record.get("labelsRemoved", [])]:
            message = item["message"]
            if SKIPPED_LABELS.isdisjoint(message.get("labelIds", [])):
                self.relabeled[message["id"]] = list(message.get("labelIds", []))
        for item in record.get("labelsAdded", []):
            if not SKIPPED_LABELS.isdisjoint(item.get("labelIds", [])):
                self._hide(item["message"]["id"])
        for item in record.get("labelsRemoved", []):
            message = item["message"]
            restored = not SKIPPED_LABELS.isdisjoint(item.get("labelIds", []))
            if restored and SKIPPED_LABELS.isdisjoint(message.get("labelIds", [])):
                self._show(message["id"])
        for item in record.get("messagesDeleted", []):
            self._hide(item["message"]["id"])

    def _show(self, message_id: str) -> None:
        self.gone.pop(message_id, None)
        self.added[message_id] = None

    def _hide(self, message_id: str) -> None:
        self.added.pop(message_id, None)
        self.gone[message_id] = None
