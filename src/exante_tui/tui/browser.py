"""Open a message's HTML or a link in the system browser (``webbrowser``).

The HTML goes to a private file first: a directory only the user can enter (0700), the
file readable only by the user (0600), both removed when the app exits.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import webbrowser
from pathlib import Path

_private_dir: Path | None = None


def _directory() -> Path:
    global _private_dir
    if _private_dir is None:
        _private_dir = Path(tempfile.mkdtemp(prefix="exante-html-"))
        atexit.register(shutil.rmtree, _private_dir, True)
    return _private_dir


def write_private_html(html: str, name: str) -> Path:
    """``html`` in a new 0600 file named after ``name`` (a message uid)."""
    path = _directory() / f"{name}.html"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(html)
    return path


def open_in_browser(target: str | Path) -> bool:
    """Open a URL or a local file; False when no browser could be started."""
    url = target.as_uri() if isinstance(target, Path) else target
    return webbrowser.open(url)
