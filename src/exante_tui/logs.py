"""The app's log file: one handler, opened once, in a private file (0600 in a 0700 dir).

No logging configuration elsewhere replaces or closes it (``serve`` runs uvicorn with
``log_config=None``), so nothing logs through a closed handler, even when the process has
no file descriptors left to reopen one.
"""

from __future__ import annotations

import logging
from pathlib import Path

from exante_tui.private_files import private_dir, private_file

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class AppLogHandler(logging.FileHandler):
    """The app log's handler; there is at most one on the root logger."""


def log_to_file(data_dir: Path) -> Path:
    """Send the root logger's records to ``<data_dir>/logs/exante-tui.log``; returns the path.

    Calling it again for the same file changes nothing; for another file, the previous
    handler is closed and replaced (tests run many stores in one process).
    """
    path = private_file(private_dir(data_dir / "logs") / "exante-tui.log")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, AppLogHandler)]:
        if handler.baseFilename == str(path.absolute()):
            return path
        root.removeHandler(handler)
        handler.close()
    handler = AppLogHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path
