"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from 0-9 and 31 capital letters less I, O, S, V and Z: the registering
authority (1), the kind of body (1), the administrative division (6 digits, GB/T 2260),
the body's organisation code (9, GB 11714) and a check character over the first 17.
The check character is the standard's: each character's value (its position in the
alphabet below) weighted by 3^i mod 31, and 31 minus the sum mod 31 (31 itself being 0).
"""

from __future__ import annotations

from infra.i18n import Text
from ledger.errors import InvalidCreditCode

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: value for value, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28


def check_character(first17: str) -> str:
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalized_credit_code(raw: str) -> str:
    """The code in capitals without spaces, or InvalidCreditCode saying what is wrong."""
    code = "".join((raw or "").split()).upper() if isinstance(raw, str) else ""
    if len(code) != 18:
        raise InvalidCreditCode("LENGTH", Text("ledger.credit_code_length"))
    if any(char not in _VALUE for char in code):
        raise InvalidCreditCode("CHARACTERS", Text("ledger.credit_code_characters"))
    if not code[2:8].isdigit():
        raise InvalidCreditCode("DIVISION", Text("ledger.credit_code_division"))
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode("CHECK_CHARACTER", Text("ledger.credit_code_check"))
    return code
