import re

from identity.errors import InvalidPhone

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-]")


def normalize_mainland_mobile(raw: str) -> str:
    """Accept 13812345678, +86 138-1234-5678 or 86 13812345678; return the 11 digits."""
    if not isinstance(raw, str) or len(raw) > 32:
        raise InvalidPhone()
    digits = _SEPARATORS.sub("", raw)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
            digits = digits[len(prefix):]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidPhone()
    return digits
