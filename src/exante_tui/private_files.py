"""Files only their owner may read: every file the app creates is 0600 in a 0700 directory.

Modes are set by the code, whatever the user's umask (which is process-wide and so not
ours to change), and fixed on files an older version created more openly. New files are
opened exclusively and never through a symbolic link, so a link planted where a temp file
will go cannot redirect the write.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
_EXCLUSIVE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) and make it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    path.chmod(DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if it does not exist and make it 0600."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, _EXCLUSIVE, FILE_MODE))
    os.chmod(path, FILE_MODE)
    return path


def open_new(path: Path) -> int:
    """A descriptor for writing a new 0600 file at ``path``; ``FileExistsError`` when
    anything (a file, or a link to one) is already there."""
    fd = os.open(path, _EXCLUSIVE, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # os.open's mode is filtered by the umask
    return fd


def write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new 0600 file at ``path`` (see :func:`open_new`)."""
    with os.fdopen(open_new(path), "wb") as handle:
        handle.write(data)
