"""A throwaway PostgreSQL server for the test run, and a fresh database per test.

The server runs Debian's binaries (``apt-get install postgresql``) from a temporary data
directory, listens only on 127.0.0.1 at a free port (its unix socket stays in the temp
directory) and trusts local connections. PostgreSQL refuses to run as root, so under root
(CI) the server runs as the ``postgres`` system user the Debian package creates.

Durability is switched off (``fsync``, ``synchronous_commit``): the data is thrown away.
Each test database is a copy of a template that is migrated once, which is much faster
than migrating every test's database.
"""

from __future__ import annotations

import glob
import os
import pwd
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from exante_tui.store.db import Store

TEMPLATE = "exante_template"
USER = "exante"


def _bin_dir() -> Path:
    """The directory holding ``initdb`` and ``postgres`` (newest installed version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError("PostgreSQL server binaries not found; apt-get install -y postgresql")


def _version(path: str) -> int:
    return int(Path(path).parent.parent.name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgServer:
    """One PostgreSQL server under a temporary directory; ``start`` then ``stop``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="exante-pg-"))
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._user = "postgres" if os.geteuid() == 0 else None
        self._ready: queue.Queue[str] = queue.Queue(maxsize=2)
        self._dropping: queue.Queue[str] = queue.Queue()
        self._stopping = threading.Event()
        self._failure: Exception | None = None
        self._preparer = threading.Thread(target=self._prepare, name="pg-prepare", daemon=True)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgServer:
        """initdb, start the server, wait until it accepts connections, build the template."""
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        data = self.root / "data"
        bin_dir = _bin_dir()
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "--no-sync"],
            check=True,
            capture_output=True,
            user=self._user,
            cwd=self.root,
        )
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with (self.root / "server.log").open("wb") as log:
            self._process = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), *options],
                stdout=log,
                stderr=subprocess.STDOUT,
                user=self._user,
                cwd=self.root,
            )
        self._wait_ready()
        self._build_template()
        self._preparer.start()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"postgres exited:\n{(self.root / 'server.log').read_text()}")
            try:
                self._admin("SELECT 1")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _admin(self, sql: str) -> None:
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(sql))
        finally:
            engine.dispose()

    def _build_template(self) -> None:
        self._admin(f"CREATE DATABASE {TEMPLATE}")
        Store(self.url(TEMPLATE)).close()

    def create_database(self) -> str:
        """A fresh, migrated database; returns its URL (made ahead in the background)."""
        while True:
            if self._failure is not None:
                raise RuntimeError("preparing test databases failed") from self._failure
            try:
                return self._ready.get(timeout=0.1)
            except queue.Empty:
                continue

    def drop_database(self, url: str) -> None:
        """Drop a test database in the background, closing the connections left on it."""
        self._dropping.put(url.rsplit("/", 1)[1])

    def _prepare(self) -> None:
        """Keep a few databases ready and drop used ones, off the tests' critical path."""
        try:
            while not self._stopping.is_set():
                try:
                    used = self._dropping.get(timeout=0.05 if self._ready.full() else 0)
                    self._admin(f"DROP DATABASE IF EXISTS {used} WITH (FORCE)")
                except queue.Empty:
                    if not self._ready.full():
                        name = f"test_{uuid.uuid4().hex}"
                        self._admin(
                            f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"
                        )
                        self._ready.put_nowait(self.url(name))
        except Exception as exc:
            self._failure = exc

    def stop(self) -> None:
        """Stop the server at once and delete its directory."""
        self._stopping.set()
        if self._preparer.is_alive():
            self._preparer.join()
        if self._process is not None:
            self._process.send_signal(signal.SIGQUIT)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
