"""The ledger's words for holds and business customers: their states, roles and categories."""

from __future__ import annotations

from enum import Enum


class HoldStatus(str, Enum):
    ACTIVE = "active"
    CAPTURED = "captured"  # nothing left: at least part of it was captured
    RELEASED = "released"  # nothing captured, all of it released
    EXPIRED = "expired"  # its time ran out before it was used up


class EnterpriseRole(str, Enum):
    """Roles a user holds in one enterprise: payroll's maker-checker and its administrator."""

    ADMINISTRATOR = "administrator"  # manages the enterprise's members
    MAKER = "maker"  # prepares payments (a payroll batch)
    CHECKER = "checker"  # approves what a maker prepared


class MerchantCategory(str, Enum):
    """What a merchant enterprise is; first-party mini-programs find their merchants by it."""

    TOLL_OPERATOR = "toll_operator"
    PARKING = "parking"
    FUEL = "fuel"
    CAR_WASH = "car_wash"
    LOTTERY_PRIZE_POOL = "lottery_prize_pool"
    PARK_OPERATOR = "park_operator"


class MandateStatus(str, Enum):
    ACTIVE = "active"
    REVOKED = "revoked"


class CardTokenStatus(str, Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # its card was unbound: refused until the app is removed and it is deleted
