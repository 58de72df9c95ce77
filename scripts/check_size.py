"""The size rule: no module over 400 lines, no function over 60 (migrations aside).

Run by ``make size``; prints each offender and exits 1 if there is one.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
ROOT = Path("src/exante_tui")
EXEMPT = ("store/migrations/versions/",)


def modules() -> Iterator[Path]:
    """Every Python module of the package the rule applies to."""
    for path in sorted(ROOT.rglob("*.py")):
        if not any(part in path.relative_to(ROOT).as_posix() for part in EXEMPT):
            yield path


def offences(path: Path) -> Iterator[str]:
    """What in ``path`` breaks the rule, one line each."""
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(ROOT.parent).as_posix()
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        yield f"{name}: {lines} lines (limit {MAX_MODULE_LINES})"
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                limit = f"(limit {MAX_FUNCTION_LINES})"
                yield f"{name}:{node.lineno}: {node.name}() is {length} lines {limit}"


def main() -> int:
    found = [offence for path in modules() for offence in offences(path)]
    print("\n".join(found) or "size rule: every module and function is within its limit")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
