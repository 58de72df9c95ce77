"""Gmail's limits, shared by the send core's checks and the Gmail transport."""

GMAIL_MAX_MESSAGE_BYTES = 36_700_160
"""35 MiB: Gmail's limit for one message, headers and encoded attachments included."""
