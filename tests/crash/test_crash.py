"""kill -9 at every step of a send, then reconcile: each mail is sent once or shown unknown.

The sending process is a real ``exante-tui`` process. It dies by SIGKILL at a named step
(``EXANTE_CRASH_AT``), or, for "during the request", is killed by the test while the
fake Gmail holds its request (Gmail then completes it, as a server would).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from builders import wait_until
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
from exante_tui.core.reconcile import reconcile
from exante_tui.core.scheduler import Scheduler
from exante_tui.services import Services
from exante_tui.store.models import Account, SendStatus
from fakes.gmail_server import FakeGmail

STEPS = [
    "before_record",
    "after_record",
    "during_request",
    "after_response",
    "before_status_update",
]
GMAIL_GOT_IT = {"during_request", "after_response", "before_status_update"}
NOW = timedelta(0)


def crash(env: dict[str, str], fake: FakeGmail, step: str, *args: str) -> None:
    """Run ``exante-tui ARGS`` and see it die by SIGKILL at ``step``."""
    if step == "during_request":
        fake.hang_next(route="messages.send")
        process = start_cli(env, *args)
        wait_until(lambda: any(r.route == "messages.send" for r in fake.requests), 60)
        process.kill()
        fake.release_hangs()
        wait_until(lambda: len(fake.sent) == 1)
    else:
        process = start_cli({**env, "EXANTE_CRASH_AT": step}, *args)
    code, out, err = finish(process)
    assert code == -9, (out, err)


def env_for(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return cli_env(settings, tmp_path / "home")


@pytest.mark.parametrize("step", STEPS)
def test_crashed_keyed_send_is_settled_then_sent_once(
    step: str,
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(
            {
                "from_account_id": str(gmail_account.id),
                "to": ["customer@contoso.example"],
                "subject": "Payment reminder",
                "body_text": "Please pay.",
                "idempotency_key": f"crash-{step}",
            }
        )
    )
    crash(env_for(settings, tmp_path), fake_gmail, step, "send", "--json", str(request))

    settled = reconcile(services.core, stale_after=NOW)

    if step == "before_record":
        assert records(services) == [] and settled == []
        services.core.send(json.loads(request.read_text()))  # the client sends again
    else:
        [record] = records(services)
        [item] = settled
        expected = SendStatus.SENT if step in GMAIL_GOT_IT else SendStatus.FAILED
        assert (item.before, item.after, record.status) == (SendStatus.PENDING, expected, expected)
        if expected == SendStatus.SENT:
            assert record.provider_message_id == fake_gmail.sent[0]["id"]
            assert record.sent_at is not None
        else:
            assert "never got it" in (record.error or "")
            services.core.retry(record.id)  # the outbox's retry: same record, same Message-ID
    [record] = records(services)
    assert record.status == SendStatus.SENT
    assert dict(sent_message_ids(fake_gmail)) == {record.rfc_message_id: 1}


@pytest.mark.parametrize("step", STEPS)
def test_crashed_worker_loses_no_draft_and_sends_it_once(
    step: str,
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    [draft_uid] = add_scheduled_drafts(services, gmail_account, 1)
    crash(env_for(settings, tmp_path), fake_gmail, step, "worker", "--once")
    [draft] = drafts(services)
    assert draft.claimed_by is not None  # the dead worker's claim

    # The next worker: releases the dead claim, reconciles, sends what is still due.
    results = Scheduler(services.core, claim_timeout=NOW, stale_after=NOW).run_once()

    [record] = records(services)
    [draft] = drafts(services)
    assert record.status == SendStatus.SENT and record.draft_uid == draft_uid
    assert draft.outbound_email_uid == record.id and draft.claimed_by is None
    assert [r.draft_uid for r in results] == ([] if step in GMAIL_GOT_IT else [draft_uid])
    assert list(sent_message_ids(fake_gmail).values()) == [1]


def test_unclear_crash_is_unknown_until_gmail_can_tell(
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    add_scheduled_drafts(services, gmail_account, 1)
    env = env_for(settings, tmp_path)
    crash(env, fake_gmail, "after_record", "worker", "--once")
    fake_gmail.fail_next(503, count=6, route="messages.list")  # one search, all its retries

    code, out, err = finish(start_cli(env, "reconcile", "--stale-after", "0", "--json"))

    assert code == 1, err
    [shown] = [json.loads(line) for line in out.splitlines()]
    assert (shown["before"], shown["status"]) == ("pending", "unknown")
    scheduler = Scheduler(services.core, claim_timeout=NOW, stale_after=NOW)
    assert scheduler.run_once() == []  # never resent while unknown
    assert fake_gmail.sent == []

    [settled] = reconcile(services.core, stale_after=NOW)
    assert settled.after == SendStatus.FAILED
    [result] = scheduler.run_once()
    assert result.response is not None and result.response.status == "sent"
    assert list(sent_message_ids(fake_gmail).values()) == [1]
