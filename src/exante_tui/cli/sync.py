"""``exante-tui sync`` and ``attachments save``: pulling mail from Gmail."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, iso, say

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_sync(services: Services, args: argparse.Namespace) -> int:
    """Pull threads from Gmail; a progress line on stderr, a summary (or JSON) on stdout."""
    from exante_tui.sync import SyncProgress, run_sync

    def progress(update: SyncProgress) -> None:
        print(
            f"\r{update.account_email}: {update.done}/{update.total} {update.unit}",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if update.done == update.total:
            print(file=sys.stderr)

    report = run_sync(services, args.account, args.max_threads, progress)
    rows = [
        {
            "account": result.account_email,
            "mode": result.mode or None,
            "fetched": result.fetched,
            "conversations_added": result.conversations_added,
            "messages_added": result.messages_added,
            "messages_removed": result.messages_removed,
            "synced_at": iso(result.synced_at),
            "error": result.error.to_payload()["error"] if result.error else None,
        }
        for result in report.accounts
    ]
    lines = [
        f"{row['account']}: {row['mode']} sync, {row['conversations_added']} new "
        f"conversations, {row['messages_added']} new messages, "
        f"{row['messages_removed']} removed"
        for row in rows
        if row["error"] is None
    ]
    emit(args, {"accounts": rows}, lambda: print("\n".join(lines) or "no Gmail account synced"))
    if not args.as_json:
        for error in report.errors:
            say(f"error: {error}", file=sys.stderr)
    return max((error.exit_code for error in report.errors), default=0)


def cmd_attachments_save(services: Services, args: argparse.Namespace) -> int:
    """Fetch one attachment of a synced message from Gmail into a file."""
    from pathlib import Path

    from exante_tui.cli.inputs import parse_uid
    from exante_tui.sync import save_attachment

    message_uid = parse_uid(args.message_uid, "message_uid")
    path = save_attachment(services, message_uid, args.index, Path(args.path), overwrite=args.force)
    emit(args, {"path": str(path), "size": path.stat().st_size}, lambda: say(f"saved {path}"))
    return 0


def register(commands: Any) -> None:
    """Add ``sync`` and ``attachments save`` to the top-level subcommands."""
    sync = commands.add_parser("sync", help="pull threads and messages from Gmail")
    sync.add_argument("--account", metavar="EMAIL", help="only this account (default: all)")
    sync.add_argument(
        "--max-threads",
        type=int,
        default=500,
        metavar="N",
        help="newest threads to import on a full sync (default 500)",
    )
    add_json_flag(sync)
    sync.set_defaults(handler=cmd_sync)

    attachments = commands.add_parser("attachments", help="attachments of received mail")
    actions = attachments.add_subparsers(dest="action", metavar="ACTION", required=True)
    save = actions.add_parser("save", help="fetch an attachment from Gmail into a file")
    save.add_argument("message_uid", metavar="MESSAGE_UID", help="the message, as shown")
    save.add_argument("index", type=int, metavar="INDEX", help="0-based, as listed")
    save.add_argument("path", metavar="PATH", help="file to write, or a directory")
    save.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(save)
    save.set_defaults(handler=cmd_attachments_save)
