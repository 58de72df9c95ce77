"""``exante-tui drafts create|list``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, print_json, print_table

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_drafts_create(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import read_json

    draft_uid = services.drafts.create_from_request(read_json(args.json))
    print_json({"draft_uid": str(draft_uid)}, indent=None)
    return 0


def cmd_drafts_list(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.public import DraftPublic
    from exante_tui.store import queries

    drafts = queries.list_drafts(services.store, include_sent=args.all, limit=args.limit)
    attachments = queries.draft_attachments_meta(services.store, [d.id for d in drafts])
    rows = [DraftPublic.dump_draft(d, attachments.get(d.id, [])) for d in drafts]
    emit(args, rows, lambda: print_table(rows, ["draft_uid", "status", "to", "subject"]))
    return 0


def register(commands: Any) -> None:
    drafts = commands.add_parser("drafts", help="create and list drafts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    create = drafts.add_parser("create", help="create a draft from JSON")
    create.add_argument("--json", required=True, metavar="FILE|-", help="draft fields file or -")
    create.set_defaults(handler=cmd_drafts_create)
    listing = drafts.add_parser("list", help="list drafts")
    listing.add_argument("--all", action="store_true", help="include drafts already sent")
    listing.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_drafts_list)
