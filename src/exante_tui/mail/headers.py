"""The standard library's email header machinery, with each header class built once.

``email.headerregistry.HeaderRegistry`` creates a new class for every header it parses;
caching them changes nothing but the cost (about a millisecond per message built).
"""

from __future__ import annotations

from email.headerregistry import BaseHeader, HeaderRegistry
from email.policy import SMTP, default
from functools import lru_cache


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


class RecentHeaderRegistry(CachedHeaderRegistry):
    """Also keeps the last ``size`` headers it parsed, for building messages.

    Outgoing mail repeats its headers: the sender, the customers, the MIME headers of each
    part. A header object is immutable, so a repeat is served without parsing it again
    (the email package's parser is the slowest part of building a message). The cache is
    ``functools.lru_cache``: safe to share between threads.
    """

    def __init__(self, size: int = 512) -> None:
        super().__init__()
        self._parse = lru_cache(maxsize=size)(super().__call__)

    def __call__(self, name: str, value: str) -> BaseHeader:
        return self._parse(name, value)


HEADERS = CachedHeaderRegistry()
SMTP_POLICY = SMTP.clone(header_factory=RecentHeaderRegistry())
"""``policy=SMTP`` (CRLF line ends) for building messages."""
READ_POLICY = default.clone(header_factory=HEADERS)
"""``policy=default`` for reading headers back."""
