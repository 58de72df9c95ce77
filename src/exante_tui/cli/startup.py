"""Start-up for every command: settings, the log file and the store, or one clear error.

A bad ``EXANTE_*`` value, a directory that cannot be created and a store that cannot be
opened or migrated are usage errors (exit 2) naming what to fix, never a traceback.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from exante_tui.cli.inputs import UsageError
from exante_tui.errors import ErrorDetail

if TYPE_CHECKING:
    from exante_tui.config import Settings
    from exante_tui.services import Services

log = logging.getLogger("exante_tui")

EXTRAS = {"fastapi": "server", "starlette": "server", "uvicorn": "server", "psycopg": "postgres"}
"""Packages of the optional extras, and the extra that installs each."""


class StartupError(UsageError):
    """The program cannot start as configured; its message alone is the one line shown."""

    def __str__(self) -> str:
        return self.message


def load_settings(db_url: str | None, home: str | None) -> Settings:
    """Settings from the flags and the environment."""
    from exante_tui.config import Settings
    from exante_tui.environment import SettingsError

    try:
        return Settings.load(db_url=db_url, home=Path(home) if home else None)
    except SettingsError as exc:
        raise StartupError(str(exc), [ErrorDetail(exc.variable, exc.problem)]) from None


def log_to_file(data_dir: Path) -> Path:
    """Send log records to ``<data_dir>/logs/exante-tui.log`` (a private file); its path."""
    from exante_tui.logs import log_to_file as private_log

    try:
        return private_log(data_dir)
    except OSError as exc:
        raise _unusable_directory(exc) from None


def open_services(settings: Settings) -> Services:
    """Open (and migrate) the store named by ``settings``."""
    from sqlalchemy.exc import SQLAlchemyError

    from exante_tui.services import Services

    try:
        return Services.open(settings)
    except OSError as exc:
        raise _unusable_directory(exc) from None
    except SQLAlchemyError as exc:
        raise _unusable_store(str(getattr(exc, "orig", None) or exc)) from None
    except ModuleNotFoundError as exc:
        raise missing_extra(exc) or _unusable_store(str(exc)) from None
    except Exception as exc:  # a migration that cannot run, e.g. a store from a newer version
        log.exception("cannot migrate the store")
        raise _unusable_store(f"cannot bring the schema up to date: {exc}") from None


def missing_extra(exc: ModuleNotFoundError) -> StartupError | None:
    """The error naming the extra to install when ``exc`` is about one of its packages."""
    package = (exc.name or "").partition(".")[0]
    extra = EXTRAS.get(package)
    if extra is None:
        return None
    command = f"pip install 'exante-tui[{extra}]'"
    return StartupError(
        f"{package} is not installed; {command} adds it.", [ErrorDetail("install", command)]
    )


def _unusable_directory(exc: OSError) -> StartupError:
    where = exc.filename or "a data directory"
    problem = f"{where}: {exc.strerror or exc}"
    return StartupError(f"Cannot create {problem}.", [ErrorDetail("directory", problem)])


def _unusable_store(problem: str) -> StartupError:
    problem = problem.strip().splitlines()[0]
    return StartupError(f"Cannot open the database: {problem}", [ErrorDetail("db", problem)])
