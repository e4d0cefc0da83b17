"""ETC's refusals: one stable code each (``EtcErrorCode``), a message from ``etc.toml``."""

from __future__ import annotations

import copy
from enum import Enum

from infra.i18n import Text, yuan


class EtcErrorCode(str, Enum):
    INVALID_INPUT = "INVALID_INPUT"
    MALFORMED_PLATE = "MALFORMED_PLATE"
    CLASS_TWO_ACCOUNT_REQUIRED = "CLASS_TWO_ACCOUNT_REQUIRED"
    PLATE_HAS_CARD = "PLATE_HAS_CARD"  # another customer's plate
    ALREADY_HAS_CARD = "ALREADY_HAS_CARD"  # the customer's own plate has a live card
    CARD_NOT_FOUND = "CARD_NOT_FOUND"  # also another customer's card
    CARD_SUSPENDED = "CARD_SUSPENDED"
    CARD_CANCELLED = "CARD_CANCELLED"
    CARD_BLACKLISTED = "CARD_BLACKLISTED"
    CARD_HAS_DEBT = "CARD_HAS_DEBT"
    NOT_AN_ETC_MERCHANT = "NOT_AN_ETC_MERCHANT"
    NOT_A_TOLL_OPERATOR = "NOT_A_TOLL_OPERATOR"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    OVER_PER_DEBIT_CAP = "OVER_PER_DEBIT_CAP"
    OVER_DAILY_CAP = "OVER_DAILY_CAP"
    ATTEMPTS_EXHAUSTED = "ATTEMPTS_EXHAUSTED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    ACCOUNT_REFUSED = "ACCOUNT_REFUSED"  # the Class II account is frozen, closed or past its limits
    DUPLICATE_KEY = "DUPLICATE_KEY"  # the key was used for another request
    DEBIT_IN_PROGRESS = "DEBIT_IN_PROGRESS"
    DEBIT_NOT_FOUND = "DEBIT_NOT_FOUND"
    PREAUTH_NOT_FOUND = "PREAUTH_NOT_FOUND"
    PREAUTH_NOT_HELD = "PREAUTH_NOT_HELD"
    CAPTURE_EXCEEDS_HOLD = "CAPTURE_EXCEEDS_HOLD"
    NOT_DISPUTABLE = "NOT_DISPUTABLE"
    DISPUTE_WINDOW_CLOSED = "DISPUTE_WINDOW_CLOSED"
    ALREADY_DISPUTED = "ALREADY_DISPUTED"
    DISPUTE_NOT_FOUND = "DISPUTE_NOT_FOUND"
    DISPUTE_RESOLVED = "DISPUTE_RESOLVED"
    MERCHANT_CANNOT_REFUND = "MERCHANT_CANNOT_REFUND"
    MERCHANT_ALREADY_REGISTERED = "MERCHANT_ALREADY_REGISTERED"
    NOT_AN_ETC_CATEGORY = "NOT_AN_ETC_CATEGORY"


# Each code's message, written out so tests/test_messages.py sees every id.
MESSAGES: dict[EtcErrorCode, Text] = {
    EtcErrorCode.INVALID_INPUT: Text("etc.invalid_input"),
    EtcErrorCode.MALFORMED_PLATE: Text("etc.malformed_plate"),
    EtcErrorCode.CLASS_TWO_ACCOUNT_REQUIRED: Text("etc.class_two_account_required"),
    EtcErrorCode.PLATE_HAS_CARD: Text("etc.plate_has_card"),
    EtcErrorCode.ALREADY_HAS_CARD: Text("etc.already_has_card"),
    EtcErrorCode.CARD_NOT_FOUND: Text("etc.card_not_found"),
    EtcErrorCode.CARD_SUSPENDED: Text("etc.card_suspended"),
    EtcErrorCode.CARD_CANCELLED: Text("etc.card_cancelled"),
    EtcErrorCode.CARD_BLACKLISTED: Text("etc.card_blacklisted"),
    EtcErrorCode.CARD_HAS_DEBT: Text("etc.card_has_debt"),
    EtcErrorCode.NOT_AN_ETC_MERCHANT: Text("etc.not_an_etc_merchant"),
    EtcErrorCode.NOT_A_TOLL_OPERATOR: Text("etc.not_a_toll_operator"),
    EtcErrorCode.INVALID_AMOUNT: Text("etc.invalid_amount"),
    EtcErrorCode.OVER_PER_DEBIT_CAP: Text("etc.over_per_debit_cap", amount="", limit=""),
    EtcErrorCode.OVER_DAILY_CAP: Text("etc.over_daily_cap", amount="", limit=""),
    EtcErrorCode.ATTEMPTS_EXHAUSTED: Text("etc.attempts_exhausted", most=""),
    EtcErrorCode.INSUFFICIENT_FUNDS: Text("etc.insufficient_funds", amount=""),
    EtcErrorCode.ACCOUNT_REFUSED: Text("etc.account_refused"),
    EtcErrorCode.DUPLICATE_KEY: Text("etc.duplicate_key"),
    EtcErrorCode.DEBIT_IN_PROGRESS: Text("etc.debit_in_progress"),
    EtcErrorCode.DEBIT_NOT_FOUND: Text("etc.debit_not_found"),
    EtcErrorCode.PREAUTH_NOT_FOUND: Text("etc.preauth_not_found"),
    EtcErrorCode.PREAUTH_NOT_HELD: Text("etc.preauth_not_held"),
    EtcErrorCode.CAPTURE_EXCEEDS_HOLD: Text("etc.capture_exceeds_hold", amount="", limit=""),
    EtcErrorCode.NOT_DISPUTABLE: Text("etc.not_disputable"),
    EtcErrorCode.DISPUTE_WINDOW_CLOSED: Text("etc.dispute_window_closed", days=""),
    EtcErrorCode.ALREADY_DISPUTED: Text("etc.already_disputed"),
    EtcErrorCode.DISPUTE_NOT_FOUND: Text("etc.dispute_not_found"),
    EtcErrorCode.DISPUTE_RESOLVED: Text("etc.dispute_resolved"),
    EtcErrorCode.MERCHANT_CANNOT_REFUND: Text("etc.merchant_cannot_refund"),
    EtcErrorCode.MERCHANT_ALREADY_REGISTERED: Text("etc.merchant_already_registered"),
    EtcErrorCode.NOT_AN_ETC_CATEGORY: Text("etc.not_an_etc_category"),
}


class EtcError(Exception):
    """A refusal with its ``code``; ``field`` names the input at fault where there is one."""

    code: EtcErrorCode = EtcErrorCode.INVALID_INPUT

    def __init__(self, code: EtcErrorCode, message: Text | None = None, *, field: str | None = None,
                 **detail: object) -> None:
        super().__init__(message or MESSAGES[code])
        self.code = code
        self.field = field
        self.detail = detail


def refused(code: EtcErrorCode, **detail: object) -> EtcError:
    """The refusal for ``code`` with its catalogue message (amounts in ``detail`` are fen)."""
    params = {name.removesuffix("_fen"): yuan(value) if name.endswith("_fen") and isinstance(value, int) else value
              for name, value in detail.items()}
    message = copy.copy(MESSAGES[code])  # the code's message with this refusal's figures
    message.params = params
    return EtcError(code, message, **detail)


def invalid(message: Text, field: str) -> EtcError:
    return EtcError(EtcErrorCode.INVALID_INPUT, message, field=field)
