"""The composer's template picker (ctrl+y) with its live preview, and signatures."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static, Switch, TextArea

from builders import b64
from exante_tui.demo import OWNER
from exante_tui.services import Services
from exante_tui.store import queries
from exante_tui.tui.screens.compose import ComposeScreen
from exante_tui.tui.screens.template_picker import TemplatePickerScreen
from exante_tui.tui.widgets.attachments import AttachmentPanel
from tui.support import SIZE, type_text, until

SIGNATURE = "Northwind Billing\n+1 555 0100"


def add_template(services: Services, **changes: object) -> None:
    owner = queries.account_by_email(services.store, OWNER)
    assert owner is not None
    services.signatures.set(OWNER, SIGNATURE, None)
    services.templates.create(
        {
            "name": "reminder",
            "subject": "Invoice {{ invoice.number }}",
            "body_text": "Dear {{ name }},\n{{ invoice.amount | money('EUR') }} is due.",
            "from_account_id": str(owner.id),
            "attachments": [
                {"filename": "terms.txt", "content_type": "text/plain", "data_base64": b64(b"30")}
            ],
            **changes,
        }
    )


def preview_text(app: object) -> str:
    return str(app.screen.query_one("#preview", Static).render())  # type: ignore[attr-defined]


async def test_picker_fills_the_message_with_a_live_preview(
    make_app, demo_services: Services
) -> None:
    add_template(demo_services)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, ComposeScreen)
        compose = app.screen
        assert compose.query_one("#body", TextArea).text == f"\n\n-- \n{SIGNATURE}\n"
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, TemplatePickerScreen))
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query("#fields Input"))
        fields = [i.placeholder for i in app.screen.query("#fields Input").results(Input)]
        assert fields == ["invoice.amount", "invoice.number", "name"]
        assert preview_text(app) == (
            "Not ready:\n  invoice: is missing from the context (template.subject line 1)"
            "\n  name: is missing from the context (template.body_text line 1)"
        )

        await type_text(pilot, "lots")
        await pilot.press("enter")
        await type_text(pilot, "INV-7")
        await pilot.press("enter")
        await type_text(pilot, "Maria")
        assert "money: 'lots' is not a number" in preview_text(app)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, TemplatePickerScreen)  # not until it renders

        await pilot.click("#field-0")
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "1234.5")
        assert preview_text(app) == "Invoice INV-7\n\nDear Maria,\n1,234.50 EUR is due."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is compose
        assert compose.query_one("#subject", Input).value == "Invoice INV-7"
        assert compose.query_one("#body", TextArea).text == (
            f"Dear Maria,\n1,234.50 EUR is due.\n\n-- \n{SIGNATURE}\n"
        )
        assert [a.filename for a in compose.query_one(AttachmentPanel).attachments] == ["terms.txt"]
        assert compose.query_one("#markdown", Switch).value is False
        saved = compose.save_now()
    assert saved is not None
    draft, files = demo_services.drafts.load(saved)
    assert draft.subject == "Invoice INV-7" and [f.filename for f in files] == ["terms.txt"]


async def test_template_without_signature_drops_it_and_escape_changes_nothing(
    make_app, demo_services: Services
) -> None:
    add_template(demo_services, signature=False, body_text=None, body_markdown="**{{ name }}**")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        compose = app.screen
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, TemplatePickerScreen))
        await pilot.press("escape")
        assert app.screen is compose
        assert compose.query_one("#body", TextArea).text == f"\n\n-- \n{SIGNATURE}\n"
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, TemplatePickerScreen))
        await pilot.press("enter")
        await until(pilot, lambda: app.screen.query("#fields Input"))
        await type_text(pilot, "INV-1")
        await pilot.press("enter")
        await type_text(pilot, "Maria")
        await pilot.press("enter")  # the last field: use the template
        await pilot.pause()
        assert app.screen is compose
        assert compose.query_one("#body", TextArea).text == "**Maria**\n"
        assert compose.query_one("#markdown", Switch).value is True


async def test_picker_lists_templates_and_says_when_there_are_none(
    make_app, demo_services: Services
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: isinstance(app.screen, TemplatePickerScreen))
        assert app.screen.query_one("#templates", OptionList).option_count == 0
        labels = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "No templates yet" in labels


async def test_reply_puts_the_signature_above_the_quote(make_app, demo_services: Services) -> None:
    demo_services.signatures.set(OWNER, SIGNATURE, None)
    conversation = next(
        c for c in queries.list_conversations(demo_services.store) if c.owner_email == OWNER
    )
    messages = queries.conversation_messages(demo_services.store, conversation.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.open_reply(messages[-1], conversation, reply_all=False)
        await pilot.pause()
        body = app.screen.query_one("#body", TextArea).text
    assert body.startswith(f"\n\n-- \n{SIGNATURE}\n\n")
    assert body.index("-- \n") < body.index("\n> ")


async def test_forward_puts_the_signature_above_the_forwarded_message(
    make_app, demo_services: Services
) -> None:
    demo_services.signatures.set(OWNER, SIGNATURE, None)
    conversation = next(
        c for c in queries.list_conversations(demo_services.store) if c.owner_email == OWNER
    )
    messages = queries.conversation_messages(demo_services.store, conversation.id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.open_forward(messages[-1], conversation, [])
        await pilot.pause()
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        body = compose.query_one("#body", TextArea).text
        subject = compose.query_one("#subject", Input).value
    assert subject.startswith("Fwd: ")
    assert body.startswith(f"\n\n-- \n{SIGNATURE}\n\n")
    assert body.index("-- \n") < body.index("---------- Forwarded message ----------")
