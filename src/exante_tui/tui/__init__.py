"""The Textual front end; only this package imports ``textual`` (docs/architecture.md)."""
