"""``exante-tui accounts add|list|remove``: connected mailboxes."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, print_table

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_accounts_add(services: Services, args: argparse.Namespace) -> int:
    from pathlib import Path

    from exante_tui.cli.inputs import UsageError
    from exante_tui.cli.public import AccountPublic
    from exante_tui.errors import ErrorDetail

    if not (args.provider == "outbox" or args.token_file):
        return _connect_with_oauth(services, args)
    if not args.email:
        raise UsageError("Say which account.", [ErrorDetail("email", "is required")])
    if args.provider == "outbox":
        account = services.accounts.add_outbox(args.email, args.display_name)
    else:
        account = services.accounts.add_gmail_from_token_file(
            args.email, Path(args.token_file), args.display_name
        )
    payload = AccountPublic.dump(account)
    emit(args, payload, lambda: print(f"connected {account.email} ({account.provider})"))
    return 0


def _connect_with_oauth(services: Services, args: argparse.Namespace) -> int:
    """``accounts add`` without a token file: Google's consent flow on a loopback port."""
    from pathlib import Path

    from exante_tui.cli.public import AccountPublic

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
        AccountPublic.dump(account),
        lambda: print(f"connected {account.email} ({account.provider})"),
    )
    return 0


def cmd_accounts_list(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.public import AccountPublic
    from exante_tui.store import queries

    rows = [AccountPublic.dump(a) for a in queries.list_accounts(services.store)]
    emit(args, rows, lambda: print_table(rows, ["account_id", "email", "provider"]))
    return 0


def cmd_accounts_remove(services: Services, args: argparse.Namespace) -> int:
    """Forget an account and its local data, after confirmation."""
    from exante_tui.cli.inputs import UsageError
    from exante_tui.cli.public import AccountPublic
    from exante_tui.errors import ErrorDetail, NotFound
    from exante_tui.store import queries

    account = queries.account_by_email(services.store, args.email.strip().lower())
    if account is None:
        raise NotFound(f"No connected account {args.email}.", [ErrorDetail("email", args.email)])
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "Refusing to remove an account without confirmation.",
                [ErrorDetail("yes", "pass --yes to confirm when not at a terminal")],
            )
        answer = input(
            f"Remove {account.email}, its token and all its local conversations, drafts "
            "and send records? [y/N] "
        )
        if answer.strip().lower() not in {"y", "yes"}:
            raise UsageError("Nothing was removed.", [ErrorDetail("yes", "not confirmed")])
    removed = services.accounts.remove(account.email)
    emit(args, AccountPublic.dump(removed), lambda: print(f"removed {removed.email}"))
    return 0


def _read_text(path: str | None, field: str) -> str | None:
    """The UTF-8 text of ``path`` (None when not given); a usage error naming ``field``."""
    from pathlib import Path

    from exante_tui.cli.inputs import UsageError
    from exante_tui.errors import ErrorDetail

    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        reason = str(exc)
    except UnicodeDecodeError:
        reason = "is not UTF-8"
    raise UsageError("Cannot read the signature.", [ErrorDetail(field, reason)])


def cmd_accounts_signature(services: Services, args: argparse.Namespace) -> int:
    """Set (or with ``--clear`` remove) the account's signature."""
    from exante_tui.cli.inputs import UsageError
    from exante_tui.cli.public import AccountSignaturePublic
    from exante_tui.errors import ErrorDetail

    given = args.text_file is not None or args.html_file is not None
    if args.clear == given:
        raise UsageError(
            "Give the signature, or --clear it.",
            [ErrorDetail("text_file", "give --text-file (and --html-file), or --clear alone")],
        )
    text = _read_text(args.text_file, "text_file")
    html = _read_text(args.html_file, "html_file")
    account = services.signatures.set(args.email, text, html)
    payload = AccountSignaturePublic.dump(account)
    done = "set" if given else "cleared"
    emit(args, payload, lambda: print(f"signature {done} for {account.email}"))
    return 0


def register(commands: Any) -> None:
    accounts = commands.add_parser("accounts", help="connected accounts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = accounts.add_parser("add", help="connect an account")
    add.add_argument("--email", help="the address (Gmail: taken from Google when omitted)")
    add.add_argument("--token-file", help="authorized-user JSON from Credentials.to_json()")
    add.add_argument(
        "--provider",
        choices=["gmail", "outbox"],
        default="gmail",
        help="gmail sends through Google; outbox writes .eml files offline (default gmail)",
    )
    add.add_argument("--display-name", default="", help="the name shown in From")
    add.add_argument(
        "--client-secrets",
        metavar="FILE",
        help="OAuth desktop client JSON (default: client_secret.json in the config dir)",
    )
    add.add_argument(
        "--no-browser",
        action="store_true",
        help="print the consent URL instead of opening a browser",
    )
    add_json_flag(add)
    add.set_defaults(handler=cmd_accounts_add)

    listing = accounts.add_parser("list", help="list accounts")
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_accounts_list)

    signature = accounts.add_parser(
        "signature", help="the signature the composer and templates add below new mail"
    )
    signature.add_argument("email", help="the account's address")
    signature.add_argument("--text-file", metavar="F", help="the plain-text signature")
    signature.add_argument("--html-file", metavar="F", help="the HTML signature (optional)")
    signature.add_argument("--clear", action="store_true", help="remove the signature")
    add_json_flag(signature)
    signature.set_defaults(handler=cmd_accounts_signature)

    remove = accounts.add_parser("remove", help="forget an account and its local data")
    remove.add_argument("email", help="the account's address")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_json_flag(remove)
    remove.set_defaults(handler=cmd_accounts_remove)
