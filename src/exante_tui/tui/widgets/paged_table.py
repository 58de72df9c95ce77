"""A DataTable that pages rows in from the store, filters them and keeps the objects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from exante_tui.display import clean

Fetch = Callable[[str, int, int], Sequence[Any]]
"""``fetch(search, limit, offset)``: one page of model objects (each with an ``id``)."""
Render = Callable[[Any], Sequence[str | Text]]
"""One object to the cells of its row."""

PAGE_SIZE = 200
FIRST_PAGE = 60
"""Rows a new filter reads first: more than a tall screen shows, and few enough that each
keystroke's page is quick to find and draw; the rest follow as the cursor nears the end."""
PREFETCH_MARGIN = 40
FILTER_DEBOUNCE = 0.12


def _cell(value: str | Text) -> Text:
    """Store text is never markup: a subject like ``[b]hi`` shows as typed (and renders faster)."""
    if isinstance(value, Text):
        return value
    return Text(clean(value.replace("\n", " ")), no_wrap=True, overflow="ellipsis")


class PagedTable(DataTable[str | Text]):
    """Rows come from ``fetch`` a page at a time (:data:`FIRST_PAGE`, then ``PAGE_SIZE``);
    more load as the cursor nears the end.

    Every load runs in an exclusive async worker that queries the store in a thread, so a
    new filter cancels a slower earlier one and typing never waits on the database. The
    column declared with width None takes whatever width the others leave. Vim keys move
    the cursor as in aerc.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, tooltip="Next row"),
        Binding("k", "cursor_up", "Up", show=False, tooltip="Previous row"),
        Binding("g,home", "first", "First", show=False, tooltip="First row"),
        Binding("G,end", "last", "Last", show=False, tooltip="Last loaded row"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, tooltip="Half a page down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, tooltip="Half a page up"),
    ]
    FLEX_MIN = 12

    @dataclass
    class Loaded(Message):
        """A page arrived; ``rows`` is how many rows the table now holds."""

        table: PagedTable
        search: str
        rows: int

    def __init__(
        self,
        fetch: Fetch,
        render: Render,
        columns: Sequence[tuple[str, int | None]],
        *,
        id: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._fetch = fetch
        self._row_cells = render
        self._columns = columns
        self.page_size = page_size
        self.search = ""
        self.items: dict[str, Any] = {}
        self.exhausted = False
        self._loading = False

    def on_mount(self) -> None:
        for n, (label, width) in enumerate(self._columns):
            self.add_column(label, width=width or self.FLEX_MIN, key=str(n))

    def on_resize(self, event: events.Resize) -> None:
        """Give the flexible column the width the others leave (never under ``FLEX_MIN``)."""
        fixed = sum(width or 0 for _label, width in self._columns)
        padding = 2 * self.cell_padding * len(self._columns)
        slack = max(self.FLEX_MIN, event.size.width - fixed - padding - 2)
        for n, (_label, width) in enumerate(self._columns):
            if width is None:
                self.columns[ColumnKey(str(n))].width = slack
        self._require_update_dimensions = True
        self.refresh()

    def refresh_cells(self) -> None:
        """Render every loaded row again (relative times move on) without a reload."""
        for key, item in self.items.items():
            for n, value in enumerate(self._row_cells(item)):
                self.update_cell(key, str(n), _cell(value))

    def action_first(self) -> None:
        self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1), animate=False)

    def action_half_page(self, direction: int) -> None:
        step = max(1, self.scrollable_content_region.height // 2)
        row = max(0, min(self.row_count - 1, self.cursor_row + direction * step))
        self.move_cursor(row=row, animate=False)

    @property
    def current(self) -> Any | None:
        """The object under the cursor, if any."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.items.get(key or "")

    def reload(self, search: str | None = None, *, debounce: bool = False) -> None:
        """Load the list again: with a new filter ``search``, its first rows; else as many
        rows as are loaded now, so the cursor stays where it was."""
        if search is not None and search != self.search:
            self.search = search
            limit = max(FIRST_PAGE, self.size.height + PREFETCH_MARGIN)
        else:
            limit = max(FIRST_PAGE, self.row_count)
        self._load(self.search, limit, 0, FILTER_DEBOUNCE if debounce else 0.0)

    @work(exclusive=True, group="page")
    async def _load(self, search: str, limit: int, offset: int, delay: float) -> None:
        self._loading = True
        try:
            if delay:
                await asyncio.sleep(delay)
            rows = await asyncio.to_thread(self._fetch, search, limit, offset)
            if offset == 0:
                keep = self.cursor_row
                self.clear()
                self.items.clear()
            for item in rows:
                key = str(item.id)
                if key not in self.items:
                    self.items[key] = item
                    self.add_row(*map(_cell, self._row_cells(item)), key=key)
            self.exhausted = len(rows) < limit
            if offset == 0 and self.row_count:
                self.move_cursor(row=min(keep, self.row_count - 1), animate=False)
        finally:
            self._loading = False
        self.post_message(self.Loaded(self, search, self.row_count))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= self.row_count - PREFETCH_MARGIN
        if near_end and not self.exhausted and not self._loading:
            self._loading = True
            self._load(self.search, self.page_size, self.row_count, 0.0)
