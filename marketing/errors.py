"""What marketing refuses, with stable codes: one vocabulary for segments, campaigns and coupons.

``MarketingError.code`` is the enum the GraphQL layer maps (bff/marketing/errors.py);
``field`` names the argument (for a rule, the path inside it: ``rule.all[1].attr``).
"""

from __future__ import annotations

from enum import Enum

from infra.i18n import Text


class ErrorCode(str, Enum):
    INVALID_RULE = "INVALID_RULE"
    UNKNOWN_RULE_FIELD = "UNKNOWN_RULE_FIELD"
    INVALID_CRON = "INVALID_CRON"
    WINDOW_IN_PAST = "WINDOW_IN_PAST"
    INVALID_WINDOW = "INVALID_WINDOW"
    NEGATIVE_STOCK = "NEGATIVE_STOCK"
    VARIANT_SPLIT = "VARIANT_SPLIT"
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    WRONG_STATE = "WRONG_STATE"
    SAME_MAKER_AND_CHECKER = "SAME_MAKER_AND_CHECKER"
    NOT_OWNER = "NOT_OWNER"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    COUPON_EXPIRED = "COUPON_EXPIRED"
    COUPON_REDEEMED = "COUPON_REDEEMED"
    COUPON_NOT_FOR_APP = "COUPON_NOT_FOR_APP"
    COUPON_ABOVE_AMOUNT = "COUPON_ABOVE_AMOUNT"
    FREQUENCY_CAPPED = "FREQUENCY_CAPPED"


class MarketingError(Exception):
    """A refusal: nothing was written."""

    def __init__(self, code: ErrorCode, message: Text, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.text = message
        self.field = field

    def __str__(self) -> str:  # rendered when read, in the reader's language
        return str(self.text)

