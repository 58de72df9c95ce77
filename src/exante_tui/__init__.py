"""exante-tui: a keyboard-driven terminal email composer for Gmail."""

__version__ = "0.1.0"
