"""The ``exante-tui`` command-line front end: one module per command group, one printer.

Each command module registers its parser cheaply and imports what its handlers use only when
they run, so ``--help`` and ``send`` start without the TUI, the HTTP server or the Gmail sync.
"""

from exante_tui.cli.entry import main

__all__ = ["main"]
