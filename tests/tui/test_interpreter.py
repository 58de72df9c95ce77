"""While the app runs it hands the GIL on every millisecond and keeps its start-up heap out
of garbage collections; when it ends, the process gets both back as they were."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable

from textual import events

from exante_tui.tui.app import ExanteApp
from exante_tui.tui.interpreter import SWITCH_INTERVAL
from tui.support import SIZE, Recorder


async def test_the_app_tunes_the_interpreter_only_while_it_runs(
    make_app: Callable[..., ExanteApp], recorder: Recorder
) -> None:
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL
    assert gc.get_freeze_count() == 0
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await recorder.wait_for(events.Ready)
        await pilot.pause()
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        assert gc.get_freeze_count() > 0, "start-up's objects are frozen"
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == 0, "nothing stays frozen (or leaks) after the app"
