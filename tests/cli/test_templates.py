"""``templates`` and ``prepare``: stored templates resolved into send requests and drafts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from builders import b64, write_token_file
from cli.inproc import InProcessCli
from cli.support import Cli
from fakes.gmail_server import FakeGmail

REMINDER = {
    "name": "reminder",
    "subject": "Invoice {{ invoice.number }}: payment reminder",
    "body_text": "Dear {{ customer.name }},\n\n{{ invoice.amount | money('EUR') }} was due on "
    "{{ invoice.due_date | date('%d %B %Y') }}.",
    "body_html": "<p>Dear {{ customer.name }},</p>",
    "attachments": [
        {"filename": "terms.txt", "content_type": "text/plain", "data_base64": b64(b"net 30")}
    ],
}
CONTEXT = {
    "customer": {"name": "Contoso <Ltd>"},
    "invoice": {"number": "INV-7", "amount": 1234.5, "due_date": "2026-12-15"},
}


def connect(run: InProcessCli, tmp_path: Path) -> str:
    token = write_token_file(tmp_path / "token.json")
    account = run.json(
        "accounts", "add", "--email", "billing@northwind.example", "--token-file", str(token),
        "--json",
    )  # fmt: skip
    return str(account["account_id"])


def create_template(run: InProcessCli, account_id: str, **changes: Any) -> str:
    body = {**REMINDER, "from_account_id": account_id, **changes}
    return str(
        run.json("templates", "create", "--json", "-", stdin=json.dumps(body))["template_uid"]
    )


def test_templates_create_list_show_remove(run: InProcessCli, tmp_path: Path) -> None:
    account_id = connect(run, tmp_path)
    uid = create_template(run, account_id)

    [listed] = run.json("templates", "list", "--json")
    assert listed == {
        "template_uid": uid,
        "name": "reminder",
        "subject": REMINDER["subject"],
        "fields": ["customer.name", "invoice.amount", "invoice.due_date", "invoice.number"],
    }
    by_name = run.json("templates", "show", "reminder", "--json")
    assert by_name == run.json("templates", "show", uid, "--json")
    assert by_name["attachments"] == [
        {"filename": "terms.txt", "content_type": "text/plain", "size": 6}
    ]
    assert by_name["signature"] is True and by_name["from_account_id"] == account_id
    assert "invoice.due_date" in run.run("templates", "list").out

    again = run.json("templates", "create", "--json", "-", stdin=json.dumps(REMINDER), code=2)
    assert again["error"]["details"] == [
        {"field": "name", "message": "a template named 'reminder' exists"}
    ]
    assert run.json("templates", "remove", "reminder", "--json")["template_uid"] == uid
    assert run.json("templates", "list", "--json") == []
    missing = run.json("templates", "show", "reminder", "--json", code=2)
    assert missing["error"]["details"] == [
        {"field": "template", "message": "no template 'reminder'"}
    ]


def test_bad_templates_are_refused_with_named_fields(run: InProcessCli) -> None:
    bad = {
        "name": "x",
        "subject": "{{ a",
        "from_account_id": "6e0f3c55-0000-4000-8000-000000000000",
    }
    error = run.json("templates", "create", "--json", "-", stdin=json.dumps(bad), code=2)["error"]
    assert error["code"] == "validation_error"
    fields = {d["field"] for d in error["details"]}
    assert fields == {"template.subject line 1", "body_text", "from_account_id"}
    assert run.json("templates", "list", "--json") == []


def test_prepare_prints_the_send_body_and_signature(run: InProcessCli, tmp_path: Path) -> None:
    account_id = connect(run, tmp_path)
    create_template(run, account_id)
    (tmp_path / "sig.txt").write_text("Northwind Billing\n+1 555 0100\n")
    run.json("accounts", "signature", "billing@northwind.example", "--text-file",
             str(tmp_path / "sig.txt"), "--json")  # fmt: skip
    request = {
        "template": "reminder",
        "context": CONTEXT,
        "to": ["maria@contoso.example"],
        "context_type": "invoice",
        "context_id": "1b0f3c55-0000-4000-8000-000000000007",
        "idempotency_key": "reminder-inv-7",
    }
    prepared = run.json("prepare", "--json", "-", stdin=json.dumps(request))
    assert prepared == {
        "from_account_id": account_id,
        "to": ["maria@contoso.example"],
        "subject": "Invoice INV-7: payment reminder",
        "body_text": "Dear Contoso <Ltd>,\n\n1,234.50 EUR was due on 15 December 2026.\n\n"
        "-- \nNorthwind Billing\n+1 555 0100\n",
        "body_html": '<p>Dear Contoso &lt;Ltd&gt;,</p>\n<div class="signature">-- <br>\n'
        "Northwind Billing<br>\n+1 555 0100</div>\n",
        "attachments": REMINDER["attachments"],
        "context_type": "invoice",
        "context_id": "1b0f3c55-0000-4000-8000-000000000007",
        "idempotency_key": "reminder-inv-7",
    }

    drafted = run.json("prepare", "--draft", "--json", "-", stdin=json.dumps(
        {**request, "idempotency_key": None, "planned_send_at": "2030-01-01T09:00:00Z"}
    ))  # fmt: skip
    [draft] = run.json("drafts", "list", "--json")
    assert draft["draft_uid"] == drafted["draft_uid"]
    assert draft["status"] == "scheduled" and draft["planned_send_at"] == "2030-01-01T09:00:00Z"
    assert draft["subject"] == prepared["subject"] and draft["attachments"][0]["size"] == 6


def test_prepare_errors_name_the_value_and_create_nothing(
    run: InProcessCli, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    account_id = connect(run, tmp_path)
    create_template(run, account_id)
    cases = [
        ({"invoice": {"number": "1", "amount": 1}, "customer": {"name": "c"}},
         {"field": "context.invoice.due_date",
          "message": "is missing from the context (template.body_text line 3)"}),
        ({**CONTEXT, "invoice": {**CONTEXT["invoice"], "amount": "lots"}},
         {"field": "template.body_text line 3", "message": "money: 'lots' is not a number"}),
    ]  # fmt: skip
    for context, detail in cases:
        body = {"template": "reminder", "context": context, "to": ["a@example.com"]}
        for extra in ([], ["--draft"]):
            error = run.json("prepare", *extra, "--json", "-", stdin=json.dumps(body), code=2)
            assert error["error"]["code"] == "validation_error"
            assert error["error"]["details"] == [detail]
    unknown = {"template": "nope", "context": {}, "bcc": ["not an address"]}
    details = run.json("prepare", "--json", "-", stdin=json.dumps(unknown), code=2)["error"]
    assert {d["field"] for d in details["details"]} == {"bcc[0]"}
    for name in ("remin\x00der", "reminder\r\nBcc: x@y.example", "\ud800"):
        body = {"template": name, "context": CONTEXT, "to": ["a@example.com"]}
        error = run.json("prepare", "--json", "-", stdin=json.dumps(body), code=2)["error"]
        assert error["code"] == "validation_error", name
        assert [d["field"] for d in error["details"]] == ["template"]
        assert "contains" in error["details"][0]["message"], name
    no_to = {"template": "reminder", "context": CONTEXT, "planned_send_at": "2030-01-01T00:00:00Z"}
    error = run.json("prepare", "--json", "-", stdin=json.dumps(no_to), code=2)["error"]
    assert error["details"] == [
        {"field": "planned_send_at", "message": "only for a draft (prepare --draft)"}
    ]
    assert run.json("drafts", "list", "--json") == []
    assert fake_gmail.sent == []


def test_prepare_piped_into_send_sends_through_gmail(
    cli: Cli, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    token = write_token_file(tmp_path / "token.json")
    account = cli.json(
        "accounts", "add", "--email", "billing@northwind.example", "--token-file", str(token),
        "--json",
    )  # fmt: skip
    template = {**REMINDER, "from_account_id": account["account_id"], "signature": False}
    cli.json("templates", "create", "--json", "-", stdin=json.dumps(template))
    request = {"template": "reminder", "context": CONTEXT, "to": ["maria@contoso.example"]}
    command = [sys.executable, "-m", "exante_tui"]
    prepare = subprocess.Popen(
        [*command, "prepare", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=cli.env,
        text=True,
    )
    send = subprocess.Popen(
        [*command, "send", "--json", "-"],
        stdin=prepare.stdout,
        stdout=subprocess.PIPE,
        env=cli.env,
        text=True,
    )
    assert prepare.stdout is not None
    prepare.stdout.close()
    prepare.communicate(json.dumps(request), timeout=60)
    out, _ = send.communicate(timeout=60)
    assert prepare.returncode == 0 and send.returncode == 0, out
    assert json.loads(out)["status"] == "sent"

    [sent] = fake_gmail.sent
    message = sent["message"]
    assert message["Subject"] == "Invoice INV-7: payment reminder"
    assert message["To"] == "maria@contoso.example"
    text = message.get_body(("plain",))
    assert text is not None and "1,234.50 EUR was due on 15 December 2026." in text.get_content()
    assert "-- \n" not in text.get_content()  # the template turned the signature off
    assert [p.get_filename() for p in message.iter_attachments()] == ["terms.txt"]
