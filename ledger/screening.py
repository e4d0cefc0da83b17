"""What the ledger asks of a transaction monitor before money moves: a protocol the ledger owns.

``LedgerService`` is built with a ``MovementScreen`` (the monitoring domain's, given by the
composition root) and asks it about every movement inside ``_move``, the one place all
money passes, so a mini-program's payment is screened like a customer's own transfer. The
ledger knows only these types; the monitor knows nothing of the ledger's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from infra.i18n import Text


class Verdict(str, Enum):
    """What one movement may do, least to most severe."""

    ALLOW = "allow"
    STEP_UP = "step_up"  # only with the payment PIN typed for this request
    HOLD = "hold"  # reserved on the paying account, posted or returned by an operator
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Verdict.ALLOW: 0, Verdict.STEP_UP: 1, Verdict.HOLD: 2, Verdict.BLOCK: 3}


@dataclass(frozen=True, slots=True)
class MovementFacts:
    """One movement as the monitor sees it, before it posts. ``user_id`` is None when a bank
    service moves the money; ``counterparties`` are the accounts paid (not the payer's own)."""

    user_id: int | None
    session_id: str | None
    kind: str
    amount: int  # fen leaving accounts
    from_account_id: int | None
    counterparties: tuple[int, ...]
    idempotency_key: str
    pin_typed: bool  # the customer typed (and the ledger verified) the PIN for this request
    step_up_above: int  # the ledger's step-up threshold, in fen


@dataclass(frozen=True, slots=True)
class Screening:
    """The monitor's decision and why: the deciding ``rule`` and its ``reason``."""

    verdict: Verdict
    rule: str = ""
    reason: Text | None = None


ALLOWED = Screening(Verdict.ALLOW)


@dataclass(frozen=True, slots=True)
class PendingMovement:
    """A held movement, as the ledger will post it on release: plain values to be stored."""

    user_id: int
    session_id: str
    legs: tuple[tuple[int, int], ...]  # (account id, signed fen)
    idempotency_key: str
    memo: str
    kind: str
    fingerprint: str
    hold_id: int
    account_id: int  # the paying account, whose hold reserves the amount
    amount: int


@dataclass(frozen=True, slots=True)
class QueuedReview:
    """Where a held movement stands in the operator's queue."""

    review_id: int
    status: str  # "held", "released" or "reversed"


class MovementScreen(Protocol):
    async def screen(self, facts: MovementFacts) -> Screening: ...

    async def queue(self, facts: MovementFacts, screening: Screening, pending: PendingMovement) -> QueuedReview:
        """Put a held movement in the operator queue, once per idempotency key."""
        ...

    async def pin_failed(self, *, user_id: int) -> None:
        """A wrong payment PIN was typed (counted by the repeated-wrong-PIN rule)."""
        ...


class NoScreen:
    """The ledger alone (benchmarks, commands that move only the bank's money): all allowed."""

    async def screen(self, facts: MovementFacts) -> Screening:
        return ALLOWED

    async def queue(self, facts: MovementFacts, screening: Screening, pending: PendingMovement) -> QueuedReview:
        raise RuntimeError("NoScreen never holds a movement")

    async def pin_failed(self, *, user_id: int) -> None:
        return None
