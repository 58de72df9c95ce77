"""``exante-tui serve`` and ``tokens create|list|revoke``: the HTTP front end and its tokens."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, print_json, print_table

if TYPE_CHECKING:
    from exante_tui.services import Services
    from exante_tui.store.api_tokens import ApiToken

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025
MAX_HEADER_BYTES = 16 * 1024
"""Largest request line plus headers; more is answered 400."""
KEEP_ALIVE_SECONDS = 5
"""How long an idle keep-alive connection stays open."""
FD_RESERVE = 96
"""Descriptors kept free of connections: the database, the log, Gmail calls, and the
connections accepted in one batch before the cap sheds the oldest slow ones."""
ACCEPT_BATCH = 32
"""Connections asyncio accepts at once (uvicorn's ``backlog``): small, so the cap acts
between batches instead of after thousands of accepts have used every descriptor."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _byte_count(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of bytes")
    return int(value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number")
    return int(value)


def token_json(record: ApiToken) -> dict[str, Any]:
    """A token as ``tokens list`` shows it: never the token itself."""
    from exante_tui.cli.public import TokenPublic

    return TokenPublic.dump(record)


def cmd_serve(services: Services, args: argparse.Namespace) -> int:
    """Serve ``POST /api/email/send`` with uvicorn until interrupted."""
    import uvicorn

    from exante_tui.api.app import create_app, max_body_from_env
    from exante_tui.api.protocol import guarded_protocol
    from exante_tui.api.tokens import ApiTokens
    from exante_tui.cli.inputs import UsageError
    from exante_tui.errors import ErrorDetail

    try:
        max_body = args.max_body or max_body_from_env()
    except ValueError as exc:
        raise UsageError(
            "The body limit is not valid.", [ErrorDetail("EXANTE_API_MAX_BODY", str(exc))]
        ) from None
    try:
        max_connections = connection_cap(args.max_connections)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(
            "The connection cap is not valid.",
            [ErrorDetail("EXANTE_API_MAX_CONNECTIONS", str(exc))],
        ) from None
    if not is_loopback(args.host):
        print(
            f"warning: serving on {args.host} over plain HTTP: Bearer tokens and mail cross the "
            "network unencrypted. Bind 127.0.0.1 and put a TLS reverse proxy (Caddy, nginx) "
            "in front instead.",
            file=sys.stderr,
        )
    if not any(t.revoked_at is None for t in ApiTokens(services.store).all_tokens()):
        print(
            "note: no live API tokens, so every request is refused; create one with "
            "`exante-tui tokens create --name NAME`.",
            file=sys.stderr,
        )
    app = create_app(services, max_body=max_body)
    _log_server_to_stderr()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        server_header=False,
        http=guarded_protocol(max_connections, services.settings.api_header_timeout),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        limit_concurrency=max_connections + 1,  # a backstop: the protocol sheds before this
        backlog=ACCEPT_BATCH,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        log_config=None,  # keep the app's logging: uvicorn's would close its handlers
        access_log=False,  # request lines can carry secrets (a token in a query string)
    )
    return 0


def connection_cap(given: int | None) -> int:
    """``--max-connections``, else ``EXANTE_API_MAX_CONNECTIONS``, else 256; lowered to
    stay ``FD_RESERVE`` descriptors under the process's limit."""
    import resource

    from exante_tui.api.protocol import MAX_CONNECTIONS

    raw = os.environ.get("EXANTE_API_MAX_CONNECTIONS", "").strip()
    wanted = given or (_positive(raw) if raw else MAX_CONNECTIONS)
    soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft_limit == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft_limit - FD_RESERVE))


def _log_server_to_stderr() -> None:
    """uvicorn's start and stop messages on stderr (they also reach the app log)."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    server_log = logging.getLogger("uvicorn.error")
    server_log.setLevel(logging.INFO)
    server_log.addHandler(handler)


def cmd_tokens_create(services: Services, args: argparse.Namespace) -> int:
    """Print a new token once; on stdout alone, so ``$(exante-tui tokens create ...)`` works."""
    from exante_tui.api.tokens import ApiTokens

    issued = ApiTokens(services.store).create(args.name, args.accounts)
    if args.as_json:
        print_json({"token": issued.token, **token_json(issued.record)})
    else:
        print(issued.token)
        print("Keep this token now: it is not shown again.", file=sys.stderr)
    return 0


def cmd_tokens_list(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.api.tokens import ApiTokens

    rows = [token_json(t) for t in ApiTokens(services.store).all_tokens()]
    shown = [{**row, "accounts": row["accounts"] or "(all)"} for row in rows]
    emit(args, rows, lambda: print_table(shown, ["name", "accounts", "created_at", "revoked_at"]))
    return 0


def cmd_tokens_revoke(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.api.tokens import ApiTokens

    record = ApiTokens(services.store).revoke(args.name)
    emit(args, token_json(record), lambda: print(f"revoked {record.name}"))
    return 0


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``tokens`` to the CLI's subparsers (``parser.add_subparsers()``)."""
    serve = subparsers.add_parser("serve", help="serve POST /api/email/send over HTTP")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    serve.add_argument(
        "--max-body",
        type=_byte_count,
        metavar="BYTES",
        help="largest request body (env EXANTE_API_MAX_BODY; default 50 MiB)",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive,
        metavar="N",
        help="open connections at most; slow clients are shed first "
        "(env EXANTE_API_MAX_CONNECTIONS; default 256)",
    )
    serve.set_defaults(handler=cmd_serve)

    tokens = subparsers.add_parser("tokens", help="Bearer tokens of the HTTP API")
    actions = tokens.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="make a token (printed once, stored hashed)")
    create.add_argument("--name", required=True, help="a unique name, e.g. the client's")
    create.add_argument(
        "--account",
        dest="accounts",
        action="append",
        default=[],
        metavar="EMAIL",
        help="only send from this account (repeatable; default: every account)",
    )
    listing = actions.add_parser("list", help="list tokens (names, scope, dates; never tokens)")
    revoke = actions.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("name", help="the token's name")
    for parser, handler in (
        (create, cmd_tokens_create),
        (listing, cmd_tokens_list),
        (revoke, cmd_tokens_revoke),
    ):
        add_json_flag(parser)
        parser.set_defaults(handler=handler)
