"""CLI subcommands of the Gmail connection: ``sync``, ``attachments save``, ``accounts remove``
and the OAuth path of ``accounts add``.

Imports of the Gmail client stay inside the handlers so the rest of the CLI starts fast.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path
from typing import Any

from exante_tui.cli_output import account_json, add_json_flag, emit, iso
from exante_tui.core.errors import ErrorDetail, NotFound, ValidationFailed
from exante_tui.services import Services
from exante_tui.store import queries

Subparsers = Any
"""``argparse``'s private ``_SubParsersAction``."""


# -- accounts add (OAuth) / accounts remove -------------------------------------------------


def add_oauth_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``accounts add`` flags of the OAuth path."""
    parser.add_argument(
        "--client-secrets",
        metavar="FILE",
        help="OAuth desktop client JSON (default: client_secret.json in the config dir)",
    )
    parser.add_argument(
        "--no-browser",
        action="store_true",
        help="print the consent URL instead of opening a browser",
    )


def connect_account(services: Services, args: argparse.Namespace) -> int:
    """``accounts add`` without a token file: Google's consent flow on a loopback port."""

    def announce(url: str) -> None:
        lead = "Open this URL" if args.no_browser else "If no browser opened, open this URL"
        print(f"{lead} to connect a Gmail account:\n\n  {url}\n", file=sys.stderr, flush=True)

    account = services.accounts.connect_gmail(
        client_secrets=Path(args.client_secrets) if args.client_secrets else None,
        open_browser=not args.no_browser,
        announce=announce,
        email=args.email,
        display_name=args.display_name,
    )
    emit(
        args,
        account_json(account),
        lambda: print(f"connected {account.email} ({account.provider})"),
    )
    return 0


def cmd_accounts_remove(services: Services, args: argparse.Namespace) -> int:
    """Forget an account and its local data, after confirmation."""
    account = queries.account_by_email(services.store, args.email.strip().lower())
    if account is None:
        raise NotFound(f"No connected account {args.email}.", [ErrorDetail("email", args.email)])
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationFailed(
                "Refusing to remove an account without confirmation.",
                [ErrorDetail("yes", "pass --yes to confirm when not at a terminal")],
            )
        answer = input(
            f"Remove {account.email}, its token and all its local conversations, drafts "
            "and send records? [y/N] "
        )
        if answer.strip().lower() not in {"y", "yes"}:
            raise ValidationFailed("Nothing was removed.", [ErrorDetail("yes", "not confirmed")])
    removed = services.accounts.remove(account.email)
    emit(args, account_json(removed), lambda: print(f"removed {removed.email}"))
    return 0


def register_accounts_remove(accounts: Subparsers) -> None:
    """Add ``accounts remove EMAIL [--yes]``."""
    remove = accounts.add_parser("remove", help="forget an account and its local data")
    remove.add_argument("email")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_json_flag(remove)
    remove.set_defaults(handler=cmd_accounts_remove)


# -- sync / attachments save ----------------------------------------------------------------


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
            print(f"error: {error}", file=sys.stderr)
    return max((error.exit_code for error in report.errors), default=0)


def cmd_attachments_save(services: Services, args: argparse.Namespace) -> int:
    """Fetch one attachment of a synced message from Gmail into a file."""
    from exante_tui.sync import save_attachment

    try:
        message_uid = uuid.UUID(args.message_uid)
    except ValueError:
        raise ValidationFailed(
            f"{args.message_uid!r} is not a uid.", [ErrorDetail("message_uid", "must be a UUID")]
        ) from None
    path = save_attachment(services, message_uid, args.index, Path(args.path), overwrite=args.force)
    emit(args, {"path": str(path), "size": path.stat().st_size}, lambda: print(f"saved {path}"))
    return 0


def register(commands: Subparsers) -> None:
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
    save.add_argument("message_uid", metavar="MESSAGE_UID")
    save.add_argument("index", type=int, metavar="INDEX", help="0-based, as listed")
    save.add_argument("path", metavar="PATH", help="file to write, or a directory")
    save.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(save)
    save.set_defaults(handler=cmd_attachments_save)
