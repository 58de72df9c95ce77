"""``merge --send``: run the ordinary scheduler until the merge's drafts are out.

Passes repeat while the merge has scheduled drafts: an account at its per-minute rate is
waited for; an account at its daily cap stops the run cleanly (its drafts stay scheduled,
and the next day's worker pass, or this command run again, resumes them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from exante_tui.core.merge import Merge, Progress
from exante_tui.core.pacing import Hold, Pace
from exante_tui.core.scheduler import ScheduledSend, Scheduler
from exante_tui.core.send import SendCore
from exante_tui.errors import Conflict


@dataclass
class SendOutcome:
    """Where sending stopped: all out, at a daily cap, or with nothing more it could do."""

    progress: Progress
    capped: Hold | None = None
    failures: list[ScheduledSend] = field(default_factory=list)


def send_merge(
    merge: Merge,
    core: SendCore,
    pace: Pace,
    template_id: uuid.UUID,
    keys: list[str],
    *,
    wait: Callable[[float], None],
    on_progress: Callable[[Progress], None] = lambda _: None,
) -> SendOutcome:
    """Send the merge's scheduled drafts through a paced :class:`Scheduler`."""
    scheduler = Scheduler(core, pace=pace)
    outcome = SendOutcome(merge.progress(template_id, keys))
    on_progress(outcome.progress)
    while outcome.progress.scheduled:
        results = scheduler.run_once()
        outcome.failures += [
            r for r in results if r.error is not None and not isinstance(r.error, Conflict)
        ]
        outcome.progress = merge.progress(template_id, keys)
        on_progress(outcome.progress)
        holds = list(scheduler.holds.values())
        outcome.capped = next((h for h in holds if h.reason == "daily_cap"), None)
        if outcome.capped is not None or (not results and not holds):
            break  # at the cap, or the rest is not due yet / being sent by another process
        if holds:
            until = min(h.until for h in holds)
            wait(max((until - core.clock()).total_seconds(), 0.0))
    return outcome
