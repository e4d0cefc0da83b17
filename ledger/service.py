"""The ledger's public face: accounts, and ``LedgerService``, the one way money moves.

Every function takes keyword-only arguments. Money moves only through a ``LedgerService``
(the running app's is ``runtime.ledger``): its calls name who acts (``by``), carry an
explicit idempotency key and return the journal entry; a retry with the same key and the
same request returns the original entry and moves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from functools import partial

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ledger import errors
from ledger.account_numbers import account_id_of_number, account_number
from ledger.authority import Actor, Customer, InternalService, check_accounts, confirm, step_up_for
from ledger.cards import bind_card, card_number
from ledger.config import LedgerSettings
from ledger.kinds import AccountKind, AccountStatus, EntryKind
from ledger.limits import Allowance, ClassTwoLimits, allowance, allowances
from ledger.models import Account
from ledger.payment_pin import PaymentPins
from ledger.posting import (
    AlsoWrite, Leg, Movement, PostedEntry, PostedLeg, checked_amount, movement, post,
    refuse_inside_callers_transaction, reversal_movement, transfer_movement,
)
from ledger.statements import StatementLine, StatementPage, statement
from infra.pii import PiiCipher

__all__ = [
    "AccountKind", "AccountStatus", "Actor", "Allowance", "AlsoWrite", "ClassTwoLimits", "Customer", "EntryKind",
    "InternalService", "LedgerService", "Leg", "PostedEntry", "PostedLeg", "account_by_number", "account_number",
    "accounts_of", "available_limits", "bind_card", "class_two_account_of", "close_account", "freeze_account",
    "get_account", "open_account", "statement", "StatementLine", "StatementPage", "unfreeze_account",
]

_MAX_KEY = 128


async def open_account(
    *,
    owner_user_id: int | None,
    kind: AccountKind,
    name: str,
    idempotency_key: str | None = None,
) -> Account:
    """Open an empty CNY account; with a key, opening again returns the same account."""
    kind = AccountKind(kind)
    name = (name or "").strip()
    if not 1 <= len(name) <= 64:
        raise errors.InvalidRequest("an account name is 1 to 64 characters", field="name")
    if not kind.is_internal and owner_user_id is None:
        raise errors.InvalidRequest("a customer account needs an owner", field="owner_user_id")
    if idempotency_key is not None:
        _check_key(idempotency_key)
        existing = await Account.get_or_none(opening_key=idempotency_key)
        if existing is not None:
            return _same_opening(existing, owner_user_id, kind, name, idempotency_key)
    try:
        return await Account.create(
            owner_user_id=owner_user_id, kind=kind, name=name, opening_key=idempotency_key
        )
    except IntegrityError:  # opened concurrently with the same key
        existing = await Account.get(opening_key=idempotency_key)
        return _same_opening(existing, owner_user_id, kind, name, idempotency_key)


def _same_opening(account: Account, owner_user_id, kind, name, key: str) -> Account:
    if (account.owner_user_id, account.kind, account.name) != (owner_user_id, kind, name):
        raise errors.IdempotencyConflict(key)
    return account


async def get_account(*, account_id: int, owner_user_id: int | None = None) -> Account:
    """One account; with an owner, another customer's account is reported as not found."""
    filters = {"id": account_id}
    if owner_user_id is not None:
        filters["owner_user_id"] = owner_user_id
    account = await Account.get_or_none(**filters)
    if account is None:
        raise errors.AccountNotFound(account_id)
    return account


async def account_by_number(*, number: str) -> Account | None:
    """The account an account number names (``account_number(id)``), or None."""
    account_id = account_id_of_number(number)
    return None if account_id is None else await Account.get_or_none(id=account_id)


async def accounts_of(*, owner_user_id: int) -> list[Account]:
    return await Account.filter(owner_user_id=owner_user_id).order_by("id")


async def class_two_account_of(*, owner_user_id: int) -> Account | None:
    """The customer's oldest active Class II account: where payments to them land."""
    return await Account.filter(
        owner_user_id=owner_user_id, kind=AccountKind.CLASS_TWO, status=AccountStatus.ACTIVE
    ).order_by("id").first()


async def available_limits(*, account_id: int, limits: ClassTwoLimits) -> Allowance | None:
    """What a Class II account may still send; None for kinds without limits."""
    account = await get_account(account_id=account_id)
    if account.kind is not AccountKind.CLASS_TWO:
        return None
    return await allowance(account_id=account_id, limits=limits, now=datetime.now(timezone.utc))


