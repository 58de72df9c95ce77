"""`python -m exante_tui`."""

from exante_tui.cli import main

raise SystemExit(main())
