"""``exante-tui demo``: fill an empty store with the demo data."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_demo(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import UsageError
    from exante_tui.cli.public import AccountPublic
    from exante_tui.demo import build_demo
    from exante_tui.errors import ErrorDetail
    from exante_tui.store import queries
    from exante_tui.store.types import utcnow

    if queries.list_accounts(services.store):
        raise UsageError(
            "The store already has accounts; the demo fills only an empty store.",
            [ErrorDetail("db", f"{services.settings.db_url} is not empty")],
        )
    build_demo(services, utcnow())
    payload = {
        "db": services.settings.db_url,
        "accounts": [AccountPublic.dump(a) for a in queries.list_accounts(services.store)],
        "drafts": len(queries.list_drafts(services.store)),
        "conversations": len(queries.list_conversations(services.store)),
        "outbox": len(queries.list_outbox(services.store)),
    }
    emit(args, payload, lambda: print(f"demo store ready: {services.settings.db_url}"))
    return 0


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="fill an empty store with demo data")
    add_json_flag(demo)
    demo.set_defaults(handler=cmd_demo)
