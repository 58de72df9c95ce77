"""``exante-tui merge``: dry run, idempotent create, paced send, threaded follow-ups."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from cli.inproc import InProcessCli
from cli.test_templates import connect
from fakes.gmail_server import FakeGmail

TEMPLATE = {
    "name": "reminder",
    "subject": "Invoice {{ number }}: payment reminder",
    "body_text": "Dear {{ customer.name }},\n{{ amount | money('EUR') }} was due {{ due | date }}.",
    "signature": False,
}
FOLLOW_UP = {
    "name": "second-reminder",
    "subject": "ignored for replies",
    "body_text": "Second reminder for {{ number }}.",
    "signature": False,
}


def invoices(count: int) -> list[dict[str, str]]:
    return [
        {
            "invoice_id": str(uuid.UUID(int=n + 1)),
            "number": f"INV-{n + 1:03d}",
            "email": f"customer{n + 1}@contoso.example",
            "customer.name": f"Customer {n + 1}",
            "amount": f"{100 + n}.50",
            "due": "2026-12-15",
        }
        for n in range(count)
    ]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


MERGE = ["merge", "--template", "reminder", "--key-column", "number"]
LINKED = ["--context-type", "invoice", "--context-id-column", "invoice_id"]


@pytest.fixture
def account_id(run: InProcessCli, tmp_path: Path) -> str:
    account = connect(run, tmp_path)
    for template in (TEMPLATE, FOLLOW_UP):
        body = json.dumps({**template, "from_account_id": account})
        run.json("templates", "create", "--json", "-", stdin=body)
    return account


def test_dry_run_renders_every_row_and_creates_nothing(
    run: InProcessCli, account_id: str, tmp_path: Path
) -> None:
    rows = write_csv(tmp_path / "rows.csv", invoices(3))
    ran = run.run(*MERGE, "--rows", str(rows), *LINKED)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "row 2  customer1@contoso.example  Invoice INV-001: payment reminder",
        "row 3  customer2@contoso.example  Invoice INV-002: payment reminder",
        "row 4  customer3@contoso.example  Invoice INV-003: payment reminder",
        "3 rows ready. Dry run: nothing was created (--create makes the drafts).",
    ]
    limited = run.json(*MERGE, "--rows", str(rows), "--limit", "1", "--json")
    assert limited["rows"] == 1 and limited["drafts"][0]["to"] == ["customer1@contoso.example"]
    assert run.json("drafts", "list", "--json") == []


def test_bad_rows_are_reported_by_number_and_nothing_is_created(
    run: InProcessCli, account_id: str, tmp_path: Path
) -> None:
    rows = invoices(5)
    rows[1]["email"] = "not an address"
    rows[2]["amount"] = "lots"
    rows[3]["invoice_id"] = "INV-4"
    rows[4]["number"] = rows[0]["number"]
    path = write_csv(tmp_path / "rows.csv", rows)
    for flags in ([], ["--create"], ["--send"]):
        ran = run.run(*MERGE, "--rows", str(path), *LINKED, *flags)
        assert ran.code == 2
        errors = [line for line in ran.out.splitlines() if "  error  " in line]
        assert errors[0].startswith("row 3  error  email: ")
        assert errors[1:] == [
            "row 4  error  template.body_text line 2: money: 'lots' is not a number",
            "row 5  error  invoice_id: 'INV-4' is not a uuid",
            "row 6  error  number: 'INV-001' is also row 2",
        ]
        assert ran.out.splitlines()[-1] == "4 of 5 rows have errors; nothing was created."
    assert run.json("drafts", "list", "--json") == []
    report = run.json(*MERGE, "--rows", str(path), "--json", code=2)
    assert [e["row"] for e in report["errors"]] == [3, 4, 6]
    assert report["errors"][0]["errors"][0]["field"] == "email"


def test_create_twice_makes_no_duplicates_then_send_links_the_invoices(
    run: InProcessCli, account_id: str, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    rows = invoices(4)
    path = write_csv(tmp_path / "rows.csv", rows)
    first = run.run(*MERGE, "--rows", str(path), *LINKED, "--create")
    assert first.out.splitlines()[-1] == "4 created, 0 already there."
    again = run.run(*MERGE, "--rows", str(path), *LINKED, "--create")
    assert again.out.splitlines()[-1] == "0 created, 4 already there."
    drafts = run.json("drafts", "list", "--json")
    assert sorted(d["subject"] for d in drafts) == [
        f"Invoice INV-00{n}: payment reminder" for n in range(1, 5)
    ]
    assert fake_gmail.sent == []

    sent = run.json(*MERGE, "--rows", str(path), *LINKED, "--send", "--json")
    assert (sent["created"], sent["already_there"], sent["sent"], sent["failed"]) == (0, 4, 4, 0)
    rerun = run.json(*MERGE, "--rows", str(path), *LINKED, "--send", "--json")
    assert (rerun["created"], rerun["queued"], rerun["sent"]) == (0, 0, 4)
    assert len(fake_gmail.sent) == 4

    outbox = run.json("outbox", "list", "--context-type", "invoice", "--json")
    assert sorted(r["context_id"] for r in outbox) == sorted(r["invoice_id"] for r in rows)
    assert {r["status"] for r in outbox} == {"sent"}
    assert run.json("outbox", "list", "--context-type", "order", "--json") == []
    [second] = [m["message"] for m in fake_gmail.sent if m["message"]["To"].startswith("customer2")]
    body = second.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == "Dear Customer 2,\n101.50 EUR was due 2026-12-15.\n"


def test_reply_to_last_threads_each_row_into_its_invoice_thread(
    run: InProcessCli, account_id: str, tmp_path: Path, fake_gmail: FakeGmail
) -> None:
    rows = invoices(3)
    path = write_csv(tmp_path / "rows.csv", rows[:2])
    run.json(*MERGE, "--rows", str(path), *LINKED, "--send", "--json")
    first = {m["message"]["To"]: m for m in fake_gmail.sent}

    path = write_csv(tmp_path / "all.csv", rows)
    follow_up = ["merge", "--template", "second-reminder", "--key-column", "number", *LINKED]
    sent = run.json(*follow_up, "--rows", str(path), "--reply-to-last", "--send", "--json")
    assert sent["sent"] == 3
    replies = {m["message"]["To"]: m for m in fake_gmail.sent[2:]}
    for n in (1, 2):
        address = f"customer{n}@contoso.example"
        original, reply = first[address], replies[address]
        assert reply["requested_thread_id"] == original["threadId"]
        assert reply["message"]["In-Reply-To"] == original["message_id"]
        assert original["message_id"] in reply["message"]["References"]
        assert reply["message"]["Subject"] == f"Re: Invoice INV-00{n}: payment reminder"
    fresh = replies["customer3@contoso.example"]  # no earlier message: a new thread
    assert fresh["requested_thread_id"] is None and fresh["message"]["In-Reply-To"] is None
    assert fresh["message"]["Subject"] == "ignored for replies"


def test_json_lines_rows_and_usage_errors(
    run: InProcessCli, account_id: str, tmp_path: Path
) -> None:
    lines = [
        {"number": "A-1", "email": "a@example.com", "customer": {"name": "A"}, "amount": 1,
         "due": "2026-01-01"},
        "not json",
        {"number": "A-3", "email": ["b@example.com", "c@example.com"], "customer": {"name": "B"},
         "amount": 2, "due": "2026-01-02"},
    ]  # fmt: skip
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    report: dict[str, Any] = run.json(*MERGE, "--rows", str(path), "--json", code=2)
    assert report["errors"] == [
        {"row": 2, "key": "", "to": [], "subject": None,
         "errors": [{"field": "row", "message": "is not JSON: Expecting value"}]},
    ]  # fmt: skip
    missing = run.json(*MERGE, "--rows", str(tmp_path / "none.csv"), "--json", code=2)
    assert missing["error"]["details"][0]["field"] == "rows"
    later = run.json(*MERGE, "--rows", str(path), "--schedule-at", "tomorrow", "--json", code=2)
    assert later["error"]["details"][0]["field"] == "schedule_at"
    orphan = run.json(*MERGE, "--rows", str(path), "--reply-to-last", "--json", code=2)
    assert orphan["error"]["details"][0]["field"] == "context_id_column"
