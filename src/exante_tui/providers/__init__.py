"""Transports that deliver a built message (Gmail, offline outbox) and OAuth token handling."""
