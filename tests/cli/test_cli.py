"""The CLI as a script uses it: JSON in, JSON out, exit codes 0 / 1 / 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import write_token_file
from cli.support import Cli
from fakes.gmail_server import FakeGmail


def test_demo_then_send_a_draft_writes_eml_and_sent_record(cli: Cli, tmp_path: Path) -> None:
    demo = cli.json("demo", "--json")
    assert {a["provider"] for a in demo["accounts"]} == {"outbox"}
    drafts = cli.json("drafts", "list", "--json")
    with_file = next(d for d in drafts if d["attachments"])
    response = cli.json(
        "send", "--json", "-", stdin=json.dumps({"draft_uid": with_file["draft_uid"]})
    )
    assert response["status"] == "sent"
    assert set(response) == {
        "outbound_email_uid",
        "provider_message_id",
        "provider_thread_id",
        "status",
        "sent_at",
    }
    eml = tmp_path / "home" / "data" / "outbox" / f"{response['provider_message_id']}.eml"
    assert b"INV-2024-014.pdf" in eml.read_bytes()
    outbox = cli.json("outbox", "list", "--json")
    record = next(r for r in outbox if r["outbound_email_uid"] == response["outbound_email_uid"])
    assert record["status"] == "sent" and record["draft_uid"] == with_file["draft_uid"]
    for field in ("to", "subject", "idempotency_key", "error", "context_type", "context_id"):
        assert field in record
    assert with_file["draft_uid"] not in {
        d["draft_uid"] for d in cli.json("drafts", "list", "--json")
    }


def test_conversations_list_and_show(cli: Cli) -> None:
    cli.json("demo", "--json")
    conversations = cli.json("conversations", "list", "--json")
    first = next(c for c in conversations if c["subject"].startswith("Invoice INV-2024-001"))
    assert set(first) >= {
        "conversation_uid",
        "subject",
        "gmail_thread_id",
        "owner_email",
        "last_message_at",
    }
    shown = cli.json("conversations", "show", first["conversation_uid"], "--json")
    assert len(shown["messages"]) == 2
    assert set(shown["messages"][0]) >= {
        "message_uid",
        "rfc_message_id",
        "from",
        "to",
        "subject",
        "date",
    }
    human = cli.run("conversations", "show", first["conversation_uid"])
    assert "PO number 88-1402" in human.stdout


def test_reply_from_cli_threads_through_outbox(cli: Cli) -> None:
    cli.json("demo", "--json")
    conversation = next(
        c
        for c in cli.json("conversations", "list", "--json")
        if c["subject"].startswith("Invoice INV-2024-001")
    )
    parent = cli.json("conversations", "show", conversation["conversation_uid"], "--json")[
        "messages"
    ][-1]
    response = cli.json(
        "send",
        "--json",
        "-",
        stdin=json.dumps(
            {
                "to": ["maria@contoso.example"],
                "subject": "RE: Invoice INV-2024-001 - Payment Reminder",
                "body_html": "<p>Following up here…</p>",
                "reply_to_message_uid": parent["message_uid"],
            }
        ),
    )
    assert response["provider_thread_id"] == conversation["gmail_thread_id"]
    thread = cli.json("conversations", "show", conversation["conversation_uid"], "--json")
    assert thread["messages"][-1]["in_reply_to"] == parent["rfc_message_id"]


def test_gmail_account_send_and_provider_failure_exit_code(
    cli: Cli, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    token_file = write_token_file(tmp_path / "token.json")
    account = cli.json(
        "accounts",
        "add",
        "--email",
        "billing@northwind.example",
        "--token-file",
        str(token_file),
        "--json",
    )
    token_path = tmp_path / "home" / "config" / "tokens" / f"{account['account_id']}.json"
    assert token_path.stat().st_mode & 0o777 == 0o600
    listed = cli.json("accounts", "list", "--json")
    assert listed[0]["account_id"] == account["account_id"] and listed[0]["provider"] == "gmail"
    body = {
        "from_account_id": account["account_id"],
        "to": ["c@contoso.example"],
        "subject": "Hi",
        "body_text": "x",
    }
    assert cli.json("send", "--json", "-", stdin=json.dumps(body))["status"] == "sent"
    assert len(fake_gmail.sent) == 1

    fake_gmail.fail_next(400, message="Invalid To header")
    failure = cli.json("send", "--json", "-", stdin=json.dumps(body), code=1)
    assert failure["error"]["code"] == "provider_error"
    assert "Invalid To header" in failure["error"]["message"]
    outbox = cli.json("outbox", "list", "--json")
    assert any(
        r["outbound_email_uid"] == failure["error"]["outbound_email_uid"]
        and r["status"] == "failed"
        for r in outbox
    )
    for secret in ("refresh-secret-value", "client-secret-value", "fake-access-token"):
        assert secret not in json.dumps(listed) + json.dumps(outbox)

    retried = cli.json("outbox", "retry", failure["error"]["outbound_email_uid"], "--json")
    assert retried["status"] == "sent" and len(fake_gmail.sent) == 2


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "body"),
        ("[]", "body"),
        ('{"to": ["x"], "subject": "s"}', "to[0]"),
        ('{"draft_uid": "nope"}', "draft_uid"),
    ],
)
def test_bad_input_exits_2_with_the_error_shape(cli: Cli, stdin: str, field: str) -> None:
    error = cli.json("send", "--json", "-", stdin=stdin, code=2)["error"]
    assert error["code"] == "validation_error"
    assert field in {d["field"] for d in error["details"]}


def test_not_found_exits_2(cli: Cli) -> None:
    error = cli.json(
        "send", "--json", "-", stdin='{"draft_uid": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}', code=2
    )
    assert error["error"]["code"] == "not_found"


def test_usage_errors_exit_2_without_traceback(cli: Cli, tmp_path: Path) -> None:
    assert cli.run("send").returncode == 2
    assert cli.run("frobnicate").returncode == 2
    missing = cli.run("send", "--json", str(tmp_path / "missing.json"))
    assert missing.returncode == 2
    bad_uid = cli.run("conversations", "show", "not-a-uid")
    assert bad_uid.returncode == 2 and "uid" in bad_uid.stderr
    bad_token = tmp_path / "bad.json"
    bad_token.write_text('{"client_id": "x"}')
    result = cli.run(
        "accounts", "add", "--email", "a@northwind.example", "--token-file", str(bad_token)
    )
    assert result.returncode == 2 and "token_file" in result.stderr


def test_drafts_create_prints_uid_and_schedules(cli: Cli) -> None:
    cli.json("demo", "--json")
    account = cli.json("accounts", "list", "--json")[0]["account_id"]
    created = cli.json(
        "drafts",
        "create",
        "--json",
        "-",
        stdin=json.dumps(
            {
                "from_account_id": account,
                "to": ["x@contoso.example"],
                "subject": "Later",
                "planned_send_at": "2030-01-01T09:00:00Z",
            }
        ),
    )
    drafts = {d["draft_uid"]: d for d in cli.json("drafts", "list", "--json")}
    assert drafts[created["draft_uid"]]["planned_send_at"] == "2030-01-01T09:00:00Z"
    assert drafts[created["draft_uid"]]["status"] == "scheduled"


def test_demo_refuses_a_non_empty_store(cli: Cli) -> None:
    cli.json("demo", "--json")
    assert cli.json("demo", "--json", code=2)["error"]["code"] == "validation_error"
