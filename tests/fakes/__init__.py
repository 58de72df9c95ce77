"""Loopback fakes of Google services for tests."""
