"""Masking at ingest: phone, ID and card numbers never reach the stream or the tables."""

from __future__ import annotations

import re

import orjson

from superapp.masking import redact

# Everything redact() masks has 11 digits in a row (phone, ID, card numbers) or a token
# marker; one search for those spares the five patterns on nearly every string.
_SUSPECT = re.compile(r"\d{11}|eyJ|(?i:bearer|refresh|rt_)")


def mask_value(value):
    """The value with every string inside it redacted; keys and other types unchanged."""
    if isinstance(value, str):
        return redact(value) if _SUSPECT.search(value) else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        masked = redact(str(value))  # a phone or card number sent as a JSON number
        return value if masked == str(value) else masked
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    return value


def mask_fields(*values):
    """``mask_value`` of each value, skipping the walk when their JSON holds nothing to mask."""
    if _SUSPECT.search(orjson.dumps(values).decode()) is None:
        return values
    return tuple(mask_value(value) for value in values)
