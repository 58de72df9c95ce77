"""``conversations list --search``: the query language on the demo store, through the CLI."""

from __future__ import annotations

import json

import pytest

from cli.support import Cli

RETAINER = "Q3 retainer renewal"
INVOICE = "Invoice INV-2024-001 - Payment Reminder"
WINGTIP = "Your Wingtip Cloud invoice WT-11873"
SITE = "Site visit next Tuesday"
PORTAL = "Welcome to the supplier portal"


@pytest.fixture
def demo(cli: Cli) -> Cli:
    cli.json("demo", "--json")
    return cli


def subjects(cli: Cli, query: str) -> list[str]:
    return [c["subject"] for c in cli.json("conversations", "list", "--search", query, "--json")]


OPERATORS = [
    ("from:ken has:attachment", [RETAINER]),
    ("to:tom", [SITE]),
    ("subject:renewal", [RETAINER]),
    ("filename:pdf", [RETAINER]),
    ("is:unread", [RETAINER, INVOICE]),
    ("is:starred", [WINGTIP, SITE]),
    ("label:clients", [RETAINER]),
    ("account:ada", [SITE]),
    ('"PO number 88-1402"', [INVOICE]),
    ("invoice -wingtip", [INVOICE]),
    ("extra seats", [WINGTIP]),  # a cell of the HTML invoice's table
    ("after:2000-01-01 before:2000-01-02", []),
]


def test_search_operators(demo: Cli) -> None:
    """One demo store for every operator (each CLI run is a process start)."""
    for query, expected in OPERATORS:
        assert subjects(demo, query) == expected, query


def test_human_output_lists_the_match(demo: Cli) -> None:
    result = demo.run("conversations", "list", "--search", "from:ken has:attachment")
    assert result.returncode == 0
    assert RETAINER in result.stdout
    assert INVOICE not in result.stdout


def test_bad_syntax_exits_2_with_a_validation_error_naming_the_query(cli: Cli) -> None:
    result = cli.run("conversations", "list", "--search", "after:someday", "--json")
    assert result.returncode == 2
    error = json.loads(result.stdout or result.stderr)["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "query"
    assert "YYYY-MM-DD" in error["details"][0]["message"]


def test_show_renders_html_mail_as_text(demo: Cli) -> None:
    [wingtip] = demo.json("conversations", "list", "--search", "wingtip", "--json")
    shown = demo.run("conversations", "show", wingtip["conversation_uid"])
    lines = shown.stdout.splitlines()
    assert any(line.split() == ["Extra", "seats", "3", "45.00", "EUR"] for line in lines)
    assert "online [1]" in shown.stdout
    assert "[1] https://billing.wingtip.example/invoices/WT-11873" in lines
    assert "> Questions? Reply to this email." in lines
    assert "padding" not in shown.stdout
