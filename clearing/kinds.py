"""The values the clearing domain stores: kinds and states of a card movement."""

from __future__ import annotations

from enum import Enum


class MovementKind(str, Enum):
    TOPUP = "topup"  # a debit of the customer's card into their Class II account (network: DEBIT)
    WITHDRAWAL = "withdrawal"  # a credit to the customer's card from their Class II account (network: CREDIT)
    INBOUND = "inbound"  # another bank's transfer to a customer (network: INBOUND)

    @property
    def network_kind(self) -> str:
        return {MovementKind.TOPUP: "DEBIT", MovementKind.WITHDRAWAL: "CREDIT", MovementKind.INBOUND: "INBOUND"}[self]


class MovementStatus(str, Enum):
    PENDING = "pending"  # asked for; the network has not told us the result
    SUCCEEDED = "succeeded"  # confirmed: a top-up credited, a withdrawal settled, an inbound credit booked
    DECLINED = "declined"  # refused or never reached the network; a withdrawal's money is back
    RETURNED = "returned"  # an inbound credit the bank refused: the network returns it to the sender
    QUARANTINED = "quarantined"  # the network's result did not match the request: held for an operator

    @property
    def final(self) -> bool:
        return self is not MovementStatus.PENDING


class QuarantineReason(str, Enum):
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"
    CURRENCY_DIFFERS = "CURRENCY_DIFFERS"
    KIND_DIFFERS = "KIND_DIFFERS"
    OUTCOME_CONFLICT = "OUTCOME_CONFLICT"  # a result that contradicts the one already booked
    ACCOUNT_UNAVAILABLE = "ACCOUNT_UNAVAILABLE"  # a confirmed top-up whose account froze or closed meanwhile


# Network statuses as the settlement file and the notifications spell them.
NETWORK_STATUS = {
    MovementStatus.SUCCEEDED: "SUCCEEDED", MovementStatus.DECLINED: "DECLINED", MovementStatus.RETURNED: "RETURNED",
}
