"""Who may move money out of which account, and how a customer proves it is them.

Every movement names who acts (``by``), and the ledger checks it for every caller:

- ``Customer``: a signed-in customer in one login session. Money leaves only accounts they
  own. A ``transfer`` stays between their own accounts and needs the payment PIN above the
  step-up threshold (one entered in the same session within the step-up window will do).
  Paying anyone else (a merchant, a mini-program) needs the PIN typed for that payment.
- ``InternalService``: a part of the bank acting for a merchant or for the bank itself
  (refunds, deposits, settlement). It never takes money out of a customer's account,
  except to reverse an entry or to capture a hold the customer placed.

Holds: a customer holds their own account with the PIN typed for it (the hold is their
consent to the capture that follows); a service holds only the bank's, enterprises' and
merchants' accounts. Only services capture and release.

Money between a customer's Class II account and their own bound card (a top-up, a
withdrawal) is their own money moving, so it needs the PIN only above the step-up
threshold, like a transfer between their accounts. A withdrawal leaves for the bank's
in-transit account only; the entries that settle network movements are the bank's alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from infra.i18n import Text
from ledger import errors
from ledger.kinds import AccountKind, EntryKind
from ledger.payment_pin import PaymentPins


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer acting in one login session; ``pin`` when they typed it for this request."""

    user_id: int
    session_id: str
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class InternalService:
    """A part of the bank moving a merchant's or the bank's own money; ``name`` says which."""

    name: str


Actor = Customer | InternalService


class StepUp(Enum):
    NONE = "none"
    RECENT = "recent"  # the PIN, entered in this session within the step-up window
    THIS_PAYMENT = "this_payment"  # the PIN, typed for this very request


# Kinds whose money stays the customer's own: step-up only above the threshold.
OWN_MONEY_KINDS = frozenset({EntryKind.TRANSFER, EntryKind.TOPUP, EntryKind.WITHDRAWAL})
# Kinds only the bank posts when the card network confirms money, never a customer.
BANK_ONLY_KINDS = frozenset({EntryKind.TOPUP, EntryKind.WITHDRAWAL_SETTLEMENT, EntryKind.INBOUND_TRANSFER,
                             EntryKind.REWARD, EntryKind.DIRECT_DEBIT})


def step_up_for(by: Actor, kind: EntryKind, outflow: int, *, above: int) -> StepUp:
    """What proof this movement needs from whoever asks for it."""
    if not isinstance(by, Customer):
        return StepUp.NONE
    if kind not in OWN_MONEY_KINDS:
        return StepUp.THIS_PAYMENT
    return StepUp.RECENT if outflow > above else StepUp.NONE


async def confirm(by: Actor, need: StepUp, *, pins: PaymentPins, above: int) -> None:
    """Check the proof a customer gave: a PIN given is always verified (a wrong one counts)."""
    if not isinstance(by, Customer):
        return
    if by.pin is not None:
        await pins.verify(user_id=by.user_id, session_id=by.session_id, pin=by.pin)
        return
    if need is StepUp.NONE:
        return
    if need is StepUp.RECENT and await pins.has_recent_step_up(user_id=by.user_id, session_id=by.session_id):
        return
    raise errors.StepUpRequired(above_amount=above, each_payment=need is StepUp.THIS_PAYMENT)


def check_accounts(by: Actor, kind: EntryKind, legs: Sequence[Any], accounts: Mapping[int, Mapping[str, Any]]) -> None:
    """Refuse when ``by`` may not move money this way between these (locked) account rows.

    A customer is told another's account does not exist, as if they had guessed an id.
    """
    if isinstance(by, Customer) and kind in BANK_ONLY_KINDS:
        raise errors.InvalidRequest(Text("ledger.bank_only_kind"), field="kind")
    for leg in legs:
        account = accounts.get(leg.account_id)
        if account is None:
            continue  # the posting engine declines it as not found
        if isinstance(by, Customer):
            own_only = leg.amount < 0 or kind is EntryKind.TRANSFER
            if own_only and account["owner_user_id"] != by.user_id:
                raise errors.AccountNotFound(leg.account_id)
            if kind is EntryKind.WITHDRAWAL and not _withdrawal_leg(leg.amount, AccountKind(account["kind"])):
                raise errors.AccountNotFound(leg.account_id)
        elif leg.amount < 0 and kind not in _SERVICE_DEBITS and not AccountKind(account["kind"]).is_internal:
            raise errors.DebitNotAllowed(leg.account_id)


# A capture takes only what the customer's own hold reserved (the engine ties it to the hold).
_SERVICE_DEBITS = frozenset({EntryKind.REVERSAL, EntryKind.CAPTURE})


def check_hold(by: Actor, account: Mapping[str, Any]) -> None:
    """Refuse when ``by`` may not place a hold on this (locked) account row."""
    if isinstance(by, Customer):
        if account["owner_user_id"] != by.user_id:
            raise errors.AccountNotFound(account["id"])
    elif not AccountKind(account["kind"]).is_internal:
        raise errors.DebitNotAllowed(account["id"])


def _withdrawal_leg(amount: int, kind: AccountKind) -> bool:
    """A withdrawal leaves a Class II account for the bank's in-transit account, nothing else."""
    return kind is AccountKind.CLASS_TWO if amount < 0 else kind.is_internal
