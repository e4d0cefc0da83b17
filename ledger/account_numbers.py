"""The number a customer knows an account by: 19 digits, the bank's prefix, a Luhn check digit.

Class II, enterprise and merchant accounts get one when they open (Class I accounts are
known by their card's number; the bank's own accounts by none). The twelve digits after
the prefix are random, so a number says nothing about when the account opened or how many
others there are, and the check digit catches a mistyped number before any look-up.
"""

from __future__ import annotations

import secrets

from ledger.luhn import luhn_valid
from ledger.kinds import AccountKind

PREFIX = "623058"  # the bank's issuer prefix (fictional)
LENGTH = 19
NUMBERED_KINDS = frozenset({AccountKind.CLASS_TWO, AccountKind.ENTERPRISE, AccountKind.MERCHANT})


def _check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return digit
    raise AssertionError("unreachable: one of ten digits completes any Luhn sum")


def new_account_number() -> str:
    body = PREFIX + "".join(secrets.choice("0123456789") for _ in range(LENGTH - len(PREFIX) - 1))
    return body + _check_digit(body)


def normalized_account_number(raw: str) -> str | None:
    """The 19 digits of a typed number (spaces and dashes dropped), or None when it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    digits = "".join(raw.split()).replace("-", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) == LENGTH and luhn_valid(digits)):
        return None
    return digits
