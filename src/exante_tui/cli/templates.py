"""``exante-tui templates create|list|show|remove``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from exante_tui.cli.output import add_json_flag, emit, print_json, print_table

if TYPE_CHECKING:
    from exante_tui.services import Services
    from exante_tui.store.models import Template


def template_summary(template: Template) -> dict[str, Any]:
    """The listing shape: uid, name, subject and the context fields it uses."""
    from exante_tui.cli.public import TemplateSummaryPublic
    from exante_tui.core.template_store import template_fields
    from exante_tui.core.templates import used_fields

    fields = used_fields(template_fields(template))
    return TemplateSummaryPublic.dump(template, fields=fields)


def template_json(template: Template) -> dict[str, Any]:
    """Everything about one template (attachments by name and size)."""
    from exante_tui.cli.public import TemplatePublic
    from exante_tui.core.template_store import attachment_meta, template_fields
    from exante_tui.core.templates import used_fields

    fields = used_fields(template_fields(template))
    return TemplatePublic.dump(template, fields=fields, attachments=attachment_meta(template))


def cmd_templates_create(services: Services, args: argparse.Namespace) -> int:
    from exante_tui.cli.inputs import read_json

    template = services.templates.create(read_json(args.json))
    print_json({"template_uid": str(template.id)}, indent=None)
    return 0


def cmd_templates_list(services: Services, args: argparse.Namespace) -> int:
    rows = [template_summary(t) for t in services.templates.list()]
    emit(args, rows, lambda: print_table(rows, ["template_uid", "name", "subject", "fields"]))
    return 0


def cmd_templates_show(services: Services, args: argparse.Namespace) -> int:
    shown = template_json(services.templates.get(args.template))

    def human() -> None:
        for key in ("template_uid", "name", "subject", "fields", "signature"):
            value = shown[key]
            print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
        for key in ("body_text", "body_markdown", "body_html"):
            if shown[key] is not None:
                print(f"\n{key}:\n{shown[key]}")

    emit(args, shown, human)
    return 0


def cmd_templates_remove(services: Services, args: argparse.Namespace) -> int:
    removed = services.templates.remove(args.template)
    payload = {"template_uid": str(removed.id), "name": removed.name}
    emit(args, payload, lambda: print(f"removed template {removed.name}"))
    return 0


def register(commands: Any) -> None:
    templates = commands.add_parser(
        "templates", help="message templates with Jinja2 fields"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    create = templates.add_parser("create", help="store a template from JSON")
    create.add_argument("--json", required=True, metavar="FILE|-", help="template file or -")
    create.set_defaults(handler=cmd_templates_create)
    listing = templates.add_parser("list", help="list templates and the fields they use")
    add_json_flag(listing)
    listing.set_defaults(handler=cmd_templates_list)
    show = templates.add_parser("show", help="show one template")
    show.add_argument("template", metavar="NAME|UID", help="the template's name or uid")
    add_json_flag(show)
    show.set_defaults(handler=cmd_templates_show)
    remove = templates.add_parser("remove", help="delete a template")
    remove.add_argument("template", metavar="NAME|UID", help="the template's name or uid")
    add_json_flag(remove)
    remove.set_defaults(handler=cmd_templates_remove)
