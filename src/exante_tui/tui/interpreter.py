"""Interpreter settings while the app runs.

The UI thread shares the GIL with the threads that query the store. A thread that lets the
GIL go for each SQLite step waits up to the switch interval (5 ms by default) to get it back
while the UI thread runs Python, so a first page needing 15 ms of CPU took up to 250 ms at
start-up; at 1 ms it takes about 80. Start-up also leaves a large heap that lives as long as
the app, and every full pass of the garbage collector walked all of it (about 55 ms on the UI
thread, landing on a keystroke); frozen, a pass takes 10-15 ms.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it."""


def share_the_gil() -> float:
    """Hand the GIL on every :data:`SWITCH_INTERVAL`; returns the interval it replaced."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    return previous


def freeze_start_up() -> None:
    """Keep what exists now (modules, styles, the first screen) out of collections."""
    gc.freeze()


def restore(previous_switch_interval: float) -> None:
    """Undo both when the app ends (the process may go on, as under tests)."""
    gc.unfreeze()
    sys.setswitchinterval(previous_switch_interval)
