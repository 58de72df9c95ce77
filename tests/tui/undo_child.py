"""A TUI that queues a send and then waits to be killed (for test_undo_send).

Usage: ``python undo_child.py DB_URL DATA_DIR``. The app's clock is pinned to the tests'
fixed past moment, so its own window never ends: only the worker run after the kill can
send. Prints ``queued <draft uid>`` once the send waits.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from exante_tui.config import Settings
from exante_tui.services import Services
from exante_tui.tui.app import ExanteApp
from exante_tui.tui.screens.compose import ComposeScreen
from tui.support import SIZE, Recorder, fixed_clock, type_text


async def main(db_url: str, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir / "data", config_dir=data_dir / "config", db_url=db_url)
    services = Services.open(settings, clock=fixed_clock)
    app = ExanteApp(services, clock=fixed_clock, scheduler=False, send_delay=10)
    recorder = Recorder()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("n")
        await type_text(pilot, "ken@fabrikam.example")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "Killed in the window")
        await pilot.press("ctrl+t")
        queued = await recorder.wait_for(ComposeScreen.Queued)
        print(f"queued {queued.draft_uid}", flush=True)  # type: ignore[attr-defined]
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
