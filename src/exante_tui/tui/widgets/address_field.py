"""A recipients input: comma-separated mailboxes, checked as you type, completed from the store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label

from exante_tui.core.addresses import bare_address, check_address

Lookup = Callable[[str], list[str]]


def split_addresses(value: str) -> list[str]:
    """Split on commas outside double quotes (``"Doe, Jo" <jo@x>`` stays whole); drop blanks."""
    entries, current, quoted = [], [], False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def address_problems(value: str) -> list[str]:
    """One sentence per invalid entry, numbered as the user sees them."""
    problems = []
    for n, entry in enumerate(split_addresses(value), start=1):
        try:
            check_address(entry)
        except ValueError as exc:
            problems.append(f"#{n} {entry!r} {exc}")
    return problems


class AddressSuggester(Suggester):
    """Completes the entry after the last comma from addresses the store knows."""

    def __init__(self, lookup: Lookup) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.lookup = lookup

    async def get_suggestion(self, value: str) -> str | None:
        prefix = value.rpartition(",")[2].lstrip()
        if not prefix:
            return None
        for candidate in await asyncio.to_thread(self.lookup, prefix):
            for form in (candidate, bare_address(candidate)):
                if form.lower().startswith(prefix.lower()) and len(form) > len(prefix):
                    return value + form[len(prefix) :]
        return None


class AddressField(Vertical):
    """Label, input and the validation message under it."""

    def __init__(self, label: str, value: list[str], lookup: Lookup, *, id: str) -> None:
        super().__init__(id=id, classes="field")
        self.label = label
        self.initial = ", ".join(value)
        self.lookup = lookup

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(self.label, classes="label")
            yield Input(
                self.initial,
                placeholder="name@example.com, Name <other@example.com>",
                suggester=AddressSuggester(self.lookup),
                select_on_focus=False,
                id=f"{self.id}-input",
            )
        yield Label("", classes="error")

    @property
    def addresses(self) -> list[str]:
        """The entries as typed (validation is the core's job when sending)."""
        return split_addresses(self.query_one(Input).value)

    @property
    def problems(self) -> list[str]:
        """What is wrong with the current entries."""
        return address_problems(self.query_one(Input).value)

    def on_mount(self) -> None:
        self._validate()

    def on_input_changed(self) -> None:
        self._validate()

    def _validate(self) -> None:
        problems = self.problems
        error = self.query_one(".error", Label)
        error.update(Text("\n".join(problems)))
        error.set_class(bool(problems), "shown")
        self.query_one(Input).set_class(bool(problems), "-invalid")
