"""The CLI as a subprocess: ``python -m exante_tui`` on a private home and the fake Gmail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakes.gmail_server import FakeGmail


class Cli:
    """Runs ``python -m exante_tui`` against a private home and the fake Gmail."""

    def __init__(self, home: Path, fake: FakeGmail, db_url: str) -> None:
        self.env = {
            **os.environ,
            "EXANTE_HOME": str(home),
            "EXANTE_GMAIL_ENDPOINT": fake.endpoint,
            "EXANTE_GMAIL_RETRY_DELAY": "0",
            "EXANTE_DB_URL": db_url,
        }

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "exante_tui", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        assert "Traceback" not in result.stderr + result.stdout
        return result

    def json(self, *args: str, stdin: str | None = None, code: int = 0) -> Any:
        result = self.run(*args, stdin=stdin)
        assert result.returncode == code, result.stderr + result.stdout
        return json.loads(result.stdout)
