"""What marketing may know of a customer's relationship with the bank: the classes of account
they hold open and whether they belong to an enterprise (two queries for any number of users)."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.kinds import AccountKind, AccountStatus
from ledger.models import Account, EnterpriseMember


@dataclass(frozen=True, slots=True)
class CustomerStanding:
    user_id: int
    account_kinds: frozenset[AccountKind]  # Class I and Class II accounts not closed
    enterprise_member: bool  # holds a role in at least one enterprise (an employee of a payroll client)


async def customer_standing(*, user_ids: list[int]) -> dict[int, CustomerStanding]:
    if not user_ids:
        return {}
    kinds: dict[int, set[AccountKind]] = {u: set() for u in user_ids}
    rows = await Account.filter(
        owner_user_id__in=user_ids, kind__in=[AccountKind.CLASS_ONE, AccountKind.CLASS_TWO],
        status__not=AccountStatus.CLOSED,
    ).values_list("owner_user_id", "kind")
    for owner, kind in rows:
        kinds[owner].add(AccountKind(kind))
    members = set(await EnterpriseMember.filter(user_id__in=user_ids).distinct().values_list("user_id", flat=True))
    return {u: CustomerStanding(u, frozenset(kinds[u]), u in members) for u in user_ids}
