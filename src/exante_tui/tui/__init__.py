"""The Textual front end (DESIGN §7). Only this package imports ``textual``."""
