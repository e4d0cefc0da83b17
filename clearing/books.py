"""The bank's own accounts for card-network money, and the settlement day of an instant.

- network clearing (SETTLEMENT kind, may go below zero): the bank's position with the
  network. Money arriving from the network is debited to it, money sent is credited.
- withdrawals in transit (SUSPENSE kind): what customers have sent to their cards and the
  network has not yet confirmed. Its balance is always the sum of those movements.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ledger.service import AccountKind, InternalService, open_account

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
CLEARING = InternalService("card-network clearing")


def settlement_day(instant: datetime) -> date:
    """The China Standard Time day an instant belongs to: the network's settlement day."""
    return instant.astimezone(CHINA_STANDARD_TIME).date()


@dataclass(frozen=True, slots=True)
class BankAccounts:
    network_clearing: int
    in_transit: int


class Books:
    """Opens the bank's accounts once (idempotently, by key) and remembers their ids."""

    def __init__(self) -> None:
        self._accounts: BankAccounts | None = None
        self._lock = asyncio.Lock()

    async def accounts(self) -> BankAccounts:
        if self._accounts is None:
            async with self._lock:
                if self._accounts is None:
                    clearing = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT,
                                                  name="Card network clearing", idempotency_key="clearing:network")
                    transit = await open_account(owner_user_id=None, kind=AccountKind.SUSPENSE,
                                                 name="Withdrawals in transit", idempotency_key="clearing:in-transit")
                    self._accounts = BankAccounts(clearing.id, transit.id)
        return self._accounts
