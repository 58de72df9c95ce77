"""The CLI's ``main`` called in this process (the subprocess is kept for pipelines)."""

from __future__ import annotations

import io
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exante_tui.cli import main
from fakes.gmail_server import FakeGmail


@dataclass
class Ran:
    """What one command printed and returned."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class InProcessCli:
    """``exante-tui ARGS`` run by calling ``main``, with the test's environment."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        home: Path,
        fake: FakeGmail,
        db_url: str,
    ) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        monkeypatch.setenv("EXANTE_HOME", str(home))
        monkeypatch.setenv("EXANTE_GMAIL_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("EXANTE_GMAIL_RETRY_DELAY", "0")
        monkeypatch.setenv("EXANTE_DB_URL", db_url)

    def run(self, *args: str, stdin: str = "") -> Ran:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            code = main(list(args))
        finally:
            for handler in root.handlers[len(handlers) :]:
                root.removeHandler(handler)
                handler.close()
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err
        return Ran(code, captured.out, captured.err)

    def json(self, *args: str, stdin: str = "", code: int = 0) -> Any:
        ran = self.run(*args, stdin=stdin)
        assert ran.code == code, ran.err + ran.out
        return ran.json()
