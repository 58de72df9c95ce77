"""Pick a template, fill in its fields, watch the preview; the composer takes the result.

The fields are the context values the template uses (``invoice.due_date``); the preview
re-renders on every key, and shows what is missing or wrong instead of the message until
the template renders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from exante_tui.core.template_store import template_fields
from exante_tui.core.templates import Rendered, nest, render, used_fields
from exante_tui.errors import ValidationFailed
from exante_tui.store.models import Template

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


@dataclass(frozen=True)
class TemplateChoice:
    """The chosen template and what it rendered to."""

    template: Template
    rendered: Rendered


class TemplatePickerScreen(ModalScreen[TemplateChoice | None]):
    """A list of templates, then a form of the chosen one's fields with a live preview."""

    app: ExanteApp
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Leave the message as it is"),
        Binding("ctrl+s", "use", "Use", tooltip="Fill the message from it", priority=True),
    ]

    def __init__(self, templates: Sequence[Template]) -> None:
        """``templates``: the list to pick from, read in a thread before the picker opens."""
        super().__init__()
        self.templates = templates
        self.template: Template | None = None
        self.fields: list[str] = []
        self.rendered: Rendered | None = None

    def compose(self) -> ComposeResult:
        templates = self.templates
        with Vertical(classes="dialog wide tall", id="picker"):
            yield Label("Fill from a template", classes="title")
            if not templates:
                yield Label("No templates yet: `exante-tui templates create --json FILE`.")
            yield OptionList(
                *(Option(f"{t.name}  ·  {t.subject}", id=str(t.id)) for t in templates),
                id="templates",
            )
            yield VerticalScroll(id="fields")
            yield Label("Preview", classes="title")
            yield Static("", id="preview")

    def on_mount(self) -> None:
        self.query_one("#fields").display = False
        self.query_one("#templates", OptionList).focus()

    @on(OptionList.OptionSelected, "#templates")
    async def _chosen(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        get = self.app.services.templates.get
        self.template = await asyncio.to_thread(get, event.option.id)
        self.fields = used_fields(template_fields(self.template))
        form = self.query_one("#fields", VerticalScroll)
        await form.remove_children()
        await form.mount_all(
            widget
            for index, name in enumerate(self.fields)
            for widget in (Label(name), Input(placeholder=name, id=f"field-{index}"))
        )
        form.display = True
        self.query_one("#templates").display = False
        self._preview()
        inputs = form.query(Input)
        if inputs:
            inputs.first().focus()

    @on(Input.Changed)
    def _typed(self) -> None:
        self._preview()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        inputs = list(self.query_one("#fields").query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_use()

    def values(self) -> dict[str, str]:
        """The filled-in fields as a context (dotted names nested; empty ones left out)."""
        form = self.query_one("#fields")
        filled = {
            name: form.query_one(f"#field-{i}", Input).value for i, name in enumerate(self.fields)
        }
        return nest({name: value for name, value in filled.items() if value})

    def _preview(self) -> None:
        assert self.template is not None
        preview = self.query_one("#preview", Static)
        try:
            self.rendered = render(template_fields(self.template), self.values())
        except ValidationFailed as exc:
            self.rendered = None
            text = Text("Not ready:", style="bold yellow")
            for detail in exc.details:
                text.append(f"\n  {detail.field.removeprefix('context.')}: {detail.message}")
            preview.update(text)
            return
        body = self.rendered.body_text
        if body is None:
            body = self.rendered.body_html or ""
        preview.update(Text.assemble((self.rendered.subject, "bold"), "\n\n", body))

    def action_use(self) -> None:
        if self.template is None:
            self.query_one("#templates", OptionList).action_select()
            return
        if self.rendered is None:
            self.notify("Fill in the fields the preview names first.", severity="warning")
            return
        self.dismiss(TemplateChoice(self.template, self.rendered))

    def action_cancel(self) -> None:
        self.dismiss(None)
