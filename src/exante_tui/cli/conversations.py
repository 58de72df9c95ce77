"""``exante-tui conversations list|show``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, iso, print_table, say

if TYPE_CHECKING:
    from exante_tui.services import Services


def cmd_conversations_list(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.public import ConversationPublic
    from exante_tui.store import queries

    found = queries.list_conversations(services.store, search=args.search, limit=args.limit)
    rows = [ConversationPublic.dump(c) for c in found]
    columns = ["conversation_uid", "last_message_at", "subject"]
    emit(args, rows, lambda: print_table(rows, columns))
    return 0


def cmd_conversations_show(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import parse_uid
    from exante_tui.cli.public import ConversationPublic, MessagePublic
    from exante_tui.core.html_text import readable_body
    from exante_tui.errors import ErrorDetail, NotFound
    from exante_tui.store import queries

    uid = parse_uid(args.uid, "conversation_uid")
    conversation = queries.get_conversation(services.store, uid)
    if conversation is None:
        raise NotFound("No such conversation.", [ErrorDetail("conversation_uid", args.uid)])
    messages = queries.conversation_messages(services.store, uid)
    payload = {
        **ConversationPublic.dump(conversation),
        "messages": [MessagePublic.dump(m) for m in messages],
    }

    def human() -> None:
        say(f"{conversation.subject}  [{conversation.gmail_thread_id or 'no Gmail thread'}]")
        for message in messages:
            say(f"\n--- {iso(message.date)}  {message.from_address} -> {', '.join(message.to)}")
            say(readable_body(message).rstrip(), body=True)

    emit(args, payload, human)
    return 0


def register(commands: Any) -> None:
    conversations = commands.add_parser("conversations", help="browse conversations")
    conv = conversations.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = conv.add_parser("list", help="list conversations, newest first")
    listing.add_argument(
        "--search",
        default="",
        metavar="QUERY",
        help="Gmail-style query: from: to: subject: has:attachment filename: is:unread "
        'is:starred label: after:/before:YYYY-MM-DD account: "phrase" -term, whole words '
        "(word* for a prefix)",
    )
    listing.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_conversations_list)
    show = conv.add_parser("show", help="show one conversation and its messages")
    show.add_argument("uid", help="the conversation_uid, as listed")
    add_json_flag(show)
    show.set_defaults(handler=cmd_conversations_show)
