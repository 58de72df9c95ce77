"""The ``ApiToken`` table: Bearer tokens of the HTTP API, kept only as SHA-256 hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from exante_tui.store.types import UTCDateTime, utcnow


class ApiToken(SQLModel, table=True):
    """A named Bearer token; ``accounts`` limits it to those senders (empty: every account)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(unique=True, index=True)
    token_hash: str = Field(unique=True, index=True)
    """``sha256(token).hexdigest()``; the token itself is shown once and never stored."""
    accounts: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
