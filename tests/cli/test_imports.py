"""The start-up rule: each subcommand imports only what it uses (checked in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail

RUN_AND_LIST_MODULES = """\
import json, sys
from exante_tui.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""

NEVER_ON_THE_SEND_PATH = (
    "fastapi",
    "uvicorn",
    "textual",
    "alembic",
    "google_auth_oauthlib",
    "oauthlib",
    "exante_tui.sync",
    "exante_tui.api",
    "exante_tui.tui",
)


def run_cli(env: dict[str, str], *args: str) -> tuple[int, set[str], str]:
    """Run the CLI in a fresh interpreter: its exit code, the modules it loaded, stdout."""
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), result.stdout


def loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(f"{package}."))


def test_send_imports_no_server_tui_migrations_sync_or_oauth(
    tmp_path: Path, db_url: str, fake_gmail: FakeGmail, gmail_account: Account
) -> None:
    request = tmp_path / "send.json"
    request.write_text(
        json.dumps(
            {
                "from_account_id": str(gmail_account.id),
                "to": ["maria@contoso.example"],
                "subject": "Invoice",
                "body_text": "Hello.",
            }
        )
    )
    env = {
        **os.environ,
        "EXANTE_HOME": str(tmp_path / "home"),
        "EXANTE_DB_URL": db_url,
        "EXANTE_GMAIL_ENDPOINT": fake_gmail.endpoint,
    }
    code, modules, stdout = run_cli(env, "send", "--json", str(request))
    assert code == 0, stdout
    assert json.loads(stdout)["status"] == "sent"
    assert len(fake_gmail.sent) == 1
    for package in NEVER_ON_THE_SEND_PATH:
        assert loaded(modules, package) == [], f"send imported {package}"


HELP_AND_LIST_MODULES = """\
import sys
from exante_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""
"""Like ``RUN_AND_LIST_MODULES`` without importing json itself, so ``--help`` can be checked
for json too."""

NEVER_FOR_HELP = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "textual",
    "googleapiclient",
    "exante_tui.core",
    "exante_tui.store",
    "exante_tui.services",
    "exante_tui.config",
    "exante_tui.errors",
    "exante_tui.cli.inputs",
    "exante_tui.cli.public",
    "exante_tui.cli.startup",
    "logging",
    "dataclasses",
    "inspect",
    "json",
    "uuid",
    "platform",
    "datetime",
    "pathlib",
    "ipaddress",
    "urllib",
)
"""What building the parser and printing help never needs: the store, the models, the
errors' dataclasses, logging and the standard library modules only handlers use."""


@pytest.mark.parametrize("args", [["--help"], ["merge", "--help"], ["tokens", "list", "--help"]])
def test_help_imports_only_argparse_and_the_command_modules(
    tmp_path: Path, args: list[str]
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", HELP_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "EXANTE_HOME": str(tmp_path / "home")},
        timeout=60,
    )
    assert result.returncode == 0 and "usage: exante-tui" in result.stdout, result.stderr
    modules = set(result.stderr.split())
    for package in NEVER_FOR_HELP:
        assert loaded(modules, package) == [], f"{' '.join(args)} imported {package}"


def test_listing_the_outbox_does_not_import_the_send_path(tmp_path: Path, db_url: str) -> None:
    env = {**os.environ, "EXANTE_HOME": str(tmp_path / "home"), "EXANTE_DB_URL": db_url}
    assert run_cli(env, "demo")[0] == 0
    code, modules, stdout = run_cli(env, "outbox", "list", "--json")
    assert code == 0 and isinstance(json.loads(stdout), list)
    for package in ("alembic", "googleapiclient", "email_validator", "exante_tui.core.send"):
        assert loaded(modules, package) == [], f"outbox list imported {package}"
