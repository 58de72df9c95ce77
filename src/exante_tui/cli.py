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
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from exante_tui import __version__
from exante_tui.api import commands as api_commands
from exante_tui.cli_output import (
    account_json,
    conversation_json,
    draft_json,
    message_json,
    outbound_json,
    print_table,
)
from exante_tui.config import Settings
from exante_tui.core.errors import Conflict, ErrorDetail, SendError, ValidationFailed
from exante_tui.core.reconcile import Settled, reconcile
from exante_tui.core.scheduler import CLAIM_TIMEOUT, ScheduledSend, Scheduler
from exante_tui.core.send import STALE_AFTER
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import SendStatus
from exante_tui.store.types import utcnow
from exante_tui.sync import commands as sync_commands

log = logging.getLogger("exante_tui")


class UsageError(ValidationFailed):
    """Bad command-line input (exit 2), reported in the one error shape."""


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError("Cannot read the request.", [ErrorDetail("json", str(exc))]) from None
    except UnicodeDecodeError:
        raise UsageError(
            "Cannot read the request.", [ErrorDetail("json", "is not UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            "The request is not valid JSON.",
            [ErrorDetail("body", f"{exc.msg} at line {exc.lineno}, column {exc.colno}")],
        ) from None


def _uid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise UsageError(
            f"{value!r} is not a uid.", [ErrorDetail(field, "must be a UUID")]
        ) from None


def _emit(args: argparse.Namespace, payload: Any, human: Callable[[], None]) -> None:
    if getattr(args, "as_json", False) or getattr(args, "json", None):
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        human()


# -- commands -------------------------------------------------------------------------------


def cmd_send(services: Services, args: argparse.Namespace) -> int:
    response = services.core.send(_read_json(args.json))
    print(response.model_dump_json(indent=2))
    return 0


def cmd_drafts_create(services: Services, args: argparse.Namespace) -> int:
    draft_uid = services.drafts.create_from_request(_read_json(args.json))
    print(json.dumps({"draft_uid": str(draft_uid)}))
    return 0


def cmd_drafts_list(services: Services, args: argparse.Namespace) -> int:
    drafts = queries.list_drafts(services.store, include_sent=args.all, limit=args.limit)
    attachments = queries.draft_attachments_meta(services.store, [d.id for d in drafts])
    rows = [draft_json(d, attachments.get(d.id, [])) for d in drafts]
    _emit(args, rows, lambda: print_table(rows, ["draft_uid", "status", "to", "subject"]))
    return 0


def cmd_conversations_list(services: Services, args: argparse.Namespace) -> int:
    found = queries.list_conversations(services.store, search=args.search, limit=args.limit)
    rows = [conversation_json(c) for c in found]
    columns = ["conversation_uid", "last_message_at", "subject"]
    _emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_conversations_show(services: Services, args: argparse.Namespace) -> int:
    uid = _uid(args.uid, "conversation_uid")
    conversation = queries.get_conversation(services.store, uid)
    if conversation is None:
        from exante_tui.core.errors import NotFound

        raise NotFound("No such conversation.", [ErrorDetail("conversation_uid", args.uid)])
    messages = queries.conversation_messages(services.store, uid)
    payload = {**conversation_json(conversation), "messages": [message_json(m) for m in messages]}

    def human() -> None:
        print(f"{conversation.subject}  [{conversation.gmail_thread_id or 'no Gmail thread'}]")
        for message in payload["messages"]:
            print(f"\n--- {message['date']}  {message['from']} -> {', '.join(message['to'])}")
            print(message["body_text"].rstrip())

    _emit(args, payload, human)
    return 0


def cmd_outbox_list(services: Services, args: argparse.Namespace) -> int:
    rows = [outbound_json(r) for r in queries.list_outbox(services.store, limit=args.limit)]
    columns = ["outbound_email_uid", "status", "to", "subject", "error"]
    _emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_outbox_retry(services: Services, args: argparse.Namespace) -> int:
    response = services.core.retry(_uid(args.uid, "outbound_email_uid"))
    payload = json.loads(response.model_dump_json())
    _emit(args, payload, lambda: print(f"{payload['status']}: {payload['outbound_email_uid']}"))
    return 0


def _print_settled(args: argparse.Namespace, settled: list[Settled]) -> None:
    for item in settled:
        row = {
            "outbound_email_uid": str(item.outbound_email_uid),
            "before": str(item.before),
            "status": str(item.after),
            "error": item.error,
        }
        if args.as_json:
            print(json.dumps(row), flush=True)
        else:
            note = f"  ({item.error})" if item.error and item.after != "sent" else ""
            print(f"{item.after}: {item.outbound_email_uid}{note}", flush=True)


def cmd_reconcile(services: Services, args: argparse.Namespace) -> int:
    settled = reconcile(services.core, stale_after=timedelta(seconds=args.stale_after))
    _print_settled(args, settled)
    return 1 if any(item.after == SendStatus.UNKNOWN for item in settled) else 0


def cmd_worker(services: Services, args: argparse.Namespace) -> int:
    stale_after = timedelta(seconds=args.stale_after)
    scheduler = Scheduler(
        services.core,
        claim_timeout=timedelta(seconds=args.claim_timeout),
        stale_after=stale_after,
    )
    _print_settled(args, reconcile(services.core, stale_after=stale_after))
    failed = False
    try:
        while True:
            for result in scheduler.run_once():
                error = result.error
                failed = failed or (error is not None and not isinstance(error, Conflict))
                _print_scheduled(args, result)
            if args.once:
                return 1 if failed else 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def _print_scheduled(args: argparse.Namespace, result: ScheduledSend) -> None:
    row: dict[str, Any] = {"draft_uid": str(result.draft_uid)}
    if result.response is not None:
        row.update(json.loads(result.response.model_dump_json()))
    if result.error is not None:
        row.update(result.error.to_payload())
    if args.as_json:
        print(json.dumps(row), flush=True)
    elif result.error is not None:
        print(f"{result.error.code}: draft {result.draft_uid}: {result.error.message}", flush=True)
    else:
        print(f"{row['status']}: draft {result.draft_uid}", flush=True)


def cmd_accounts_add(services: Services, args: argparse.Namespace) -> int:
    if not (args.provider == "outbox" or args.token_file):
        return sync_commands.connect_account(services, args)
    if not args.email:
        raise UsageError("Say which account.", [ErrorDetail("email", "is required")])
    if args.provider == "outbox":
        account = services.accounts.add_outbox(args.email, args.display_name)
    else:
        account = services.accounts.add_gmail_from_token_file(
            args.email, Path(args.token_file), args.display_name
        )
    payload = account_json(account)
    _emit(args, payload, lambda: print(f"connected {account.email} ({account.provider})"))
    return 0


def cmd_accounts_list(services: Services, args: argparse.Namespace) -> int:
    rows = [account_json(a) for a in queries.list_accounts(services.store)]
    _emit(args, rows, lambda: print_table(rows, ["account_id", "email", "provider"]))
    return 0


def cmd_demo(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.demo import build_demo

    if queries.list_accounts(services.store):
        raise UsageError(
            "The store already has accounts; the demo fills only an empty store.",
            [ErrorDetail("db", f"{services.settings.db_url} is not empty")],
        )
    build_demo(services, utcnow())
    payload = {
        "db": services.settings.db_url,
        "accounts": [account_json(a) for a in queries.list_accounts(services.store)],
        "drafts": len(queries.list_drafts(services.store)),
        "conversations": len(queries.list_conversations(services.store)),
        "outbox": len(queries.list_outbox(services.store)),
    }
    _emit(args, payload, lambda: print(f"demo store ready: {services.settings.db_url}"))
    return 0


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


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")


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
    _json_flag(listing)
    listing.set_defaults(handler=cmd_drafts_list)

    conversations = commands.add_parser("conversations", help="browse conversations")
    conv = conversations.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = conv.add_parser("list", help="list conversations, newest first")
    listing.add_argument("--search", default="", help="filter by subject or snippet")
    listing.add_argument("--limit", type=int, default=200)
    _json_flag(listing)
    listing.set_defaults(handler=cmd_conversations_list)
    show = conv.add_parser("show", help="show one conversation and its messages")
    show.add_argument("uid")
    _json_flag(show)
    show.set_defaults(handler=cmd_conversations_show)

    outbox = commands.add_parser("outbox", help="send records").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    listing = outbox.add_parser("list", help="list send records, newest first")
    listing.add_argument("--limit", type=int, default=200)
    _json_flag(listing)
    listing.set_defaults(handler=cmd_outbox_list)
    retry = outbox.add_parser(
        "retry",
        help="resend a failed send (same Message-ID); an unknown one only once the mailbox "
        "shows it never arrived",
    )
    retry.add_argument("uid")
    _json_flag(retry)
    retry.set_defaults(handler=cmd_outbox_retry)

    reconciling = commands.add_parser(
        "reconcile", help="settle sends left pending by a crash, or unknown, via the mailbox"
    )
    _stale_flag(reconciling)
    _json_flag(reconciling)
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
    _json_flag(worker)
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
    _json_flag(add)
    add.set_defaults(handler=cmd_accounts_add)
    listing = accounts.add_parser("list", help="list accounts")
    _json_flag(listing)
    listing.set_defaults(handler=cmd_accounts_list)
    sync_commands.register_accounts_remove(accounts)
    sync_commands.register(commands)
    api_commands.register(commands)

    demo = commands.add_parser("demo", help="fill an empty store with demo data")
    _json_flag(demo)
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
