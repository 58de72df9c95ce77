"""``exante-tui send``: the send request body in, the send response out."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import print_json

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_send(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import read_json

    response = services.core.send(read_json(args.json))
    print_json(response.model_dump(mode="json"))
    return 0


def register(commands: Any) -> None:
    send = commands.add_parser("send", help="send a message (the send request body as JSON)")
    send.add_argument("--json", required=True, metavar="FILE|-", help="request body file or -")
    send.set_defaults(handler=cmd_send)
