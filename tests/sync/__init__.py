"""Tests of the Gmail sync (sync/), against the loopback fake Gmail."""
