"""The states of a held movement in the operators' queue."""

from __future__ import annotations

from enum import Enum


class ReviewStatus(str, Enum):
    HELD = "held"  # the amount is reserved on the paying account, waiting for an operator
    RELEASED = "released"  # an operator let it through: posted as asked
    REVERSED = "reversed"  # an operator returned it: the reservation released, nothing posted
