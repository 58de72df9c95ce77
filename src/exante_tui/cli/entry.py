"""The ``exante-tui`` command: the TUI by default, JSON-speaking subcommands for scripts.

Exit codes: 0 success, 1 provider failure or ``internal_error`` (the unexpected: the
traceback goes to the log, never to the terminal), 2 bad input or usage. Every failure is
reported in the one error shape (JSON under ``--json``).

Building the parser imports only argparse and the command modules (which defer their own
imports to their handlers), so ``--help`` stays fast: logging, the errors and the start-up
are imported once a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from exante_tui import __version__
from exante_tui.cli import (
    accounts,
    conversations,
    demo,
    drafts,
    merge,
    outbox,
    prepare,
    send,
    server,
    sync,
    templates,
    worker,
)
from exante_tui.cli.output import print_json, say

if TYPE_CHECKING:
    from pathlib import Path

    from exante_tui.errors import ExanteError
    from exante_tui.services import Services

COMMAND_GROUPS = (
    send,
    drafts,
    templates,
    prepare,
    merge,
    conversations,
    outbox,
    worker,
    accounts,
    sync,
    server,
    demo,
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
    parser.add_argument(
        "--send-delay",
        type=_send_delay,
        metavar="SECONDS",
        help="seconds a TUI send waits so u can undo it; 0 sends at once "
        "(env EXANTE_SEND_DELAY, default 10)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(commands)
    return parser


def _send_delay(text: str) -> float:
    """``--send-delay``: seconds from 0 to ``MAX_SEND_DELAY``."""
    from exante_tui.environment import MAX_SEND_DELAY

    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= seconds <= MAX_SEND_DELAY:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not between 0 and {MAX_SEND_DELAY:.0f} seconds"
        )
    return seconds


def _report(error: ExanteError, args: argparse.Namespace) -> int:
    if getattr(args, "json", None) or getattr(args, "as_json", False):
        print_json(error.to_payload())
    else:
        say(f"error: {error}", file=sys.stderr)
    return error.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)

    from exante_tui.cli.startup import load_settings, log_to_file, open_services
    from exante_tui.errors import ExanteError

    try:
        settings = load_settings(args.db, args.home)
        log_path = log_to_file(settings.data_dir)
        if args.command is None:
            from exante_tui.cli.tui import run_tui

            return run_tui(settings, args.demo, args.scheduler, args.send_delay)
        services = open_services(settings)
    except ExanteError as error:
        return _report(error, args)
    try:
        return dispatch(args, services, log_path)
    finally:
        services.close()


def dispatch(args: argparse.Namespace, services: Services, log_path: Path) -> int:
    """Run the parsed subcommand on open ``services``; every failure in the one error shape
    (the unexpected as ``internal_error``, its traceback in the log at ``log_path``)."""
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from exante_tui.cli.startup import missing_extra
    from exante_tui.errors import ErrorDetail, ExanteError, InternalError

    log = logging.getLogger("exante_tui")

    try:
        return args.handler(services, args)
    except ExanteError as error:
        return _report(error, args)
    except SQLAlchemyError as exc:
        log.exception("database error")
        reason = f"database error ({exc.__class__.__name__}); the details are in {log_path}"
        return _report(InternalError("The command failed.", [ErrorDetail("db", reason)]), args)
    except Exception as exc:
        missing = missing_extra(exc) if isinstance(exc, ModuleNotFoundError) else None
        if missing is not None:
            return _report(missing, args)
        log.exception("unexpected error")
        return _report(
            InternalError(
                "The command failed unexpectedly.",
                [ErrorDetail("command", f"the details are in {log_path}")],
            ),
            args,
        )
