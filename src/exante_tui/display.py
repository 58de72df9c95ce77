"""Text from the store made safe to show in a terminal: the one helper every front end
uses before printing or rendering mail it did not write."""

from __future__ import annotations

import re

_TERMINAL_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0, DEL, C1 (``\x9b`` is a one-byte CSI) and the bidi overrides that reorder a line."""


def clean(text: str, *, body: bool = False) -> str:
    """``text`` from the store, safe to print: control characters shown escaped
    (``\x1b`` becomes the four characters ``\x1b``), so mail from a stranger cannot move
    the cursor, retitle the window or clear the screen. ``body`` keeps newlines and tabs."""

    def escape(match: re.Match[str]) -> str:
        char = match[0]
        if body and char in "\n\t":
            return char
        return char.encode("unicode_escape").decode("ascii")

    return _TERMINAL_CONTROLS.sub(escape, text)
