"""Direct-debit mandates: a customer's standing consent that one named bank service may take
money from one of their Class II accounts without a PIN each time (an ETC card's tolls).

The customer grants it once, with the PIN typed for it, naming a ceiling per debit; the
service (``InternalService(name)``) then posts ``direct_debit`` entries or places holds on
that account, each within the ceiling, until the mandate is revoked. Everything else about
a debit is the posting engine's as for any movement: the row lock, the balance less holds,
the Class II limits, the idempotency key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError

from infra.i18n import Text
from ledger import errors
from ledger.kinds import AccountKind, AccountStatus
from ledger.models import Account, Mandate as MandateRow
from ledger.vocabulary import MandateStatus

MAX_SERVICE = 80
MAX_REFERENCE = 64


@dataclass(frozen=True, slots=True)
class Mandate:
    id: int
    account_id: int
    owner_user_id: int
    service: str
    reference: str
    per_debit_max: int
    status: MandateStatus
    created_at: datetime

    @classmethod
    def of(cls, row: MandateRow) -> Mandate:
        return cls(row.id, row.account_id, row.owner_user_id, row.service, row.reference, row.per_debit_max,
                   row.status, row.created_at)


def _text(value: str, field: str, most: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= most:
        raise errors.InvalidRequest(Text("ledger.mandate_text", most=most), field=field)
    return value


async def grant(*, user_id: int, account_id: int, service: str, reference: str, per_debit_max: int) -> Mandate:
    """Record the mandate (the caller checked the PIN); granting the same again returns it."""
    _text(service, "service", MAX_SERVICE)
    _text(reference, "reference", MAX_REFERENCE)
    if isinstance(per_debit_max, bool) or not isinstance(per_debit_max, int) or per_debit_max <= 0:
        raise errors.InvalidRequest(Text("ledger.mandate_ceiling"), field="per_debit_max")
    account = await Account.get_or_none(id=account_id, owner_user_id=user_id)
    if account is None or account.kind is not AccountKind.CLASS_TWO or account.status is AccountStatus.CLOSED:
        raise errors.AccountNotFound(account_id)
    existing = await MandateRow.get_or_none(service=service, reference=reference)
    if existing is None:
        try:
            existing = await MandateRow.create(account_id=account_id, owner_user_id=user_id, service=service,
                                               reference=reference, per_debit_max=per_debit_max)
            return Mandate.of(existing)
        except IntegrityError:  # granted at the same moment by a retry
            existing = await MandateRow.get(service=service, reference=reference)
    if (existing.account_id, existing.owner_user_id, existing.per_debit_max, existing.status) != (
            account_id, user_id, per_debit_max, MandateStatus.ACTIVE):
        raise errors.IdempotencyConflict(f"mandate:{service}:{reference}")
    return Mandate.of(existing)


async def revoke(*, mandate_id: int, user_id: int | None = None, service: str | None = None) -> Mandate:
    """End the mandate: its customer or its service may; revoking again changes nothing."""
    row = await MandateRow.get_or_none(id=mandate_id)
    if row is None or (user_id is not None and row.owner_user_id != user_id) or (
            service is not None and row.service != service):
        raise errors.MandateNotFound()
    if row.status is MandateStatus.ACTIVE:
        await MandateRow.filter(id=mandate_id).update(status=MandateStatus.REVOKED,
                                                       revoked_at=datetime.now(timezone.utc))
        row = await MandateRow.get(id=mandate_id)
    return Mandate.of(row)


async def active(*, mandate_id: int, service: str, amount: int) -> Mandate:
    """The mandate a debit or hold by ``service`` draws on, checked for its ceiling."""
    row = await MandateRow.get_or_none(id=mandate_id)
    if row is None or row.service != service:
        raise errors.MandateNotFound()
    if row.status is not MandateStatus.ACTIVE:
        raise errors.MandateRevoked()
    if amount > row.per_debit_max:
        raise errors.MandateCeilingExceeded(ceiling=row.per_debit_max, requested=amount)
    return Mandate.of(row)


def check_debit(mandate: Mandate, legs: Sequence[Any], accounts: Mapping[int, Mapping[str, Any]]) -> None:
    """Refuse unless money leaves only the mandate's account, still its customer's, for the bank's
    or a merchant's accounts (checked on the locked rows)."""
    for leg in legs:
        account = accounts.get(leg.account_id)
        if account is None:
            continue  # the posting engine declines it as not found
        if leg.amount < 0:
            if leg.account_id != mandate.account_id or account["owner_user_id"] != mandate.owner_user_id:
                raise errors.DebitNotAllowed(leg.account_id)
        elif not AccountKind(account["kind"]).is_internal:
            raise errors.DebitNotAllowed(leg.account_id)


def check_hold(mandate: Mandate, account: Mapping[str, Any]) -> None:
    if account["id"] != mandate.account_id or account["owner_user_id"] != mandate.owner_user_id:
        raise errors.DebitNotAllowed(account["id"])
