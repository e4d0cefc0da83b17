"""The Luhn check (ISO/IEC 7812-1 annex B) that card numbers, account numbers and card tokens carry."""

from __future__ import annotations


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body`` followed by it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:  # doubled: these sit at odd positions once the check digit is appended
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return bool(number) and luhn_check_digit(number[:-1]) == number[-1]
