"""The headless packages never import Textual, not even through a library they use.

``make lint`` checks the same rule statically (the import-linter contracts in pyproject.toml,
docs/architecture.md, "Layers"); this test runs the imports for real.
"""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "exante_tui.core.send",
    "exante_tui.core.drafts",
    "exante_tui.core.replies",
    "exante_tui.core.templates",
    "exante_tui.core.merge",
    "exante_tui.core.prepare",
    "exante_tui.store.queries",
    "exante_tui.store.search",
    "exante_tui.transports",
    "exante_tui.providers.gmail",
    "exante_tui.providers.outbox",
    "exante_tui.sync.operations",
    "exante_tui.sync.gmail",
    "exante_tui.api.app",
    "exante_tui.config",
    "exante_tui.services",
    "exante_tui.demo",
    "exante_tui.cli",
]


def test_headless_modules_do_not_import_textual() -> None:
    code = (
        f"import {', '.join(HEADLESS)}; import sys; "
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')); "
        "assert not leaked, leaked"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
