"""Races between processes (not threads): one Gmail request per mail, whatever the timing."""

from __future__ import annotations

import json
from pathlib import Path

from crash.support import (
    add_scheduled_drafts,
    cli_env,
    drafts,
    finish,
    records,
    sent_message_ids,
    start_cli,
)
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account, SendStatus
from fakes.gmail_server import FakeGmail

SENDERS = 16
WORKERS = 8
DRAFTS = 200


def test_processes_sending_one_idempotency_key_send_once(
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    env = cli_env(settings, tmp_path / "home")
    body = tmp_path / "request.json"
    body.write_text(
        json.dumps(
            {
                "from_account_id": str(gmail_account.id),
                "to": ["customer@contoso.example"],
                "subject": "Payment reminder",
                "body_text": "Please pay.",
                "idempotency_key": "reminder-42",
            }
        )
    )
    processes = [start_cli(env, "send", "--json", str(body)) for _ in range(SENDERS)]
    answers = [finish(p) for p in processes]

    assert list(sent_message_ids(fake_gmail).values()) == [1]
    sent = [json.loads(out) for code, out, _ in answers if code == 0]
    others = [json.loads(out) for code, out, _ in answers if code != 0]
    assert sent, answers
    [record] = records(services)
    assert {a["outbound_email_uid"] for a in sent} == {str(record.id)}
    assert all(a["status"] == "sent" for a in sent)
    for answer in others:
        assert answer["error"]["code"] == "conflict"
        assert "in progress" in answer["error"]["message"]
        assert answer["error"]["outbound_email_uid"] == str(record.id)


def test_workers_over_many_due_drafts_send_each_once(
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    add_scheduled_drafts(services, gmail_account, DRAFTS)
    env = cli_env(settings, tmp_path / "home")
    workers = [start_cli(env, "worker", "--once", "--json") for _ in range(WORKERS)]
    outputs = [finish(w, timeout=180) for w in workers]

    assert [code for code, _, _ in outputs] == [0] * WORKERS, outputs
    results = [json.loads(line) for _, out, _ in outputs for line in out.splitlines()]
    sent_by_workers = [
        r["draft_uid"] for r in results if "draft_uid" in r and r["status"] == "sent"
    ]
    assert len(sent_by_workers) == len(set(sent_by_workers)) == DRAFTS
    counts = sent_message_ids(fake_gmail)
    assert len(counts) == DRAFTS and set(counts.values()) == {1}
    assert len(fake_gmail.sent) == DRAFTS
    stored = records(services)
    assert len(stored) == DRAFTS and {r.status for r in stored} == {SendStatus.SENT}
    assert all(d.outbound_email_uid and d.claimed_by is None for d in drafts(services))
