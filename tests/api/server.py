"""Real ``exante-tui serve`` processes on loopback for the tests that need sockets."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from exante_tui.config import Settings


@dataclass
class Server:
    """A running server: its base URL and the file collecting its output."""

    url: str
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(settings: Settings, home: Path) -> dict[str, str]:
    """Environment that points a server process at the test's store and fake Gmail."""
    return {
        **os.environ,
        "EXANTE_HOME": str(home),
        "EXANTE_DB_URL": settings.db_url,
        "EXANTE_GMAIL_ENDPOINT": settings.gmail_endpoint or "",
        "EXANTE_GMAIL_RETRY_DELAY": "0",
        "EXANTE_GMAIL_TIMEOUT": "5",
    }


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text()}")


def _limit_descriptors(count: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return limit


@contextmanager
def running_server(
    env: dict[str, str], log: Path, *args: str, fd_limit: int | None = None
) -> Iterator[Server]:
    """``exante-tui serve --port <free> ARGS`` until the block ends (then SIGTERM);
    ``fd_limit`` lowers the server's file descriptor limit (RLIMIT_NOFILE)."""
    port = free_port()
    command = [sys.executable, "-m", "exante_tui", "serve", "--port", str(port), *args]
    limit = _limit_descriptors(fd_limit) if fd_limit else None
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, preexec_fn=limit
        )
    try:
        _wait_until_listening(process, port, log)
        yield Server(f"http://127.0.0.1:{port}", port, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