async def freeze_account(*, account_id: int) -> Account:
    """A frozen account neither pays nor receives until it is unfrozen."""
    return await _set_status(account_id, AccountStatus.FROZEN, allowed_from=(AccountStatus.ACTIVE, AccountStatus.FROZEN))


async def unfreeze_account(*, account_id: int) -> Account:
    return await _set_status(account_id, AccountStatus.ACTIVE, allowed_from=(AccountStatus.FROZEN, AccountStatus.ACTIVE))


async def close_account(*, account_id: int) -> Account:
    """Close an account for good; only an empty, unfrozen one can be closed."""
    async with in_transaction():
        account = await Account.select_for_update().get_or_none(id=account_id)
        if account is None:
            raise errors.AccountNotFound(account_id)
        if account.status is AccountStatus.CLOSED:
            return account
        if account.status is AccountStatus.FROZEN:
            raise errors.AccountFrozen(account_id)
        if account.balance != 0:
            raise errors.BalanceNotZero(account_id, account.balance)
        account.status = AccountStatus.CLOSED
        account.closed_at = datetime.now(timezone.utc)
        if account.kind is AccountKind.CLASS_ONE:
            account.opening_key = None  # unbinding a card frees it to be bound again
        await account.save(update_fields=["status", "closed_at", "opening_key"])
    return account


async def _set_status(account_id: int, status: AccountStatus, *, allowed_from) -> Account:
    async with in_transaction():
        account = await Account.select_for_update().get_or_none(id=account_id)
        if account is None:
            raise errors.AccountNotFound(account_id)
        if account.status is AccountStatus.CLOSED:
            raise errors.AccountClosed(account_id)
        if account.status in allowed_from and account.status is not status:
            account.status = status
            await account.save(update_fields=["status"])
    return account


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= _MAX_KEY:
        raise errors.InvalidRequest(f"an idempotency key is 1 to {_MAX_KEY} characters", field="idempotency_key")


