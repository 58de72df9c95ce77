"""A DataTable that pages rows in from the store, filters them and keeps the objects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import DataTable

from exante_tui.display import clean

Fetch = Callable[[str, int, int], Sequence[Any]]
"""``fetch(search, limit, offset)``: one page of model objects (each with an ``id``)."""
Render = Callable[[Any], Sequence[str | Text]]
"""One object to the cells of its row."""

PAGE_SIZE = 200
PREFETCH_MARGIN = 40
FILTER_DEBOUNCE = 0.12


def _cell(value: str | Text) -> Text:
    """Store text is never markup: a subject like ``[b]hi`` shows as typed (and renders faster)."""
    if isinstance(value, Text):
        return value
    return Text(clean(value.replace("\n", " ")), no_wrap=True, overflow="ellipsis")


class PagedTable(DataTable[str | Text]):
    """Rows come ``PAGE_SIZE`` at a time from ``fetch``; more load as the cursor nears the end.

    Every load runs in an exclusive async worker that queries the store in a thread, so a
    new filter cancels a slower earlier one and typing never waits on the database.
    """

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
        for label, width in self._columns:
            self.add_column(label, width=width, key=label)

    @property
    def current(self) -> Any | None:
        """The object under the cursor, if any."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.items.get(key or "")

    def reload(self, search: str | None = None, *, debounce: bool = False) -> None:
        """Load the first page again (with a new filter when ``search`` is given)."""
        if search is not None:
            self.search = search
        self._load(self.search, 0, FILTER_DEBOUNCE if debounce else 0.0)

    @work(exclusive=True, group="page")
    async def _load(self, search: str, offset: int, delay: float) -> None:
        self._loading = True
        try:
            if delay:
                await asyncio.sleep(delay)
            rows = await asyncio.to_thread(self._fetch, search, self.page_size, offset)
            if offset == 0:
                keep = self.cursor_row
                self.clear()
                self.items.clear()
            for item in rows:
                key = str(item.id)
                if key not in self.items:
                    self.items[key] = item
                    self.add_row(*map(_cell, self._row_cells(item)), key=key)
            self.exhausted = len(rows) < self.page_size
            if offset == 0 and self.row_count:
                self.move_cursor(row=min(keep, self.row_count - 1), animate=False)
        finally:
            self._loading = False
        self.post_message(self.Loaded(self, search, self.row_count))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= self.row_count - PREFETCH_MARGIN
        if near_end and not self.exhausted and not self._loading:
            self._loading = True
            self._load(self.search, self.row_count, 0.0)
