"""Every field of one send record, with a retry for failed and unknown sends."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from exante_tui.store.models import OutboundEmail, SendStatus
from exante_tui.tui.views import RETRYABLE, UNKNOWN_HINT, outbox_fields

if TYPE_CHECKING:
    from exante_tui.tui.app import ExanteApp


class OutboxDetailScreen(ModalScreen[uuid.UUID | None]):
    """Dismisses with the record's uid when the user asks for a retry, else None."""

    app: ExanteApp
    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("r", "retry", "Retry", tooltip="Send this failed or unknown record again"),
        Binding("escape,q", "close", "Back", tooltip="Close the details"),
    ]

    def __init__(self, record: OutboundEmail) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Send record", classes="title")
            if self.record.status == SendStatus.UNKNOWN:
                yield Label(UNKNOWN_HINT, id="unknown-hint")
            with VerticalScroll():
                yield Static(outbox_fields(self.record, self.app.now()))
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self.record.status in RETRYABLE
        return True

    def action_retry(self) -> None:
        self.dismiss(self.record.id)

    def action_close(self) -> None:
        self.dismiss(None)
