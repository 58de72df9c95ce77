"""A recipients input: comma-separated mailboxes, checked as you type, completed from the store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList

from exante_tui.core.addresses import bare_address, check_address

Lookup = Callable[[str], list[str]]


def split_addresses(value: str) -> list[str]:
    """Split on commas outside double quotes (``"Doe, Jo" <jo@x>`` stays whole); drop blanks."""
    entries: list[str] = []
    current: list[str] = []
    quoted = False
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


def completions(value: str, known: list[str]) -> list[str]:
    """``value`` with its last entry completed by each known address that fits, in the
    stored form (``ma`` gives ``Maria Garcia <maria@…>``, its case as stored)."""
    head, comma, prefix = value.rpartition(",")
    typed = prefix.lstrip()
    if not typed:
        return []
    lead = head + comma + prefix[: len(prefix) - len(typed)]
    found: dict[str, None] = {}
    for candidate in known:
        for form in (candidate, bare_address(candidate)):
            if form.lower().startswith(typed.lower()) and len(form) > len(typed):
                found.setdefault(lead + form, None)
                break
        else:
            if f"<{typed.lower()}" in candidate.lower():
                found.setdefault(lead + candidate, None)
    return list(found)


class AddressSuggester(Suggester):
    """The first completion, shown faded after the cursor (``right`` takes it)."""

    def __init__(self, field: AddressField) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.field = field

    async def get_suggestion(self, value: str) -> str | None:
        known = await asyncio.to_thread(self.field.lookup, value.rpartition(",")[2].strip())
        candidates = completions(value, known)
        self.field.show_candidates(value, candidates)
        return candidates[0] if candidates else None


class AddressField(Vertical):
    """Label, input, the completions to pick from and the validation message under it.

    While the last entry matches known addresses they are listed under the input (the
    first also shown faded in it): ``down``/``up`` pick one, ``enter`` or ``right`` takes it.
    """

    BINDINGS = [
        Binding("down", "pick(1)", "Next match", show=False),
        Binding("up", "pick(-1)", "Previous match", show=False),
    ]

    def __init__(self, label: str, value: list[str], lookup: Lookup, *, id: str) -> None:
        super().__init__(id=id, classes="field")
        self.label = label
        self.initial = ", ".join(value)
        self.lookup = lookup
        self.candidates: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(self.label, classes="label")
            yield Input(
                self.initial,
                placeholder="name@example.com, Name <other@example.com>",
                suggester=AddressSuggester(self),
                select_on_focus=False,
                id=f"{self.id}-input",
            )
        listing = OptionList(classes="candidates")
        listing.can_focus = False
        yield listing
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

    def on_descendant_blur(self) -> None:
        self.show_candidates(None, [])

    def show_candidates(self, value: str | None, candidates: list[str]) -> None:
        """List ``candidates`` if the input still holds ``value`` (None: hide the list)."""
        field = self.query_one(Input)
        if value is not None and (value != field.value or not field.has_focus):
            return
        self.candidates = candidates if len(candidates) > 1 else []
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(c.rpartition(",")[2].strip() for c in self.candidates)
        listing.highlighted = 0 if self.candidates else None
        listing.set_class(bool(self.candidates), "shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.candidates) if action == "pick" else True

    def action_pick(self, step: int) -> None:
        listing = self.query_one(OptionList)
        listing.highlighted = ((listing.highlighted or 0) + step) % len(self.candidates)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """``enter`` takes the highlighted completion."""
        event.stop()
        index = self.query_one(OptionList).highlighted
        if self.candidates and index is not None:
            field = self.query_one(Input)
            field.value = self.candidates[index]
            field.cursor_position = len(field.value)
            self.show_candidates(None, [])

    def _validate(self) -> None:
        problems = self.problems
        error = self.query_one(".error", Label)
        error.update(Text("\n".join(problems)))
        error.set_class(bool(problems), "shown")
        self.query_one(Input).set_class(bool(problems), "-invalid")
