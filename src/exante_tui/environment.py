"""The ``EXANTE_*`` environment variables, typed and checked by pydantic-settings.

Imported only when settings are loaded, so ``--help`` does not pay for pydantic-settings.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "EXANTE_"
MAX_SEND_DELAY = 3600.0
"""The longest undo-send window (``--send-delay``, ``EXANTE_SEND_DELAY``), in seconds."""
_HTTP_URL = re.compile(r"https?://\S+")


class SettingsError(ValueError):
    """An ``EXANTE_*`` variable has a value the program cannot use."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


def _http_url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError("must be an http:// or https:// URL")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class Environment(BaseSettings):
    """What the ``EXANTE_*`` variables say; an empty variable counts as unset."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, frozen=True)

    home: Path | None = None
    db_url: str | None = None
    gmail_endpoint: HttpUrl | None = None
    gmail_retry_delay: float = Field(1.0, ge=0, allow_inf_nan=False)
    gmail_timeout: float = Field(60.0, gt=0, allow_inf_nan=False)
    gmail_quota: float = Field(250.0, gt=0, allow_inf_nan=False)
    """Gmail quota units per second per account."""
    oauth_token_uri: HttpUrl | None = None
    send_rate: int | None = Field(None, gt=0)
    daily_cap: int | None = Field(None, gt=0)
    send_delay: float = Field(10.0, ge=0, le=MAX_SEND_DELAY, allow_inf_nan=False)


def read_environment() -> Environment:
    """The environment's settings; a bad value raises `SettingsError` naming its variable."""
    try:
        return Environment()
    except ValidationError as exc:
        first = exc.errors()[0]
        variable = PREFIX + str(first["loc"][0]).upper()
        problem = first["msg"].removeprefix("Value error, ")
        problem = f"{first['input']!r} is not valid: {problem[:1].lower()}{problem[1:]}"
        raise SettingsError(variable, problem) from None
