"""The standard library's email header machinery, with each header class built once.

``email.headerregistry.HeaderRegistry`` creates a new class for every header it parses;
caching them changes nothing but the cost (about a millisecond per message built).
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import SMTP, default


class CachedHeaderRegistry(HeaderRegistry):
    """``HeaderRegistry`` that builds each header's class once per name."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


HEADERS = CachedHeaderRegistry()
SMTP_POLICY = SMTP.clone(header_factory=HEADERS)
"""``policy=SMTP`` (CRLF line ends) for building messages."""
READ_POLICY = default.clone(header_factory=HEADERS)
"""``policy=default`` for reading headers back."""
