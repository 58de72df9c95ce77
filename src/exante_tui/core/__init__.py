"""The send core: contract models, validation, MIME, threading and the send lifecycle.

Headless: nothing under this package imports Textual.
"""
