"""``exante-tui tokens …`` and ``serve`` as the CLI runs them, and the ApiToken migration."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from exante_tui.api.tokens import ApiTokens
from exante_tui.cli import server as commands
from exante_tui.errors import ValidationFailed
from exante_tui.services import Services
from exante_tui.store.db import migrate
from exante_tui.store.search import include_in_autogenerate


def run(services: Services, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="exante-tui")
    commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(services, args)


def test_tokens_create_prints_the_token_once(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    services.accounts.add_outbox("desk@northwind.example")
    assert (
        run(
            services,
            "tokens",
            "create",
            "--name",
            "ci",
            "--account",
            "desk@northwind.example",
            "--json",
        )
        == 0
    )
    created = json.loads(capsys.readouterr().out)

    assert created["name"] == "ci" and created["accounts"] == ["desk@northwind.example"]
    assert ApiTokens(services.store).verify(created["token"]) is not None

    run(services, "tokens", "list", "--json")
    listed = capsys.readouterr().out
    assert created["token"] not in listed
    assert json.loads(listed) == [{k: v for k, v in created.items() if k != "token"}]


def test_tokens_create_without_json_prints_only_the_token_on_stdout(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    run(services, "tokens", "create", "--name", "ci")
    out, err = capsys.readouterr()
    assert ApiTokens(services.store).verify(out.strip()) is not None
    assert "not shown again" in err


def test_tokens_revoke_and_list(services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    run(services, "tokens", "create", "--name", "ci")
    run(services, "tokens", "create", "--name", "laptop")
    capsys.readouterr()
    assert run(services, "tokens", "revoke", "ci", "--json") == 0
    assert json.loads(capsys.readouterr().out)["revoked_at"].endswith("Z")

    run(services, "tokens", "list")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "ACCOUNTS", "CREATED_AT", "REVOKED_AT"]
    assert lines[1].startswith("ci ") and lines[1].rstrip().endswith("Z")
    assert lines[2].startswith("laptop") and "(all)" in lines[2]


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("localhost", False),
        ("0.0.0.0", True),
        ("mail.lan", True),
    ],
)
def test_serve_warns_about_plain_http_off_loopback(
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    host: str,
    warned: bool,
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    ApiTokens(services.store).create("ci")

    assert run(services, "serve", "--host", host) == 0
    [kwargs] = calls
    assert (kwargs["host"], kwargs["port"]) == (host, 8025)
    err = capsys.readouterr().err
    assert ("TLS reverse proxy" in err) is warned
    assert "no live API tokens" not in err


def test_serve_notes_that_there_are_no_tokens(
    services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: None)
    run(services, "serve")
    assert "no live API tokens" in capsys.readouterr().err


def test_serve_refuses_a_bad_body_limit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: None)
    monkeypatch.setenv("EXANTE_API_MAX_BODY", "lots")
    with pytest.raises(ValidationFailed) as caught:
        run(services, "serve")
    assert caught.value.details[0].field == "EXANTE_API_MAX_BODY"
    with pytest.raises(SystemExit):
        run(services, "serve", "--max-body", "-1")


def test_migration_matches_the_model_and_downgrades(services: Services) -> None:
    engine = services.store.engine
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_in_autogenerate}
        )
        assert compare_metadata(context, SQLModel.metadata) == []
    migrate(engine, "0001", down=True)
    assert not inspect(engine).has_table("apitoken")
    migrate(engine, "head")
    assert inspect(engine).has_table("apitoken")
