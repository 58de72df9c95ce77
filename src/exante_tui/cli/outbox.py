"""``exante-tui outbox list|retry`` and ``reconcile``: the send records and settling them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, print_json, print_table, say

if TYPE_CHECKING:
    from datetime import timedelta

    from exante_tui.core.reconcile import Settled
    from exante_tui.services import Services


def cmd_outbox_list(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.public import OutboundPublic
    from exante_tui.store import queries

    records = queries.list_outbox(services.store, context_type=args.context_type, limit=args.limit)
    rows = [OutboundPublic.dump(r) for r in records]
    columns = ["outbound_email_uid", "status", "to", "subject", "error"]
    emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_outbox_retry(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import parse_uid

    response = services.core.retry(parse_uid(args.uid, "outbound_email_uid"))
    payload = response.model_dump(mode="json")
    emit(args, payload, lambda: print(f"{payload['status']}: {payload['outbound_email_uid']}"))
    return 0


def stale_after(args: argparse.Namespace) -> timedelta:
    """``--stale-after`` as a duration (the core's default when not given)."""
    from datetime import timedelta

    from exante_tui.core.send import STALE_AFTER

    return STALE_AFTER if args.stale_after is None else timedelta(seconds=args.stale_after)


def print_settled(args: argparse.Namespace, settled: list[Settled]) -> None:
    """One line (or JSON line) per send that reconciliation settled."""
    for item in settled:
        row = {
            "outbound_email_uid": str(item.outbound_email_uid),
            "before": str(item.before),
            "status": str(item.after),
            "error": item.error,
        }
        if args.as_json:
            print_json(row, indent=None)
        else:
            note = f"  ({item.error})" if item.error and item.after != "sent" else ""
            say(f"{item.after}: {item.outbound_email_uid}{note}", flush=True)


def cmd_reconcile(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.core.reconcile import reconcile
    from exante_tui.store.models import SendStatus

    settled = reconcile(services.core, stale_after=stale_after(args))
    print_settled(args, settled)
    return 1 if any(item.after == SendStatus.UNKNOWN for item in settled) else 0


def add_stale_flag(parser: argparse.ArgumentParser) -> None:
    """``--stale-after S``, shared by ``reconcile`` and ``worker``."""
    parser.add_argument(
        "--stale-after",
        type=float,
        default=None,
        metavar="S",
        help="settle only sends pending for longer than this (so live sends are left alone; "
        "default 900)",
    )


def register(commands: Any) -> None:
    outbox = commands.add_parser("outbox", help="send records").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    listing = outbox.add_parser("list", help="list send records, newest first")
    listing.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    listing.add_argument(
        "--context-type", metavar="TYPE", help="only sends linked to this kind of record"
    )
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_outbox_list)
    retry = outbox.add_parser(
        "retry",
        help="resend a failed send (same Message-ID); an unknown one only once the mailbox "
        "shows it never arrived",
    )
    retry.add_argument("uid", help="the outbound_email_uid, as listed")
    add_json_flag(retry)
    retry.set_defaults(handler=cmd_outbox_retry)

    reconciling = commands.add_parser(
        "reconcile", help="settle sends left pending by a crash, or unknown, via the mailbox"
    )
    add_stale_flag(reconciling)
    add_json_flag(reconciling)
    reconciling.set_defaults(handler=cmd_reconcile)
