"""The handlers of the core subcommands: send, drafts, conversations, outbox, reconcile,
worker, accounts add/list and demo. :mod:`exante_tui.cli` parses and dispatches to them."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from exante_tui.cli_output import (
    account_json,
    conversation_json,
    draft_json,
    emit,
    message_json,
    outbound_json,
    print_table,
)
from exante_tui.core.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from exante_tui.core.reconcile import Settled, reconcile
from exante_tui.core.scheduler import ScheduledSend, Scheduler
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.store.models import SendStatus
from exante_tui.store.types import utcnow
from exante_tui.sync import commands as sync_commands


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
    emit(args, rows, lambda: print_table(rows, ["draft_uid", "status", "to", "subject"]))
    return 0


def cmd_conversations_list(services: Services, args: argparse.Namespace) -> int:
    found = queries.list_conversations(services.store, search=args.search, limit=args.limit)
    rows = [conversation_json(c) for c in found]
    columns = ["conversation_uid", "last_message_at", "subject"]
    emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_conversations_show(services: Services, args: argparse.Namespace) -> int:
    uid = _uid(args.uid, "conversation_uid")
    conversation = queries.get_conversation(services.store, uid)
    if conversation is None:
        raise NotFound("No such conversation.", [ErrorDetail("conversation_uid", args.uid)])
    messages = queries.conversation_messages(services.store, uid)
    payload = {**conversation_json(conversation), "messages": [message_json(m) for m in messages]}

    def human() -> None:
        print(f"{conversation.subject}  [{conversation.gmail_thread_id or 'no Gmail thread'}]")
        for message in payload["messages"]:
            print(f"\n--- {message['date']}  {message['from']} -> {', '.join(message['to'])}")
            print(message["body_text"].rstrip())

    emit(args, payload, human)
    return 0


def cmd_outbox_list(services: Services, args: argparse.Namespace) -> int:
    rows = [outbound_json(r) for r in queries.list_outbox(services.store, limit=args.limit)]
    columns = ["outbound_email_uid", "status", "to", "subject", "error"]
    emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_outbox_retry(services: Services, args: argparse.Namespace) -> int:
    response = services.core.retry(_uid(args.uid, "outbound_email_uid"))
    payload = json.loads(response.model_dump_json())
    emit(args, payload, lambda: print(f"{payload['status']}: {payload['outbound_email_uid']}"))
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
    emit(args, payload, lambda: print(f"connected {account.email} ({account.provider})"))
    return 0


def cmd_accounts_list(services: Services, args: argparse.Namespace) -> int:
    rows = [account_json(a) for a in queries.list_accounts(services.store)]
    emit(args, rows, lambda: print_table(rows, ["account_id", "email", "provider"]))
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
    emit(args, payload, lambda: print(f"demo store ready: {services.settings.db_url}"))
    return 0