class LedgerService:
    """The one way money moves, with the running app's settings, for every caller.

    Each movement names who acts (``by``: a ``Customer`` with how they proved it, or an
    ``InternalService``), and the ledger itself checks what ``ledger.authority`` says: whose
    accounts money may leave, the payment PIN (step-up), and the configured Class II limits.
    Each runs in its own transaction, which the caller's rows can join through ``also_write``.
    Other packages reach it as ``runtime.ledger``.
    """

    def __init__(self, *, settings: LedgerSettings, cipher: PiiCipher, redis: aioredis.Redis) -> None:
        self.settings = settings
        self._cipher = cipher
        self.pins = PaymentPins(
            redis=redis,
            max_attempts=settings.pin_max_attempts,
            lock_seconds=settings.pin_lock_seconds,
            step_up_seconds=settings.step_up_seconds,
        )

    async def transfer(
        self,
        *,
        by: Actor,
        from_account_id: int,
        to_account_id: int,
        amount: int,
        idempotency_key: str,
        memo: str = "",
        kind: EntryKind | str = EntryKind.TRANSFER,
        also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """Move ``amount`` fen from one account to another."""
        request = transfer_movement(
            from_account_id=from_account_id, to_account_id=to_account_id, amount=amount,
            idempotency_key=idempotency_key, memo=memo, kind=kind,
        )
        return await self._move(request, by, also_write)

    async def pay_customer(
        self,
        *,
        by: Customer,
        payee_user_id: int,
        amount: int,
        idempotency_key: str,
        from_account_id: int | None = None,
        memo: str = "",
    ) -> PostedEntry:
        """Pay another customer into their Class II account, from one of the payer's own
        accounts (their Class II account unless another is named): the payer's limits apply
        and, as for any payment to someone else, the PIN typed for it."""
        if from_account_id is None:
            source = await class_two_account_of(owner_user_id=by.user_id)
            if source is None:
                raise errors.AccountNotFound()
            from_account_id = source.id
        target = await class_two_account_of(owner_user_id=payee_user_id)
        if target is None:
            raise errors.PayeeNotFound()
        return await self.transfer(
            by=by, from_account_id=from_account_id, to_account_id=target.id, amount=amount,
            idempotency_key=idempotency_key, memo=memo, kind=EntryKind.PAYMENT,
        )

    async def post_entry(
        self,
        *,
        by: Actor,
        legs: Sequence[Leg],
        idempotency_key: str,
        memo: str = "",
        kind: EntryKind | str = EntryKind.TRANSFER,
        also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """Write one balanced entry of up to 32 legs (a split payment, a fee beside a transfer)."""
        request = movement(legs=legs, idempotency_key=idempotency_key, memo=memo, kind=kind)
        return await self._move(request, by, also_write)

    async def reverse_entry(
        self, *, by: InternalService, entry_id: int, idempotency_key: str, memo: str = "",
        also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """Undo an entry with a new one of opposite postings that points at it (the bank's own act)."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest("only the bank reverses an entry", field="by")
        request = await reversal_movement(entry_id=entry_id, idempotency_key=idempotency_key, memo=memo)
        return await self._move(request, by, also_write)

    async def check_incoming(self, *, by: Customer, to_account_id: int, amount: int, kind: EntryKind) -> Account:
        """What money from outside the ledger into a customer's own Class II account (a top-up
        from their bound card) needs before the bank asks for it: the account is theirs and
        open, the amount within the Class II per-transaction limit, and the proof step-up
        asks for. The entry itself is posted by the bank once the money has arrived."""
        amount = checked_amount(amount)
        if not isinstance(by, Customer):
            raise TypeError("by is a Customer")
        above = self.settings.step_up_above  # the proof first, as for every movement
        await confirm(by, step_up_for(by, EntryKind(kind), amount, above=above), pins=self.pins, above=above)
        account = await get_account(account_id=to_account_id, owner_user_id=by.user_id)
        if account.kind is not AccountKind.CLASS_TWO:
            raise errors.AccountNotFound(to_account_id)
        if account.status is AccountStatus.CLOSED:
            raise errors.AccountClosed(to_account_id)
        if account.status is AccountStatus.FROZEN:
            raise errors.AccountFrozen(to_account_id)
        limit = self.settings.class_two_limits.per_transaction
        if amount > limit:
            raise errors.LimitExceeded(account_id=to_account_id, limit="per_transaction", limit_amount=limit,
                                       remaining=limit)
        return account

    async def bound_card_number(self, *, owner_user_id: int, account_id: int) -> tuple[Account, str]:
        """A customer's bound card (Class I account) and its full number, for the card network
        only; another customer's account or a closed card is AccountNotFound."""
        account = await get_account(account_id=account_id, owner_user_id=owner_user_id)
        if account.status is AccountStatus.CLOSED:
            raise errors.AccountNotFound(account_id)
        return account, card_number(account, self._cipher)

    async def _move(self, request: Movement, by: Actor, also_write: AlsoWrite | None) -> PostedEntry:
        if not isinstance(by, (Customer, InternalService)):
            raise TypeError("by is a Customer or an InternalService")
        # Before the PIN too: wrong tries counted inside a caller's transaction would roll back with it.
        refuse_inside_callers_transaction()
        above = self.settings.step_up_above
        await confirm(by, step_up_for(by, request.kind, request.outflow, above=above), pins=self.pins, above=above)
        return await post(
            request, limits=self.settings.class_two_limits,
            authorize=partial(check_accounts, by, request.kind, request.legs), also_write=also_write,
        )

    async def allowances(self, *, account_ids: list[int]) -> dict[int, Allowance]:
        """What each Class II account among ``account_ids`` may still send."""
        return await allowances(account_ids=account_ids, limits=self.settings.class_two_limits,
                                now=datetime.now(timezone.utc))

    async def bind_card(self, *, owner_user_id: int, card_number: str, name: str | None = None) -> Account:
        return await bind_card(owner_user_id=owner_user_id, card_number=card_number, cipher=self._cipher, name=name)


# The ledger's errors, for other domains to catch: they import only this module.
from ledger.errors import (  # noqa: E402 - re-exports, kept apart from the service above
    AccountClosed, AccountFrozen, AccountNotFound, AlreadyReversed, BalanceNotZero, CardAlreadyBound, Declined,
    EntryNotFound, IdempotencyConflict, InsufficientFunds, InvalidCardNumber, InvalidRequest, LedgerError,
    LimitExceeded, PayeeNotFound, PinLocked, PinNotSet, StepUpRequired, WrongPin,
)

__all__ += [
    "AccountClosed", "AccountFrozen", "AccountNotFound", "AlreadyReversed", "BalanceNotZero", "CardAlreadyBound",
    "Declined", "EntryNotFound", "IdempotencyConflict", "InsufficientFunds", "InvalidCardNumber", "InvalidRequest",
    "LedgerError", "LimitExceeded", "PayeeNotFound", "PinLocked", "PinNotSet", "StepUpRequired", "WrongPin",
]
