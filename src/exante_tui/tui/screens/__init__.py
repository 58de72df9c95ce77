"""Screens of the TUI, one per file, each with its ``.tcss`` beside it."""
