"""``exante-tui worker --once`` and ``exante-tui reconcile`` as a cron job sees them."""

from __future__ import annotations

from pathlib import Path

from crash.support import add_scheduled_drafts, cli_env, finish, start_cli
from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.store.models import Account
from fakes.gmail_server import FakeGmail


def test_worker_once_reports_each_draft_and_fails_on_a_failed_send(
    services: Services,
    settings: Settings,
    gmail_account: Account,
    fake_gmail: FakeGmail,
    tmp_path: Path,
) -> None:
    env = cli_env(settings, tmp_path / "home")
    add_scheduled_drafts(services, gmail_account, 2)
    fake_gmail.fail_next(400, message="Invalid To header")  # the first draft sent fails

    code, out, err = finish(start_cli(env, "worker", "--once"))

    assert code == 1, err
    lines = sorted(out.splitlines())
    assert len(lines) == 2
    assert lines[0].startswith("provider_error: draft ") and "Invalid To header" in lines[0]
    assert lines[1].startswith("sent: draft ")
    assert len(fake_gmail.sent) == 1
    assert finish(start_cli(env, "worker", "--once"))[:2] == (0, "")  # nothing left due
    assert finish(start_cli(env, "reconcile"))[:2] == (0, "")  # nothing in doubt
