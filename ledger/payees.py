"""Who a customer pays: a payee found by mobile number or account number, shown masked.

Both ways land in the payee's Class II account. A look-up is counted against the payer
(``LEDGER_PAYEE_LOOKUPS_PER_HOUR``), whether it is a preview or the payment itself, and
says no more than the payment would: "no such payee" whether the number is unknown or its
owner has no account to receive money, then "frozen" or "closed", then the masked name
(``张*``) and masked account number for the payer to confirm.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis.asyncio as aioredis

from infra.i18n import Text
from infra.masking import mask_card_number, mask_phone
from infra.ratelimit import RateLimiter
from ledger import errors
from ledger.account_numbers import normalized_account_number
from ledger.authority import Customer
from ledger.kinds import AccountKind, AccountStatus
from ledger.models import Account

_MOBILE = re.compile(r"1[3-9]\d{9}")


async def _nobody(**_) -> None:
    return None


@dataclass(frozen=True, slots=True)
class People:
    """What the ledger asks of the domains that know people; the composition root gives it.

    ``user_for_phone(phone=)`` -> user id or None; ``verified_name(user_id=)`` -> the masked
    legal name verified at account opening, or None; ``tell(user_id=, topic=, title=, body=)``
    puts a message in the user's inbox, inside the caller's open transaction.
    """

    user_for_phone: Callable[..., Awaitable[int | None]] = _nobody
    verified_name: Callable[..., Awaitable[str | None]] = _nobody
    tell: Callable[..., Awaitable[None]] = _nobody


@dataclass(frozen=True, slots=True)
class Payee:
    user_id: int
    account_id: int
    account_number: str  # for the ledger's own use; shown only masked
    masked_name: str | None
    masked_account_number: str
    masked_phone: str | None  # only when the payer typed the phone


class PayeeDirectory:
    def __init__(self, *, people: People, redis: aioredis.Redis, lookups_per_hour: int) -> None:
        self.people = people
        self._limiter = RateLimiter(redis, prefix="ledger:payee-lookups")
        self._per_hour = lookups_per_hour

    async def find(self, *, by: Customer, phone: str | None = None, account_number: str | None = None) -> Payee:
        if (phone is None) == (account_number is None):
            raise errors.InvalidRequest(Text("ledger.payee_phone_or_account"), field="to_phone")
        number = None
        if phone is not None and not (isinstance(phone, str) and _MOBILE.fullmatch(phone)):
            raise errors.InvalidRequest(Text("ledger.not_a_mobile_number"), field="to_phone")
        if account_number is not None:
            number = normalized_account_number(account_number)
            if number is None:
                raise errors.InvalidRequest(Text("ledger.not_an_account_number"), field="to_account_number")
        decision = await self._limiter.hit(str(by.user_id), limit=self._per_hour, window_seconds=3600)
        if not decision.allowed:
            raise errors.PayeeLookupsExhausted(retry_after_seconds=decision.retry_after_seconds)
        account = await (self._by_phone(by, phone) if number is None else self._by_number(by, number))
        return Payee(
            user_id=account.owner_user_id, account_id=account.id, account_number=account.number or "",
            masked_name=await self.people.verified_name(user_id=account.owner_user_id),
            masked_account_number=mask_card_number(account.number or ""),
            masked_phone=mask_phone(phone) if phone is not None else None,
        )

    async def _by_phone(self, by: Customer, phone: str) -> Account:
        user_id = await self.people.user_for_phone(phone=phone)
        if user_id is None:
            raise errors.PayeeNotFound()
        if user_id == by.user_id:
            raise errors.CannotPayYourself()
        # Where payments to a person land: their oldest Class II account that is not closed.
        account = await Account.filter(
            owner_user_id=user_id, kind=AccountKind.CLASS_TWO, status__not=AccountStatus.CLOSED
        ).order_by("id").first()
        if account is None:
            raise errors.PayeeNotFound()
        if account.status is AccountStatus.FROZEN:
            raise errors.PayeeAccountFrozen()
        return account

    async def _by_number(self, by: Customer, number: str) -> Account:
        account = await Account.get_or_none(number=number, kind=AccountKind.CLASS_TWO)
        if account is None:
            raise errors.PayeeNotFound()
        if account.owner_user_id == by.user_id:
            raise errors.CannotPayYourself()
        if account.status is AccountStatus.CLOSED:
            raise errors.PayeeAccountClosed()
        if account.status is AccountStatus.FROZEN:
            raise errors.PayeeAccountFrozen()
        return account
