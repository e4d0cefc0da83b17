"""ETC's words: card states, debit kinds and outcomes, dispute states."""

from __future__ import annotations

from enum import Enum


class CardStatus(str, Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # by its customer; debits refused until resumed
    CANCELLED = "cancelled"  # for good; the plate may get a new card


class DebitKind(str, Enum):
    DEBIT = "debit"  # a toll, fuel, a car wash: one debit
    CAPTURE = "capture"  # a car park's exit, taking what its entry held


class DebitStatus(str, Enum):
    PENDING = "pending"  # the key is taken; the answer is being worked out
    SUCCEEDED = "succeeded"
    REFUSED = "refused"  # nothing moved; ``refusal`` says why
    UNPAID = "unpaid"  # insufficient funds: refused, and a debt recorded for the merchant


class PreauthStatus(str, Enum):
    HELD = "held"
    CAPTURED = "captured"
    RELEASED = "released"


class DebtStatus(str, Enum):
    OPEN = "open"
    REPAID = "repaid"


class DisputeStatus(str, Enum):
    OPEN = "open"
    REFUNDED = "refunded"
    REJECTED = "rejected"
