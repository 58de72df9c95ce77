"""``exante-tui worker``: send scheduled drafts when they are due."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from exante_tui.cli.outbox import add_stale_flag, print_settled, stale_after
from exante_tui.cli.output import add_json_flag, iso, print_json, say

if TYPE_CHECKING:
    import uuid

    from exante_tui.core.pacing import Hold
    from exante_tui.core.scheduler import ScheduledSend
    from exante_tui.services import Services


def cmd_worker(services: Services, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from exante_tui.core.reconcile import reconcile
    from exante_tui.core.scheduler import CLAIM_TIMEOUT, Scheduler
    from exante_tui.errors import Conflict

    claim_timeout = (
        CLAIM_TIMEOUT if args.claim_timeout is None else timedelta(seconds=args.claim_timeout)
    )
    scheduler = Scheduler(
        services.core,
        claim_timeout=claim_timeout,
        stale_after=stale_after(args),
        pace=services.pace,
    )
    print_settled(args, reconcile(services.core, stale_after=stale_after(args)))
    failed = False
    capped: set[uuid.UUID] = set()
    try:
        while True:
            for result in scheduler.run_once():
                error = result.error
                failed = failed or (error is not None and not isinstance(error, Conflict))
                _print_scheduled(args, result)
            held = {h.account_id: h for h in scheduler.holds.values() if h.reason == "daily_cap"}
            for account_id in held.keys() - capped:
                print_hold(args, held[account_id])
            capped = set(held)
            if args.once:
                return 1 if failed else 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def print_hold(args: argparse.Namespace, hold: Hold) -> None:
    """One line (or JSON line) about an account held back by its pacing."""
    if args.as_json:
        row = {"held": hold.email, "reason": hold.reason, "limit": hold.limit}
        print_json({**row, "until": iso(hold.until)}, indent=None)
    else:
        print(f"paused: {hold.describe()}", flush=True)


def _print_scheduled(args: argparse.Namespace, result: ScheduledSend) -> None:
    row: dict[str, Any] = {"draft_uid": str(result.draft_uid)}
    if result.response is not None:
        row.update(result.response.model_dump(mode="json"))
    if result.error is not None:
        row.update(result.error.to_payload())
    if args.as_json:
        print_json(row, indent=None)
    elif result.error is not None:
        say(f"{result.error.code}: draft {result.draft_uid}: {result.error.message}", flush=True)
    else:
        print(f"{row['status']}: draft {result.draft_uid}", flush=True)


def register(commands: Any) -> None:
    worker = commands.add_parser("worker", help="send scheduled drafts when they are due")
    worker.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    worker.add_argument(
        "--interval", type=float, default=30.0, metavar="S", help="seconds between passes"
    )
    worker.add_argument(
        "--claim-timeout",
        type=float,
        default=None,
        metavar="S",
        help="release drafts claimed longer ago than this by a worker that died (default 1800)",
    )
    add_stale_flag(worker)
    add_json_flag(worker)
    worker.set_defaults(handler=cmd_worker)
