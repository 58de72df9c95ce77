"""``exante-tui prepare``: a template and its context in, the send request (or a draft) out."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import print_json

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_prepare(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import read_json

    prepared = services.preparer.prepare(read_json(args.json), draft=args.draft)
    if args.draft:
        draft_uid = services.drafts.create_from_request(prepared)
        print_json({"draft_uid": str(draft_uid)}, indent=None)
    else:
        print_json(prepared)
    return 0


def register(commands: Any) -> None:
    prepare = commands.add_parser(
        "prepare",
        help="resolve a template into a send request (pipe it to `send --json -`)",
    )
    prepare.add_argument(
        "--json",
        required=True,
        metavar="FILE|-",
        help='{"template": NAME|UID, "context": {...}, plus send fields} file or -',
    )
    prepare.add_argument(
        "--draft", action="store_true", help="save it as a draft and print its draft_uid"
    )
    prepare.set_defaults(handler=cmd_prepare)
