"""Account numbers: what other banks put in a transfer to name a customer's account.

A number is the bank's prefix, the account id in twelve digits and a Luhn check digit
(19 digits, the shape of a mainland debit card), so it is derived from the id and needs
no column.
"""

from __future__ import annotations

from ledger.cards import luhn_valid

PREFIX = "623501"  # not a real issuer's BIN
_ID_DIGITS = 12
LENGTH = len(PREFIX) + _ID_DIGITS + 1


def account_number(account_id: int) -> str:
    body = f"{PREFIX}{account_id:0{_ID_DIGITS}d}"
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("one check digit always fits")


def account_id_of_number(number: str) -> int | None:
    """The account id a number names, or None when it cannot be one of ours."""
    if not (isinstance(number, str) and len(number) == LENGTH and number.isascii() and number.isdigit()):
        return None
    if not number.startswith(PREFIX) or not luhn_valid(number):
        return None
    account_id = int(number[len(PREFIX):-1])
    return account_id or None
