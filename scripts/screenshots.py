"""Render the README screenshots: a demo store at a fixed clock, the app headless, SVG + PNG.

Run: ``python scripts/screenshots.py`` (needs ``cairosvg`` for the PNGs).
"""

from __future__ import annotations

import asyncio
import os
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
        cairosvg.svg2png(url=str(svg), write_to=str(svg.with_suffix(".png")), output_width=1600)
        print(svg.with_suffix(".png").relative_to(OUT.parent))


if __name__ == "__main__":
    asyncio.run(main())
