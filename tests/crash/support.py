"""Helpers for tests that run ``exante-tui`` in separate processes on the test's store."""

from __future__ import annotations

import base64
import email.parser
import email.policy
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from exante_tui.config import Settings
from exante_tui.core.drafts import DraftContent
from exante_tui.services import Services
from exante_tui.store.models import Account, Draft, OutboundEmail
from fakes.gmail_server import FakeGmail


def cli_env(settings: Settings, home: Path, **extra: str) -> dict[str, str]:
    """Environment pointing ``exante-tui`` at the test's database and the fake Gmail."""
    env = {
        **os.environ,
        "EXANTE_HOME": str(home),
        "EXANTE_DB_URL": settings.db_url,
        "EXANTE_GMAIL_ENDPOINT": settings.gmail_endpoint or "",
        "EXANTE_GMAIL_RETRY_DELAY": "0",
        "EXANTE_GMAIL_TIMEOUT": "5",
    }
    env.pop("EXANTE_CRASH_AT", None)
    env.update(extra)
    return env


def start_cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``python -m exante_tui ARGS`` in the background."""
    return subprocess.Popen(
        [sys.executable, "-m", "exante_tui", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str], timeout: float = 90) -> tuple[int, str, str]:
    """Wait for a process: its exit code (negative for a signal), stdout and stderr."""
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def add_scheduled_drafts(
    services: Services, account: Account, count: int, *, due: bool = True
) -> list[uuid.UUID]:
    """``count`` complete drafts, planned an hour ago (``due``) or in a day."""
    when = services.core.clock() + (timedelta(hours=-1) if due else timedelta(days=1))
    return [
        services.drafts.create(
            DraftContent(
                account_id=account.id,
                to=[f"customer{n}@contoso.example"],
                subject=f"Scheduled {n}",
                body_text=f"Scheduled body {n}",
                planned_send_at=when,
            )
        )
        for n in range(count)
    ]


def sent_message_ids(fake: FakeGmail) -> Counter[str]:
    """How many ``messages.send`` requests Gmail got per Message-ID."""
    counts: Counter[str] = Counter()
    for request in fake.requests:
        if request.route == "messages.send" and isinstance(request.body, dict):
            raw = base64.urlsafe_b64decode(request.body["raw"] + "==")
            message = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
            counts[str(message["Message-ID"])] += 1
    return counts


def records(services: Services) -> list[OutboundEmail]:
    """Every send record."""
    with services.store.session() as session:
        return list(session.exec(select(OutboundEmail)).all())


def drafts(services: Services) -> list[Draft]:
    """Every draft."""
    with services.store.session() as session:
        return list(session.exec(select(Draft)).all())
