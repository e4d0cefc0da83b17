"""The 18-character citizen identity number of GB 11643-1999 and what it encodes."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
SHAPE = re.compile(r"\d{17}[\dX]")


def check_character(first17: str) -> str:
    """The 18th character (ISO 7064 MOD 11-2) for the first seventeen digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    return bool(SHAPE.fullmatch(number)) and check_character(number[:17]) == number[17]


def birth_date(number: str) -> date | None:
    """Digits 7-14 as a date, or None when they are not one."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex(number: str) -> str:
    """Digit 17: odd for men, even for women."""
    return "男" if int(number[16]) % 2 else "女"


def normalise(raw: str) -> str:
    """Keep the digits and the check character as OCR or a person may write them."""
    return "".join(ch for ch in raw.upper() if ch.isdigit() or ch == "X")
