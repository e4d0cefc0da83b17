"""Fen as people read them: 1234567 -> "12,345.67"."""

from __future__ import annotations


def yuan(fen: int, *, signed: bool = False, grouped: bool = True) -> str:
    sign = "-" if fen < 0 else ("+" if signed and fen > 0 else "")
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}" if grouped else f"{sign}{whole}.{cents:02d}"
