"""Render the README screenshots: a demo store at a fixed clock, the app headless, SVG + PNG.

Run: ``python scripts/screenshots.py`` (needs ``cairosvg`` for the PNGs).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from exante_tui.config import Settings
from exante_tui.demo import build_demo
from exante_tui.services import Services
from exante_tui.tui.app import ExanteApp

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SIZE = (120, 36)
OUT = Path(__file__).resolve().parent.parent / "screenshots"
CELL_WIDTH = 12.2
"""Width of one terminal cell in Textual's SVG screenshots."""
_RUN = re.compile(r'<text([^>]*) x="([\d.]+)"([^>]*) textLength="[\d.]+"([^>]*)>([^<]*)</text>')

Step = Callable[[Pilot], Awaitable[None]]


async def keys(pilot: Pilot, *pressed: str) -> None:
    """Press keys, then wait for workers and a repaint."""
    await pilot.press(*pressed)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_row(pilot: Pilot, view: str, subject: str) -> None:
    """Switch to ``view`` and open the row with ``subject``."""
    await keys(pilot, view)
    table = pilot.app.screen.table  # type: ignore[attr-defined]
    table.move_cursor(row=[i.subject for i in table.items.values()].index(subject))
    await keys(pilot, "enter")


async def send_with_undo(pilot: Pilot) -> None:
    """Send a draft from the composer: back on the list, the undo banner counts down."""
    await open_row(pilot, "d", "Invoice INV-2024-014 is overdue")
    await pilot.press("ctrl+t")
    while not pilot.app.waiting:  # type: ignore[attr-defined]
        await pilot.pause()
    await keys(pilot)


SHOTS: list[tuple[str, Step]] = [
    ("main-drafts", lambda p: keys(p, "d")),
    ("main-conversations", lambda p: keys(p, "c")),
    ("main-outbox", lambda p: keys(p, "o", "down")),
    ("main-search", lambda p: keys(p, "c", "slash", *"from:ken has:attachment", "enter")),
    ("thread", lambda p: open_row(p, "c", "Your Wingtip Cloud invoice WT-11873")),
    ("compose-draft", lambda p: open_row(p, "d", "Invoice INV-2024-014 is overdue")),
    ("help", lambda p: keys(p, "question_mark")),
    ("undo-banner", send_with_undo),  # last: the draft it sends stays queued in the store
]


async def shoot(services: Services, name: str, step: Step) -> Path:
    """Run the app, perform ``step`` and save ``name``.svg."""
    app = ExanteApp(services, clock=lambda: NOW, scheduler=False, send_delay=10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await step(pilot)
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


def for_cairosvg(svg: str) -> str:
    """The SVG as cairosvg draws it right: a monospace font it has, every cell in place.

    cairosvg cannot fetch the Fira Code web font, so it would fall back to a proportional
    font (words run together), and it ignores ``textLength``, so runs of box-drawing
    characters come out short and borders break. DejaVu Sans Mono is on every Debian
    system, and giving each character its own ``x`` keeps it in its cell. The one glyph
    DejaVu lacks, the header icon, is drawn as the look-alike it has.
    """
    svg = svg.replace("font-family: Fira Code, monospace", "font-family: DejaVu Sans Mono")
    svg = svg.replace("\u2b58", "\u25cb")  # the header's ⭘ is not in DejaVu: its look-alike ○

    def place(run: re.Match[str]) -> str:
        before, x, between, after, body = run.groups()
        cells = len(html.unescape(body))
        xs = " ".join(f"{float(x) + i * CELL_WIDTH:.1f}" for i in range(cells))
        return f'<text{before} x="{xs}"{between}{after}>{body}</text>'

    return _RUN.sub(place, svg)


async def main() -> None:
    """Build the demo store in a temp dir and render every shot."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(
            data_dir=root / "data", config_dir=root / "config", db_url=f"sqlite:///{root}/demo.db"
        )
        services = Services.open(settings, clock=lambda: NOW)
        build_demo(services, NOW)
        try:
            svgs = [await shoot(services, name, step) for name, step in SHOTS]
        finally:
            services.close()
    try:
        import cairosvg
    except ImportError:
        print("cairosvg is not installed: SVGs only")
        return
    for svg in svgs:
        png = svg.with_suffix(".png")
        text = for_cairosvg(svg.read_text(encoding="utf-8"))
        cairosvg.svg2png(bytestring=text.encode(), write_to=str(png), output_width=1600)
        print(png.relative_to(OUT.parent))


if __name__ == "__main__":
    asyncio.run(main())
