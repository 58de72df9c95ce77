"""Real ``exante-tui serve`` processes on loopback for the tests that need sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from exante_tui.config import Settings

# ``exante-tui`` with the API subcommands registered (the CLI proper wires them the same way).
_CLI = """
import argparse, sys
from exante_tui.cli.server import register
from exante_tui.config import Settings
from exante_tui.services import Services
parser = argparse.ArgumentParser(prog="exante-tui")
register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args()
services = Services.open(Settings.load())
try:
    sys.exit(args.handler(services, args))
finally:
    services.close()
"""


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


@contextmanager
def running_server(env: dict[str, str], log: Path, *args: str) -> Iterator[Server]:
    """``exante-tui serve --port <free> ARGS`` until the block ends (then SIGTERM)."""
    port = free_port()
    command = [sys.executable, "-c", _CLI, "serve", "--port", str(port), *args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(process, port, log)
        yield Server(f"http://127.0.0.1:{port}", port, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
