"""The HTTP front end: the seed's ``POST /api/email/send`` behind Bearer tokens."""
