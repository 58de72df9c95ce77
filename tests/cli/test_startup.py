"""Start-up failures are one clear line and exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from exante_tui.config import Settings
from exante_tui.environment import SettingsError


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "exante_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "EXANTE_HOME": str(home), **env},
        timeout=60,
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("EXANTE_GMAIL_TIMEOUT", "abc", "valid number"),
        ("EXANTE_GMAIL_TIMEOUT", "0", "greater than 0"),
        ("EXANTE_GMAIL_RETRY_DELAY", "nan", "finite number"),
        ("EXANTE_GMAIL_ENDPOINT", "gmail.example", "http:// or https:// URL"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(
    tmp_path: Path, variable: str, value: str, problem: str
) -> None:
    result = run(tmp_path, "outbox", "list", **{variable: value})
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: {variable}: {value!r} is not valid") and problem in line


def test_a_bad_variable_in_json_names_the_field(tmp_path: Path) -> None:
    result = run(tmp_path, "outbox", "list", "--json", EXANTE_GMAIL_TIMEOUT="abc")
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == ["EXANTE_GMAIL_TIMEOUT"]


@pytest.mark.parametrize("command", [(), ("outbox", "list")], ids=["tui", "outbox-list"])
def test_a_home_that_cannot_be_created_is_one_line(tmp_path: Path, command: tuple[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run(blocker / "home", *command)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: Cannot create {blocker}")


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database\n" * 100)
    result = run(tmp_path / "home", "--db", f"sqlite:///{junk}", "outbox", "list")
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: Cannot open the database: file is not a database"]


def test_a_store_from_a_newer_version_is_one_line(tmp_path: Path, db_url: str) -> None:
    assert run(tmp_path, "--db", db_url, "outbox", "list").returncode == 0
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = run(tmp_path, "--db", db_url, "outbox", "list")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: Cannot open the database: cannot bring the schema up to date")
    assert "9999" in line


def test_settings_are_typed_and_empty_variables_count_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXANTE_HOME", str(tmp_path))
    monkeypatch.setenv("EXANTE_GMAIL_TIMEOUT", "2.5")
    monkeypatch.setenv("EXANTE_GMAIL_ENDPOINT", "")
    monkeypatch.delenv("EXANTE_DB_URL", raising=False)
    settings = Settings.load()
    assert settings.gmail_timeout == 2.5 and settings.gmail_endpoint is None
    assert settings.data_dir == tmp_path / "data"
    assert settings.db_url == f"sqlite:///{tmp_path / 'data' / 'exante.db'}"
    assert Settings.load(db_url="sqlite:///x.db").db_url == "sqlite:///x.db"


def test_settings_error_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXANTE_OAUTH_TOKEN_URI", "ftp://tokens.example")
    with pytest.raises(SettingsError) as raised:
        Settings.load()
    assert raised.value.variable == "EXANTE_OAUTH_TOKEN_URI"


@pytest.mark.parametrize(
    ("absent", "args", "extra"),
    [
        ("uvicorn", ["serve", "--port", "1"], "server"),
        (
            "psycopg",
            ["--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "outbox", "list"],
            "postgres",
        ),
    ],
)
def test_a_missing_extra_names_the_install_command(
    tmp_path: Path, absent: str, args: list[str], extra: str
) -> None:
    code = (
        f"import sys; sys.modules[{absent!r}] = None; "
        f"from exante_tui.cli import main; sys.exit(main({args!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "EXANTE_HOME": str(tmp_path)},
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {absent} is not installed; pip install 'exante-tui[{extra}]' adds it."
    ]
