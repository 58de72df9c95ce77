"""Settings: where the store and tokens live, which Gmail endpoint to talk to.

Every setting has an environment variable (prefix ``EXANTE_``, read and type-checked in
`exante_tui.environment`) and some have a CLI flag; the flag wins over the environment, the
environment over the default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from platformdirs import user_config_path, user_data_path

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
    send_rate: int | None = None
    """Scheduled sends a minute per account (``EXANTE_SEND_RATE``); None: no rate."""
    daily_cap: int | None = None
    """Sends per account in 24 hours (``EXANTE_DAILY_CAP``); None: 500 gmail.com, 2,000
    Workspace."""

    send_delay: float = 10.0
    """Seconds a TUI send waits, cancellable (undo-send); 0 sends at once."""

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
        """Resolve settings from arguments, then ``EXANTE_*`` variables, then defaults.

        Raises `exante_tui.environment.SettingsError` naming the first variable that is not
        valid.
        """
        from exante_tui.environment import read_environment

        env = read_environment()
        home = home or env.home
        if home is not None:
            data_dir, config_dir = home / "data", home / "config"
        else:
            data_dir, config_dir = user_data_path(APP_NAME), user_config_path(APP_NAME)
        return cls(
            data_dir=data_dir,
            config_dir=config_dir,
            db_url=db_url or env.db_url or f"sqlite:///{data_dir / 'exante.db'}",
            gmail_endpoint=env.gmail_endpoint,
            gmail_retry_base_delay=env.gmail_retry_delay,
            gmail_timeout=env.gmail_timeout,
            gmail_quota=env.gmail_quota,
            oauth_token_uri=env.oauth_token_uri,
            send_rate=env.send_rate,
            daily_cap=env.daily_cap,
            send_delay=env.send_delay,
        )

    def demo(self) -> Settings:
        """Settings for the throwaway demo store (its own database and outbox)."""
        demo_dir = self.data_dir / "demo"
        return replace(self, data_dir=demo_dir, db_url=f"sqlite:///{demo_dir / 'demo.db'}")

    def ensure_dirs(self) -> None:
        """Create the data and config directories, both private to the user (0700)."""
        from exante_tui.private_files import private_dir

        private_dir(self.data_dir)
        private_dir(self.config_dir)
