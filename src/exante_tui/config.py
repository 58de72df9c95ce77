"""Settings: where the store and tokens live, which Gmail endpoint to talk to.

Every setting has an environment variable (prefix ``EXANTE_``) and most have a CLI flag;
the flag wins over the environment, the environment over the default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from platformdirs import user_config_path, user_data_path

from exante_tui.core.errors import ErrorDetail, ValidationFailed

APP_NAME = "exante-tui"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run of the program."""

    data_dir: Path
    config_dir: Path
    db_url: str
    gmail_endpoint: str | None = None
    gmail_retry_base_delay: float = 1.0
    gmail_quota: float = 250.0
    """Gmail quota units per second per account (``EXANTE_GMAIL_QUOTA``)."""
    gmail_timeout: float = 60.0
    oauth_token_uri: str | None = None
    """Where OAuth tokens are refreshed; None means Google's endpoint (tests use a fake)."""

    @property
    def outbox_dir(self) -> Path:
        """Where the offline transport writes `.eml` files."""
        return self.data_dir / "outbox"

    @property
    def tokens_dir(self) -> Path:
        """Where OAuth tokens are kept (files created 0600)."""
        return self.config_dir / "tokens"

    @classmethod
    def load(cls, db_url: str | None = None, home: Path | None = None) -> Settings:
        """Resolve settings from arguments, then ``EXANTE_*`` variables, then defaults."""
        env = os.environ
        home = home or (Path(env["EXANTE_HOME"]) if env.get("EXANTE_HOME") else None)
        if home is not None:
            data_dir, config_dir = home / "data", home / "config"
        else:
            data_dir, config_dir = user_data_path(APP_NAME), user_config_path(APP_NAME)
        url = db_url or env.get("EXANTE_DB_URL") or f"sqlite:///{data_dir / 'exante.db'}"
        return cls(
            data_dir=data_dir,
            config_dir=config_dir,
            db_url=url,
            gmail_endpoint=env.get("EXANTE_GMAIL_ENDPOINT") or None,
            gmail_retry_base_delay=float(env.get("EXANTE_GMAIL_RETRY_DELAY", "1.0")),
            gmail_timeout=float(env.get("EXANTE_GMAIL_TIMEOUT", "60")),
            gmail_quota=_positive(env, "EXANTE_GMAIL_QUOTA", 250.0),
            oauth_token_uri=env.get("EXANTE_OAUTH_TOKEN_URI") or None,
        )

    def demo(self) -> Settings:
        """Settings for the throwaway demo store (its own database and outbox)."""
        demo_dir = self.data_dir / "demo"
        return replace(self, data_dir=demo_dir, db_url=f"sqlite:///{demo_dir / 'demo.db'}")

    def ensure_dirs(self) -> None:
        """Create the data and config directories (config private to the user)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_dir.mkdir(parents=True, exist_ok=True, mode=0o700)


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number from ``env[name]``; a ``ValidationFailed`` naming it otherwise."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ValidationFailed(
            f"{name} must be a positive number.", [ErrorDetail(name, f"{text!r} is not")]
        )
    return value
