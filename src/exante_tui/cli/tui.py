"""``exante-tui`` with no subcommand: the Textual app."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exante_tui.config import Settings


def run_tui(
    settings: Settings, demo: bool, scheduler: bool = True, send_delay: float | None = None
) -> int:
    """Open the Textual app; ``demo`` rebuilds a throwaway demo store first.

    The app sends due scheduled drafts in the background unless ``scheduler`` is off or
    ``EXANTE_TUI_SCHEDULER=0``. A send waits ``send_delay`` seconds (``--send-delay``,
    else the settings' ``EXANTE_SEND_DELAY``) so it can be undone.
    """
    from exante_tui.cli.startup import open_services
    from exante_tui.store.types import utcnow
    from exante_tui.tui.app import ExanteApp

    if demo:
        settings = settings.demo()
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    services = open_services(settings)
    try:
        if demo:
            from exante_tui.demo import build_demo

            build_demo(services, utcnow())
        scheduler = scheduler and os.environ.get("EXANTE_TUI_SCHEDULER", "1") != "0"
        delay = settings.send_delay if send_delay is None else send_delay
        ExanteApp(services, scheduler=scheduler, send_delay=delay).run()
    finally:
        services.close()
    return 0
