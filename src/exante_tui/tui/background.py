"""Store and core calls off the UI thread: one call in a thread worker, its result shown after.

The database may be slow (a remote PostgreSQL, a busy SQLite file); the UI thread never
waits on it. ``in_thread`` runs ``call`` in a thread worker of ``node`` and hands the
result to ``then`` on the UI thread, unless the worker was cancelled meanwhile (a newer
call of an ``exclusive`` group replaced it) or the node is no longer in the app (its
screen closed, or the app is shutting down).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from exante_tui.errors import ExanteError

T = TypeVar("T")
U = TypeVar("U")


def in_thread(
    node: DOMNode,
    call: Callable[[], T],
    then: Callable[[T], object],
    *,
    group: str,
    exclusive: bool = False,
    failed: Callable[[ExanteError], object] | None = None,
) -> Worker[None]:
    """Run ``call`` in a thread, then ``then(result)`` on the UI thread; with ``failed``, an
    ExanteError goes to ``failed(error)`` there instead (without, it is the worker's error)."""

    def work() -> None:
        worker = get_current_worker()

        def shown(callback: Callable[[U], object], value: U) -> None:
            """On the UI thread: the node may be going while the call ran (its screen
            closing, the app shutting down: its children may be gone already), and then
            nothing is shown. The test is the one Textual's signals use for a subscriber."""
            going = node._pruning or not (node.is_running and node.is_attached)
            if not going and not worker.is_cancelled:
                callback(value)

        try:
            result = call()
        except ExanteError as exc:
            if failed is None:
                raise
            if not worker.is_cancelled:
                node.app.call_from_thread(shown, failed, exc)
            return
        if not worker.is_cancelled:
            node.app.call_from_thread(shown, then, result)

    return node.run_worker(work, name=group, group=group, exclusive=exclusive, thread=True)
