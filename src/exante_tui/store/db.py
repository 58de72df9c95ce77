"""Engine and session factory; the schema is created and upgraded by Alembic migrations.

Opening a store reads the stored revision (one small query) and compares it with the
newest migration shipped, read from the migration files' ``revision``/``down_revision``
lines; Alembic itself is imported only when an upgrade is due.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from exante_tui.private_files import private_dir, private_file
from exante_tui.store import api_tokens, models  # noqa: F401  (registers the tables)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION_LINE = re.compile(
    r"^(down_revision|revision)\b[^=]*=\s*(?:\"([^\"]+)\"|'([^']+)'|None)", re.MULTILINE
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_database(path: Path) -> None:
    """The database file made 0600 in a 0700 directory before SQLite opens it: SQLite
    creates its -wal and -shm files with the database file's mode."""
    private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            private_file(sidecar)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_database(Path(parsed.database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@cache
def head_revision() -> str:
    """The newest shipped migration: the one revision no other revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, double, single in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            value = double or single
            if value:
                (revisions if name == "revision" else revised).add(value)
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def stored_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database Alembic has not touched."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at the migrations shipped in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema up to the newest migration."""
    migrate(engine, "head")


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the schema to ``revision`` in one transaction.

    On SQLite the migrations run with foreign keys off, as SQLite's own procedure for a
    table rebuild asks: dropping a table with them on deletes (or clears) every row that
    points at it, and revision 0011 rebuilds ``draft`` and ``outboundemail``. SQLite ignores
    the pragma inside a transaction, so it is set before the transaction begins and set back
    once it has ended; a rebuild checks its own references (``PRAGMA foreign_key_check``).
    """
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _set_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(config, revision)
        finally:
            if sqlite:
                _set_foreign_keys(connection, on=True)


def _set_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Turn SQLite's foreign keys on or off for ``connection`` (outside a transaction)."""
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    state = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    connection.commit()
    if state != int(on):
        connection.invalidate()  # never back into the pool in the wrong state
        raise RuntimeError(f"SQLite did not turn foreign keys {'on' if on else 'off'}")


class Store:
    """The database of one run: an engine with an up-to-date schema, and sessions on it."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate and stored_revision(self.engine) != head_revision():
            upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
