"""How personal data is shown on the way out: in responses and in logs."""

from __future__ import annotations

import re


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_id_number(id_number: str) -> str:
    return id_number[:6] + "*" * 8 + id_number[-4:] if len(id_number) >= 10 else "****"


def mask_card_number(card_number: str) -> str:
    return card_number[:6] + "*" * (len(card_number) - 10) + card_number[-4:]


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_CARD = re.compile(r"(?<!\d)(\d{6})\d{6,9}(\d{4})(?!\d)")
_BEARER = re.compile(r"(?i)(bearer\s+|refresh[_-]?token[\"'=:\s]+|rt_)[A-Za-z0-9._\-]{8,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}")
# What every pattern above needs: a digit, a JWT's start or a token's prefix. Most log text
# (messages, paths, methods) has none, and one scan for it is a fifth of the five substitutions.
_CANDIDATE = re.compile(r"\d|eyJ|(?i:bearer|refresh|rt_)")


def redact(text: str) -> str:
    """Mask phone, ID and card numbers and tokens found anywhere in free text."""
    if _CANDIDATE.search(text) is None:
        return text
    return _substitute(text)


def _substitute(text: str) -> str:
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(lambda m: m.group(1) + "[token]", text)
    text = _ID_NUMBER.sub(r"\1********\2", text)
    text = _CARD.sub(r"\1******\2", text)
    return _PHONE.sub(r"\1****\2", text)
