"""Masking at ingest: phone, ID and card numbers never reach the stream or the tables."""

from __future__ import annotations

from superapp.masking import redact

# The shortest thing redact() can match is an 11-digit phone number or an 11-character
# token; shorter strings are kept as they are without running the patterns.
_SHORTEST_MATCH = 11


def mask_value(value):
    """The value with every string inside it redacted; keys and other types unchanged."""
    if isinstance(value, str):
        return redact(value) if len(value) >= _SHORTEST_MATCH else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        masked = redact(str(value))  # a phone or card number sent as a JSON number
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    return value
