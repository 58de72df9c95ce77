"""The compose screen's parts, one job each: its form, the hold on its draft, sending, and
filling the body from elsewhere (``$EDITOR``, a template, a file)."""
