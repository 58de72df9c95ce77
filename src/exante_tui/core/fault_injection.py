"""Fault injection for the crash-recovery tests, nothing else: ``EXANTE_CRASH_AT=<step>``
kills the process (SIGKILL, as ``kill -9``) when a send reaches that step:
``before_record``, ``after_record``, ``after_response`` (Gmail answered) or
``before_status_update`` (the outcome is written but not committed). Unset, a hook is one
dictionary lookup."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "EXANTE_CRASH_AT"


def crash_point(step: str) -> None:
    """Kill this process at ``step`` when ``EXANTE_CRASH_AT`` names it."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
