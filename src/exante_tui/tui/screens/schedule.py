"""Ask when to send a draft: ``tomorrow 9am``, ``mon 8:30``, ``in 2h``, ``+1d`` or ISO."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from exante_tui.core.schedule_input import examples, parse_send_time
from exante_tui.tui.format import local_time


@dataclass(frozen=True)
class ScheduleChoice:
    """The new planned time; ``None`` cancels the schedule."""

    when: datetime | None


class ScheduleScreen(ModalScreen[ScheduleChoice | None]):
    """Dismisses with a ScheduleChoice, or None when the user backs out."""

    CSS_PATH = "modal.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Keep the schedule as it is"),
        Binding("ctrl+x", "clear", "Unschedule", tooltip="Cancel the planned send", priority=True),
    ]

    def __init__(self, current: datetime | None, now: Callable[[], datetime]) -> None:
        super().__init__()
        self.current = current
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Schedule the send", classes="title")
            planned = local_time(self.current) if self.current else "not scheduled"
            yield Label(f"Currently: {planned}")
            yield Input(
                local_time(self.current) if self.current else "",
                placeholder="when to send",
                id="when",
            )
            yield Label(examples(self.now()), classes="hint", id="when-hint")
            yield Label("", classes="error", id="when-error")
            with Horizontal(classes="buttons"):
                yield Button("Schedule (enter)", variant="primary", id="set")
                yield Button("Unschedule (ctrl+x)", id="clear")

    @on(Input.Submitted, "#when")
    @on(Button.Pressed, "#set")
    def _set(self) -> None:
        try:
            when = parse_send_time(self.query_one("#when", Input).value, self.now())
        except ValueError as exc:
            error = self.query_one("#when-error", Label)
            error.update(Text(str(exc)))
            error.add_class("shown")
            return
        self.dismiss(ScheduleChoice(when))

    @on(Input.Changed, "#when")
    def _hide_fixed_error(self, event: Input.Changed) -> None:
        """The error goes as soon as the text reads as a time again."""
        error = self.query_one("#when-error", Label)
        if error.has_class("shown"):
            try:
                parse_send_time(event.value, self.now())
            except ValueError:
                return
            error.remove_class("shown")

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(ScheduleChoice(None))

    def action_cancel(self) -> None:
        self.dismiss(None)
