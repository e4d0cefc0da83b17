"""Mainland China plate numbers (GA 36): a province's one-character abbreviation, the issuing
city's letter, then five characters for a fuel car or six for a new-energy one.

New-energy plates (8 characters) put D (battery electric) or F (other new energy) first on a
small car (粤B D12345, 粤B DA1234) and last on a large one (粤B 12345D). Letters I and O are
never used (they read as 1 and 0). Spaces, the middle dot and hyphens people type are dropped.
"""

from __future__ import annotations

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"
_ALNUM = "A-HJ-NP-Z0-9"
_FUEL = re.compile(rf"^[{PROVINCES}][{_LETTER}][{_ALNUM}]{{4}}[{_ALNUM}挂学警港澳]$")
_NEW_ENERGY_SMALL = re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_ALNUM}][0-9]{{4}}$")
_NEW_ENERGY_LARGE = re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$")
_DROPPED = str.maketrans("", "", " \u00b7\u2022\u30fb-")
MAX_INPUT = 32


def normalized_plate(text: object) -> str | None:
    """The plate in its canonical form (upper case, nothing between the characters), or None."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    plate = unicodedata.normalize("NFKC", text).translate(_DROPPED).upper()
    if len(plate) == 7 and _FUEL.match(plate):
        return plate
    if len(plate) == 8 and (_NEW_ENERGY_SMALL.match(plate) or _NEW_ENERGY_LARGE.match(plate)):
        return plate
    return None


def is_new_energy(plate: str) -> bool:
    return len(plate) == 8


def masked_plate(plate: str) -> str:
    """粤B·D12345 -> 粤B·***345: enough for its owner to know it, not for a stranger."""
    return f"{plate[:2]}·{'*' * (len(plate) - 5)}{plate[-3:]}"
