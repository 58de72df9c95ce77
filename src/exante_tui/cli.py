"""The ``exante-tui`` command: the TUI by default, JSON-speaking subcommands for scripts.

Exit codes: 0 success, 1 provider (or unexpected) failure, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from exante_tui import __version__
from exante_tui.api import commands as api_commands
from exante_tui.cli_commands import (
    UsageError,
    cmd_accounts_add,
    cmd_accounts_list,
    cmd_conversations_list,
    cmd_conversations_show,
    cmd_demo,
    cmd_drafts_create,
    cmd_drafts_list,
    cmd_outbox_list,
    cmd_outbox_retry,
    cmd_reconcile,
    cmd_send,
    cmd_worker,
)
from exante_tui.cli_output import add_json_flag
from exante_tui.config import Settings
from exante_tui.core.errors import ErrorDetail, SendError
from exante_tui.core.scheduler import CLAIM_TIMEOUT
from exante_tui.core.send import STALE_AFTER
from exante_tui.services import Services
from exante_tui.store.types import utcnow
from exante_tui.sync import commands as sync_commands

log = logging.getLogger("exante_tui")


def run_tui(settings: Settings, demo: bool, scheduler: bool = True) -> int:
    """Open the Textual app; ``demo`` rebuilds a throwaway demo store first.

    The app sends due scheduled drafts in the background unless ``scheduler`` is off or
    ``EXANTE_TUI_SCHEDULER=0``.
    """
    from exante_tui.tui.app import ExanteApp

    if demo:
        settings = settings.demo()
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    services = Services.open(settings)
    try:
        if demo:
            from exante_tui.demo import build_demo

            build_demo(services, utcnow())
        scheduler = scheduler and os.environ.get("EXANTE_TUI_SCHEDULER", "1") != "0"
        ExanteApp(services, scheduler=scheduler).run()
    finally:
        services.close()
    return 0


# -- parser ---------------------------------------------------------------------------------


def _stale_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stale-after",
        type=float,
        default=STALE_AFTER.total_seconds(),
        metavar="S",
        help="settle only sends pending for longer than this (so live sends are left alone)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exante-tui", description="Compose and send business mail through Gmail."
    )
    parser.add_argument("--version", action="version", version=f"exante-tui {__version__}")
    parser.add_argument("--db", help="SQLAlchemy database URL (env EXANTE_DB_URL)")
    parser.add_argument("--home", help="config and data directory (env EXANTE_HOME)")
    parser.add_argument(
        "--demo", action="store_true", help="open a fresh demo store (offline, no Google account)"
    )
    parser.add_argument(
        "--no-scheduler",
        dest="scheduler",
        action="store_false",
        help="do not send scheduled drafts from the TUI (env EXANTE_TUI_SCHEDULER=0)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    send = commands.add_parser("send", help="send a message (the seed's request body as JSON)")
    send.add_argument("--json", required=True, metavar="FILE|-", help="request body file or -")
    send.set_defaults(handler=cmd_send)

    drafts = commands.add_parser("drafts", help="create and list drafts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    create = drafts.add_parser("create", help="create a draft from JSON")
    create.add_argument("--json", required=True, metavar="FILE|-", help="draft fields file or -")
    create.set_defaults(handler=cmd_drafts_create)
    listing = drafts.add_parser("list", help="list drafts")
    listing.add_argument("--all", action="store_true", help="include drafts already sent")
    listing.add_argument("--limit", type=int, default=200)
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_drafts_list)

    conversations = commands.add_parser("conversations", help="browse conversations")
    conv = conversations.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = conv.add_parser("list", help="list conversations, newest first")
    listing.add_argument("--search", default="", help="filter by subject or snippet")
    listing.add_argument("--limit", type=int, default=200)
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_conversations_list)
    show = conv.add_parser("show", help="show one conversation and its messages")
    show.add_argument("uid")
    add_json_flag(show)
    show.set_defaults(handler=cmd_conversations_show)

    outbox = commands.add_parser("outbox", help="send records").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    listing = outbox.add_parser("list", help="list send records, newest first")
    listing.add_argument("--limit", type=int, default=200)
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_outbox_list)
    retry = outbox.add_parser(
        "retry",
        help="resend a failed send (same Message-ID); an unknown one only once the mailbox "
        "shows it never arrived",
    )
    retry.add_argument("uid")
    add_json_flag(retry)
    retry.set_defaults(handler=cmd_outbox_retry)

    reconciling = commands.add_parser(
        "reconcile", help="settle sends left pending by a crash, or unknown, via the mailbox"
    )
    _stale_flag(reconciling)
    add_json_flag(reconciling)
    reconciling.set_defaults(handler=cmd_reconcile)

    worker = commands.add_parser("worker", help="send scheduled drafts when they are due")
    worker.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    worker.add_argument(
        "--interval", type=float, default=30.0, metavar="S", help="seconds between passes"
    )
    worker.add_argument(
        "--claim-timeout",
        type=float,
        default=CLAIM_TIMEOUT.total_seconds(),
        metavar="S",
        help="release drafts claimed longer ago than this by a worker that died",
    )
    _stale_flag(worker)
    add_json_flag(worker)
    worker.set_defaults(handler=cmd_worker)

    accounts = commands.add_parser("accounts", help="connected accounts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = accounts.add_parser("add", help="connect an account")
    add.add_argument("--email", help="the address (Gmail: taken from Google when omitted)")
    add.add_argument("--token-file", help="authorized-user JSON from Credentials.to_json()")
    add.add_argument("--provider", choices=["gmail", "outbox"], default="gmail")
    add.add_argument("--display-name", default="")
    sync_commands.add_oauth_arguments(add)
    add_json_flag(add)
    add.set_defaults(handler=cmd_accounts_add)
    listing = accounts.add_parser("list", help="list accounts")
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_accounts_list)
    sync_commands.register_accounts_remove(accounts)
    sync_commands.register(commands)
    api_commands.register(commands)

    demo = commands.add_parser("demo", help="fill an empty store with demo data")
    add_json_flag(demo)
    demo.set_defaults(handler=cmd_demo)
    return parser


def _log_to_file(settings: Settings) -> Path:
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "exante-tui.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    return path


def _report(error: SendError, args: argparse.Namespace) -> int:
    if getattr(args, "json", None) or getattr(args, "as_json", False):
        print(json.dumps(error.to_payload(), indent=2, ensure_ascii=False))
    else:
        print(f"error: {error}", file=sys.stderr)
    return error.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load(db_url=args.db, home=Path(args.home) if args.home else None)
        log_path = _log_to_file(settings)
        if args.command is None:
            return run_tui(settings, args.demo, args.scheduler)
        services = Services.open(settings)
    except SQLAlchemyError as exc:
        return _report(UsageError("Cannot open the database.", [ErrorDetail("db", str(exc))]), args)
    try:
        return args.handler(services, args)
    except SendError as error:
        return _report(error, args)
    except SQLAlchemyError as exc:
        log.exception("database error")
        print(f"error: database error: {exc.__class__.__name__} (see {log_path})", file=sys.stderr)
        return 1
    except Exception:
        log.exception("unexpected error")
        print(f"error: unexpected failure; details are in {log_path}", file=sys.stderr)
        return 1
    finally:
        services.close()
