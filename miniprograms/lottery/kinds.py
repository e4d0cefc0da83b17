"""The values the lottery mini-program stores and says: a claim's states, refusals' codes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import Enum

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # the operator's day, and the draw's


def china_day(instant: datetime) -> date:
    return instant.astimezone(CHINA_STANDARD_TIME).date()


class ClaimState(str, Enum):
    RESERVING = "reserving"  # asked the operator to reserve the prize; its answer is not known yet
    RESERVED = "reserved"  # the operator holds the ticket for this claim; no money moved
    PAID = "paid"  # paid to the customer's account; the operator's confirmation is not known yet
    CONFIRMED = "confirmed"  # paid and confirmed at the operator: done
    CANCELLING = "cancelling"  # the payment failed; the reservation is being given back

    @property
    def settled(self) -> bool:
        return self is ClaimState.CONFIRMED


class LotteryErrorCode(str, Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_VERIFIED = "NOT_VERIFIED"  # no Class II account opened through identity verification
    ATTEMPTS_EXHAUSTED = "ATTEMPTS_EXHAUSTED"
    UNKNOWN_TICKET = "UNKNOWN_TICKET"
    WRONG_SECURITY_CODE = "WRONG_SECURITY_CODE"
    NOT_A_WINNER = "NOT_A_WINNER"
    CLAIM_EXPIRED = "CLAIM_EXPIRED"
    ALREADY_CLAIMED = "ALREADY_CLAIMED"
    PAID_ELSEWHERE = "PAID_ELSEWHERE"
    ACCOUNT_UNAVAILABLE = "ACCOUNT_UNAVAILABLE"
    OPERATOR_UNAVAILABLE = "OPERATOR_UNAVAILABLE"
    SETTLEMENT_FILE_REJECTED = "SETTLEMENT_FILE_REJECTED"


class MismatchKind(str, Enum):
    MISSING_AT_OPERATOR = "MISSING_AT_OPERATOR"  # we paid and the operator confirmed to us; not in its file
    UNKNOWN_TO_BANK = "UNKNOWN_TO_BANK"  # in the file; no claim of ours paid it
    UNCONFIRMED_AT_BANK = "UNCONFIRMED_AT_BANK"  # in the file; paid by us, its confirmation never reached us
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"
    TICKET_DIFFERS = "TICKET_DIFFERS"
    WRONG_DAY = "WRONG_DAY"  # in this day's file, confirmed to us on another day
