"""Facts about e-mail that every layer may use: header parsing policies, Gmail's limits.

Standard library only; it knows nothing of the store, the core or the providers.
"""
