"""The facts a rule is evaluated on, gathered in bulk from the domains that own them.

Age and city from KYC, account class and enterprise membership from the ledger, event
counts from tracking: each through that domain's public module, a few queries per page of
customers whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from infra.pii import PiiCipher
from kyc.service import customer_facts
from ledger.service import AccountKind, customer_standing
from marketing.rules import AllOf, AnyOf, EventCount, InSet, IsTrue, Not, Rule, event_leaves
from tracking.service import event_counts

_BANDS = ((18, "UNDER_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"), (65, "55_64"))


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    return next((band for limit, band in _BANDS if age < limit), "65_PLUS")


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    age_band: str | None
    city: str | None
    account_class: str  # CLASS_TWO when they hold one, else CLASS_ONE, else NONE
    enterprise_employee: bool
    events: dict[EventCount, int]


class Audience:
    def __init__(self, *, cipher: PiiCipher) -> None:
        self._cipher = cipher

    async def profiles(self, user_ids: list[int], rule: Rule, *, now: datetime | None = None) -> list[Profile]:
        """What ``rule`` needs to know of each of ``user_ids``."""
        now = now or datetime.now(timezone.utc)
        facts = await customer_facts(cipher=self._cipher, user_ids=user_ids, today=now.date())
        standing = await customer_standing(user_ids=user_ids)
        counts: dict[EventCount, dict[int, int]] = {}
        for leaf in dict.fromkeys(event_leaves(rule)):
            counts[leaf] = await event_counts(name=leaf.name, since=now - timedelta(days=leaf.within_days),
                                              user_ids=user_ids, page=leaf.page, app_id=leaf.app_id)
        out = []
        for user_id in user_ids:
            fact, stand = facts.get(user_id), standing.get(user_id)
            kinds = stand.account_kinds if stand else frozenset()
            account_class = ("CLASS_TWO" if AccountKind.CLASS_TWO in kinds
                             else "CLASS_ONE" if AccountKind.CLASS_ONE in kinds else "NONE")
            out.append(Profile(
                user_id, age_band(fact.age) if fact else None, fact.city if fact else None, account_class,
                bool(stand and stand.enterprise_member), {leaf: by_user.get(user_id, 0) for leaf, by_user in counts.items()},
            ))
        return out


def matches(rule: Rule, profile: Profile) -> bool:
    if isinstance(rule, AllOf):
        return all(matches(r, profile) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(matches(r, profile) for r in rule.rules)
    if isinstance(rule, Not):
        return not matches(rule.rule, profile)
    if isinstance(rule, InSet):
        value = {"ageBand": profile.age_band, "city": profile.city, "accountClass": profile.account_class}[rule.attr]
        return value in rule.values
    if isinstance(rule, IsTrue):
        return profile.enterprise_employee is rule.value
    return profile.events.get(rule, 0) >= rule.at_least


__all__ = ["Audience", "Profile", "age_band", "matches"]
