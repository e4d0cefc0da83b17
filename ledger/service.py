"""The ledger's public face: accounts, and ``LedgerService``, the one way money moves.

Every function takes keyword-only arguments. Money moves only through a ``LedgerService``
(the running app's is ``runtime.ledger``): its calls name who acts (``by``), carry an
explicit idempotency key and return the journal entry; a retry with the same key and the
same request returns the original entry and moves nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import partial

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import service as audit_log
from infra.pii import PiiCipher
from infra.ratelimit import RateLimiter
from ledger import errors, holds, mandates, tokens
from ledger.account_numbers import NUMBERED_KINDS, new_account_number, normalized_account_number
from ledger.authority import (
    OWN_MONEY_KINDS, Actor, Customer, InternalService, StepUp, check_accounts, check_hold, confirm, step_up_for,
)
from ledger.captures import MAX_CAPTURES, AlsoWriteMany, post_captures
from ledger.cards import bind_card, card_number
from ledger.config import LedgerSettings
from ledger.enterprises import (
    Enterprise, EnterpriseActor, Member, Membership, Operator, add_member as add_enterprise_member, enterprises,
    enterprise_by_credit_code, get_enterprise, members as enterprise_members, memberships_of, merchants,
    open_enterprise, remove_member as remove_enterprise_member, require_role as require_enterprise_role,
    roles_of as enterprise_roles,
)
from ledger.holds import Hold, HoldDraw
from ledger.kinds import AccountKind, AccountStatus, EntryKind
from ledger.mandates import Mandate
from ledger.limits import Allowance, ClassTwoLimits, allowance, allowances, check_outflow
from ledger.models import Account, JournalEntry
from ledger.posting_sql import among, among_args
from ledger.money import yuan
from ledger.payees import Payee, PayeeDirectory, People
from ledger.payment_pin import PaymentPins
from ledger.screening import (
    ALLOWED, MovementFacts, MovementScreen, NoScreen, PendingMovement, QueuedReview, Screening, Verdict,
)
from ledger.posting import (
    AlsoWrite, Authorize, Leg, Movement, PostedEntry, PostedLeg, checked_amount, movement, post,
    refuse_inside_callers_transaction, reversal_movement, transfer_movement,
)
from ledger.statements import StatementLine, StatementPage, statement
from infra.i18n import Text
from ledger.statement_files import render_csv, render_pdf
from ledger.standing import CustomerStanding, customer_standing
from ledger.statements import StatementPeriod, statement_period
from ledger.tokens import TOKEN_BIN, CardTokenView
from ledger.vocabulary import CardTokenStatus, EnterpriseRole, HoldStatus, MandateStatus, MerchantCategory

__all__ = [
    "AccountKind", "AccountStatus", "Actor", "Allowance", "AlsoWrite", "AlsoWriteMany", "Capture", "ClassTwoLimits", "Customer", "CustomerPayment",
    "EntryKind", "InternalService", "LedgerService", "Leg", "PostedEntry", "PostedLeg", "Subsidy", "accounts_of",
    "account_by_number", "accounts_by_number", "available_limits", "bind_card", "class_two_account_of", "close_account",
    "customer_accounts_for_operator",
    "freeze_account", "get_account", "normalized_account_number", "open_account", "statement", "StatementLine",
    "StatementPage", "StatementPeriod", "unfreeze_account",
    # holds
    "Hold", "HoldStatus", "MAX_CAPTURES", "NumberedAccount",
    # direct-debit mandates, and what hears of money arriving
    "CreditListener", "Mandate", "MandateStatus",
    # enterprise and merchant customers
    "Enterprise", "EnterpriseActor", "EnterpriseRole", "Member", "Membership", "MerchantCategory", "Operator",
    "add_enterprise_member", "enterprise_by_credit_code", "enterprise_members", "enterprise_roles", "enterprises",
    "get_enterprise", "memberships_of", "merchants", "open_enterprise", "remove_enterprise_member",
    "require_enterprise_role",
    # payments to people
    "Payee", "People",
    # what marketing segments by
    "CustomerStanding", "customer_standing",
    # card tokens: what mini-programs and partners know a bound card by
    "CardTokenStatus", "CardTokenView", "TOKEN_BIN", "card_token_for", "card_token_view", "card_tokens_for", "delete_app_card_tokens",
    # what transaction monitoring is asked and answers (ledger.screening)
    "ALLOWED", "MovementFacts", "MovementScreen", "NoScreen", "PendingMovement", "QueuedReview", "ReviewSettled", "Screening",
    "Verdict",
]

_MAX_KEY = 128
log = logging.getLogger("ledger")
# Money arriving in a customer's account from outside: what ``on_credit`` listeners hear of.
CREDIT_KINDS = frozenset({EntryKind.TOPUP, EntryKind.INBOUND_TRANSFER, EntryKind.DEPOSIT})
CreditListener = Callable[[PostedEntry], Awaitable[object]]
# Written inside the transaction that settles a held movement: the posted entry, or None when returned.
ReviewSettled = Callable[[PostedEntry | None], Awaitable[None]]


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
        raise errors.InvalidRequest(Text("ledger.account_name_length"), field="name")
    if not kind.is_internal and owner_user_id is None:
        raise errors.InvalidRequest(Text("ledger.account_needs_owner"), field="owner_user_id")
    if idempotency_key is not None:
        _check_key(idempotency_key)
        existing = await Account.get_or_none(opening_key=idempotency_key)
        if existing is not None:
            return _same_opening(existing, owner_user_id, kind, name, idempotency_key)
    for _ in range(5):
        try:
            return await Account.create(
                owner_user_id=owner_user_id, kind=kind, name=name, opening_key=idempotency_key,
                number=new_account_number() if kind in NUMBERED_KINDS else None,
            )
        except IntegrityError:
            existing = await Account.get_or_none(opening_key=idempotency_key) if idempotency_key else None
            if existing is not None:  # opened concurrently with the same key
                return _same_opening(existing, owner_user_id, kind, name, existing.opening_key or "")
            # otherwise the random number was taken (one in 10^12 per account): draw another
    raise RuntimeError("no free account number after 5 draws")


def _same_opening(account: Account, owner_user_id: int | None, kind: AccountKind, name: str, key: str) -> Account:
    if (account.owner_user_id, account.kind, account.name) != (owner_user_id, kind, name):
        raise errors.IdempotencyConflict(key)
    return account


async def get_account(*, account_id: int, owner_user_id: int | None = None) -> Account:
    """One account; with an owner, another customer's account is reported as not found."""
    query = Account.filter(id=account_id)
    if owner_user_id is not None:
        query = query.filter(owner_user_id=owner_user_id)
    account = await query.first()
    if account is None:
        raise errors.AccountNotFound(account_id)
    return account


async def accounts_of(*, owner_user_id: int) -> list[Account]:
    return await Account.filter(owner_user_id=owner_user_id).order_by("id")


async def account_by_number(*, number: str) -> Account | None:
    """The Class II, enterprise or merchant account with this customer-visible number."""
    normalized = normalized_account_number(number)
    return None if normalized is None else await Account.get_or_none(number=normalized)


@dataclass(frozen=True, slots=True)
class NumberedAccount:
    """What paying into an account found by its number needs to know of it."""

    id: int
    number: str
    kind: AccountKind
    owner_user_id: int | None


async def accounts_by_number(*, numbers: Sequence[str]) -> dict[str, NumberedAccount]:
    """The accounts among these (normalised) numbers, by number: payroll looks a chunk of
    payees up at once (rows, not models: a chunk's 1,000 models cost a tenth of its time)."""
    numbers = list(numbers)[:1_000]
    if not numbers:
        return {}
    conn = Account._meta.db
    dialect = conn.capabilities.dialect  # one array on PostgreSQL: 1,000 IN-list parameters took it 28 ms
    _, found = await conn.execute_query(
        f"SELECT id, number, kind, owner_user_id FROM ledger_account WHERE {among('number', 'text', len(numbers), dialect)}",
        among_args(numbers, dialect))
    return {row["number"]: NumberedAccount(row["id"], row["number"], AccountKind(row["kind"]), row["owner_user_id"])
            for row in found}


async def customer_accounts_for_operator(*, operator: str, owner_user_id: int | None = None,
                                         number: str | None = None) -> list[Account]:
    """Operations staff look a customer's accounts up, by the customer or by one account's number
    (then all that customer's accounts); only customers' accounts, never the bank's own. A look-up
    that finds someone is written to the audit log: who looked at whose accounts, and by what."""
    if (owner_user_id is None) == (number is None):
        raise TypeError("give owner_user_id or number")
    if number is not None:
        found = await account_by_number(number=number)
        owner_user_id = None if found is None else found.owner_user_id
    if owner_user_id is None:
        return []
    accounts = await accounts_of(owner_user_id=owner_user_id)
    if accounts:
        await audit_log.record(actor=operator, action="ledger.accounts_viewed", subject=f"user:{owner_user_id}",
                               detail={"by": "number" if number is not None else "owner", "accounts": len(accounts)})
    return accounts


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


async def freeze_account(*, account_id: int, operator: str | None = None, reason: str = "") -> Account:
    """A frozen account neither pays nor receives until it is unfrozen. ``operator`` ("user:12")
    is who decided: the change goes into the tamper-evident audit log with it."""
    return await _set_status(account_id, AccountStatus.FROZEN, allowed_from=(AccountStatus.ACTIVE, AccountStatus.FROZEN),
                             operator=operator, reason=reason)


async def unfreeze_account(*, account_id: int, operator: str | None = None, reason: str = "") -> Account:
    return await _set_status(account_id, AccountStatus.ACTIVE, allowed_from=(AccountStatus.FROZEN, AccountStatus.ACTIVE),
                             operator=operator, reason=reason)


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
            await tokens.suspend_tokens(account_id=account.id)  # and no app's token names it any more
        await account.save(update_fields=["status", "closed_at", "opening_key"])
    return account


async def card_token_for(*, account_id: int, app_id: str) -> CardTokenView:
    """The token app ``app_id`` knows a bound card (Class I account) by, made on first use: the
    only number of the card an app is ever given (ledger/tokens.py). AccountNotFound for an
    account that is not an open bound card."""
    return await tokens.token_for(account_id=account_id, app_id=app_id)


async def card_tokens_for(*, accounts: Sequence[Account], app_id: str) -> dict[int, CardTokenView]:
    """The app's tokens of the bound cards among ``accounts`` (others are left out), by account id."""
    return await tokens.tokens_for(accounts=accounts, app_id=app_id)


async def card_token_view(*, owner_user_id: int, app_id: str, token: str) -> CardTokenView:
    """The card app ``app_id``'s token names, as the app may see it (last four digits only);
    CardTokenNotFound (also another customer's, or a removed app's), CardTokenNotForThisApp,
    CardTokenSuspended (the card was unbound)."""
    return await tokens.view_of_token(token=token, app_id=app_id, owner_user_id=owner_user_id)


async def delete_app_card_tokens(*, app_id: str) -> int:
    """The app is removed: every token made for it is deleted; how many were."""
    return await tokens.delete_app_tokens(app_id=app_id)


async def _set_status(account_id: int, status: AccountStatus, *, allowed_from: Sequence[AccountStatus],
                      operator: str | None = None, reason: str = "") -> Account:
    async with in_transaction():
        account = await Account.select_for_update().get_or_none(id=account_id)
        if account is None:
            raise errors.AccountNotFound(account_id)
        if account.status is AccountStatus.CLOSED:
            raise errors.AccountClosed(account_id)
        if account.status in allowed_from and account.status is not status:
            previous = account.status
            account.status = status
            await account.save(update_fields=["status"])
            await audit_log.record(
                actor=operator or "system", action=f"ledger.account_{status.value}", subject=f"account:{account_id}",
                detail={"from": previous.value, "to": status.value, "reason": reason[:500]},
            )
    return account


def _customer(by: Customer) -> None:
    if not isinstance(by, Customer):
        raise TypeError("by is a Customer")


@dataclass(frozen=True, slots=True)
class CustomerPayment:
    entry: PostedEntry
    payee: Payee


@dataclass(frozen=True, slots=True)
class Capture:
    """One of ``capture_hold_many``'s captures: ``amount`` fen of the hold to ``to_account_id``."""

    amount: int
    to_account_id: int
    idempotency_key: str
    memo: str = ""


@dataclass(frozen=True, slots=True)
class Subsidy:
    """Part of a customer's payment paid by the bank: ``amount`` fen from its own account
    ``from_account_id`` (a coupon's discount from its campaign's budget), ``by`` the service
    that grants it."""

    by: InternalService
    from_account_id: int
    amount: int


def _facts(request: Movement, by: Actor, above: int) -> MovementFacts:
    debits = [leg.account_id for leg in request.legs if leg.amount < 0]
    credits = tuple(leg.account_id for leg in request.legs if leg.amount > 0)
    customer = by if isinstance(by, Customer) else None
    return MovementFacts(
        user_id=customer.user_id if customer else None, session_id=customer.session_id if customer else None,
        kind=request.kind.value, amount=request.outflow, from_account_id=debits[0] if debits else None,
        counterparties=credits, idempotency_key=request.idempotency_key,
        pin_typed=customer is not None and customer.pin is not None, step_up_above=above,
    )


def _review_key(idempotency_key: str) -> str:
    # Movement keys run to 160 characters, hold keys to 128: the hold's key is a digest of it.
    return "review:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:48]


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= _MAX_KEY:
        raise errors.InvalidRequest(Text("ledger.idempotency_key_length", max=_MAX_KEY), field="idempotency_key")


class LedgerService:
    """The one way money moves, with the running app's settings, for every caller.

    Each movement names who acts (``by``: a ``Customer`` with how they proved it, or an
    ``InternalService``), and the ledger itself checks what ``ledger.authority`` says: whose
    accounts money may leave, the payment PIN (step-up), and the configured Class II limits.
    Each runs in its own transaction, which the caller's rows can join through ``also_write``.
    Other packages reach it as ``runtime.ledger``.
    """

    def __init__(
        self, *, settings: LedgerSettings, cipher: PiiCipher, redis: aioredis.Redis, people: People | None = None,
        screen: MovementScreen | None = None,
    ) -> None:
        self.settings = settings
        # Asked about every movement before it posts (transaction monitoring); NoScreen allows all.
        self._screen: MovementScreen = screen or NoScreen()
        self._cipher = cipher
        self.payees = PayeeDirectory(people=people or People(), redis=redis,
                                     lookups_per_hour=settings.payee_lookups_per_hour)
        self._downloads = RateLimiter(redis, prefix="ledger:statements")
        self.pins = PaymentPins(
            redis=redis,
            max_attempts=settings.pin_max_attempts,
            lock_seconds=settings.pin_lock_seconds,
            step_up_seconds=settings.step_up_seconds,
            on_wrong=self._pin_failed,
        )
        self._credit_listeners: list[CreditListener] = []

    async def _pin_failed(self, user_id: int) -> None:
        await self._screen.pin_failed(user_id=user_id)

    def on_credit(self, listener: CreditListener) -> None:
        """Call ``listener(entry)`` after each new entry that brings money in from outside (a
        top-up, an inbound transfer, a deposit), once committed; its failure is logged and
        never undoes the credit. ETC repays a card's debt from the next top-up so."""
        self._credit_listeners.append(listener)

    async def _credited(self, entry: PostedEntry) -> None:
        for listener in self._credit_listeners:
            try:
                await listener(entry)
            except Exception:  # the money has arrived; a listener's trouble is its own
                log.exception("credit listener %r failed on entry %s", listener, entry.id)

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

    async def pay_with_subsidy(
        self,
        *,
        by: Customer,
        from_account_id: int,
        to_account_id: int,
        amount: int,
        subsidy: Subsidy,
        idempotency_key: str,
        memo: str = "",
        kind: EntryKind | str = EntryKind.MP_PAYMENT,
        also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """The customer pays ``amount`` fen to ``to_account_id``, ``subsidy.amount`` of it from the
        bank's account: one entry of three legs, so the payee is paid in full or not at all. The
        customer's leg is checked as any payment of theirs (their account, the PIN, the limits);
        the subsidy's as its service's (only an account of the bank's own gives it)."""
        _customer(by)
        amount, part = checked_amount(amount), checked_amount(subsidy.amount)
        if part >= amount:
            raise errors.InvalidRequest(Text("ledger.subsidy_below_amount"), field="subsidy")
        if len({from_account_id, to_account_id, subsidy.from_account_id}) != 3:
            raise errors.InvalidRequest(Text("ledger.pick_two_accounts"), field="to_account_id")
        payer, funder = Leg(from_account_id, part - amount), Leg(subsidy.from_account_id, -part)
        request = movement(legs=(payer, funder, Leg(to_account_id, amount)), idempotency_key=idempotency_key,
                           memo=memo, kind=kind)

        def authorize(accounts: Mapping[int, Mapping[str, object]]) -> None:
            check_accounts(by, request.kind, [payer, request.legs[2]], accounts)
            check_accounts(subsidy.by, request.kind, [funder], accounts)

        return await self._move(request, by, also_write, authorize)

    async def find_payee(self, *, by: Customer, to_phone: str | None = None,
                         to_account_number: str | None = None) -> Payee:
        """The payee to confirm before paying: masked name and account number. Counted against
        the payer's look-ups; PayeeNotFound, CannotPayYourself, PayeeAccountFrozen,
        PayeeAccountClosed, PayeeLookupsExhausted, InvalidRequest."""
        _customer(by)
        return await self.payees.find(by=by, phone=to_phone, account_number=to_account_number)

    async def pay_customer(
        self,
        *,
        by: Customer,
        amount: int,
        idempotency_key: str,
        to_phone: str | None = None,
        to_account_number: str | None = None,
        from_account_id: int | None = None,
        memo: str = "",
    ) -> CustomerPayment:
        """Pay another customer, found by mobile number or account number, into their Class II
        account, from one of the payer's own accounts (their Class II account unless another
        is named): the payer's limits apply and, as for any payment to someone else, the PIN
        typed for it. The payee finds a message in their inbox, written with the entry."""
        _customer(by)
        checked_amount(amount)  # a malformed payment is refused before it costs a look-up
        payee = await self.find_payee(by=by, to_phone=to_phone, to_account_number=to_account_number)
        if from_account_id is None:
            # Frozen too: the payer is told it is frozen rather than that they have no account.
            source = await Account.filter(owner_user_id=by.user_id, kind=AccountKind.CLASS_TWO,
                                          status__not=AccountStatus.CLOSED).order_by("id").first()
            if source is None:
                raise errors.AccountNotFound()
            from_account_id = source.id
        payer_name = await self.payees.people.verified_name(user_id=by.user_id)

        async def tell_payee(entry: PostedEntry) -> None:
            body = f"{payer_name or '一位客户'}向您尾号{payee.account_number[-4:]}的账户转入{yuan(amount)}元。"
            await self.payees.people.tell(user_id=payee.user_id, topic="payment.received",
                                          title=f"收到转账 ¥{yuan(amount)}", body=body + (f"附言：{memo}" if memo else ""))

        try:
            request = transfer_movement(
                from_account_id=from_account_id, to_account_id=payee.account_id, amount=amount,
                idempotency_key=idempotency_key, memo=memo, kind=EntryKind.PAYMENT,
            )
            # Holdable: the payee's message is all it writes, and a release can post without it.
            entry = await self._move(request, by, tell_payee, holdable=True)
        except (errors.AccountFrozen, errors.AccountClosed) as exc:
            if exc.account_id != payee.account_id:
                raise
            # Frozen or closed since the look-up: said as the look-up says it, without its id.
            raise (errors.PayeeAccountFrozen() if isinstance(exc, errors.AccountFrozen)
                   else errors.PayeeAccountClosed()) from None
        return CustomerPayment(entry=entry, payee=payee)

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
            raise errors.InvalidRequest(Text("ledger.only_bank_reverses"), field="by")
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

    async def card_number_for_token(self, *, owner_user_id: int, app_id: str, token: str) -> tuple[Account, str]:
        """Detokenise for the card network: the customer's bound card that app ``app_id``'s token
        names, and its full number; CardTokenNotFound (also another customer's),
        CardTokenNotForThisApp, CardTokenSuspended (the card was unbound)."""
        account = await tokens.card_of_token(token=token, app_id=app_id, owner_user_id=owner_user_id)
        return account, card_number(account, self._cipher)

    async def _move(self, request: Movement, by: Actor, also_write: AlsoWrite | None,
                    authorize: Authorize | None = None, holdable: bool | None = None) -> PostedEntry:
        """Check who acts and the proof, ask transaction monitoring, then post.

        A movement is held for review only when the ledger can post it alone later
        (``holdable``, by default when the caller writes no rows with it): a mini-program's
        order marked paid with its entry cannot wait for an operator, so a hold verdict
        blocks it instead."""
        if not isinstance(by, (Customer, InternalService)):
            raise TypeError("by is a Customer or an InternalService")
        # Before the PIN too: wrong tries counted inside a caller's transaction would roll back with it.
        refuse_inside_callers_transaction()
        above = self.settings.step_up_above
        await confirm(by, step_up_for(by, request.kind, request.outflow, above=above), pins=self.pins, above=above)
        facts = _facts(request, by, above)
        screening = await self._screen.screen(facts)
        # A retry of a movement already posted moves nothing: it is answered, not screened again.
        if screening.verdict is not Verdict.ALLOW and isinstance(by, Customer) and not await JournalEntry.exists(
                idempotency_key=request.idempotency_key):
            await self._screened(screening, request, by, facts,
                                 holdable=also_write is None if holdable is None else holdable)
        entry = await post(
            request, limits=self.settings.class_two_limits,
            authorize=authorize or partial(check_accounts, by, request.kind, request.legs), also_write=also_write,
        )
        if not entry.replayed and request.kind in CREDIT_KINDS and self._credit_listeners:
            await self._credited(entry)
        return entry

    async def _screened(self, screening: Screening, request: Movement, by: Customer, facts: MovementFacts, *,
                        holdable: bool) -> None:
        """Act on a monitor's verdict other than allow: return to post, or raise."""
        if screening.verdict is Verdict.STEP_UP:
            if by.pin is not None:  # typed for this request and verified by confirm()
                return
            # Between the customer's own accounts a PIN entered moments ago in this session will do.
            if request.kind in OWN_MONEY_KINDS and await self.pins.has_recent_step_up(
                    user_id=by.user_id, session_id=by.session_id):
                return
            raise errors.RiskStepUpRequired(rule=screening.rule, reason=screening.reason)
        if screening.verdict is Verdict.BLOCK or not holdable:
            raise errors.MovementBlocked(rule=screening.rule, reason=screening.reason)
        debits = [leg for leg in request.legs if leg.amount < 0]
        if len(debits) != 1 or request.hold is not None:
            raise errors.MovementBlocked(rule=screening.rule, reason=Text("ledger.held_needs_one_payer"))
        [debit] = debits
        now = datetime.now(timezone.utc)

        async def within_limits(account: Mapping[str, object]) -> None:
            if account["kind"] == AccountKind.CLASS_TWO.value:
                await check_outflow(account_id=debit.account_id, amount=-debit.amount,
                                    limits=self.settings.class_two_limits, now=now)

        # The amount is reserved on the paying account under a key of its own, so a retry finds
        # the same hold; it has no expiry: only the operator's decision ends it.
        hold = await holds.place(
            account_id=debit.account_id, amount=-debit.amount, idempotency_key=_review_key(request.idempotency_key),
            memo=request.memo, expires_at=None, placed_by="monitoring", authorize=partial(check_hold, by),
            check_limits=within_limits, now=now,
        )
        pending = PendingMovement(
            user_id=by.user_id, session_id=by.session_id, legs=tuple((leg.account_id, leg.amount) for leg in request.legs),
            idempotency_key=request.idempotency_key, memo=request.memo, kind=request.kind.value,
            fingerprint=request.fingerprint, hold_id=hold.id, account_id=debit.account_id, amount=-debit.amount,
        )
        queued = await self._screen.queue(facts, screening, pending)
        if queued.status == "reversed":
            raise errors.MovementReversedOnReview(review_id=queued.review_id, rule=screening.rule,
                                                  reason=screening.reason)
        if queued.status == "released":  # released between our look-up and now: post() replays it
            return
        raise errors.MovementHeldForReview(review_id=queued.review_id, rule=screening.rule, reason=screening.reason)

    async def settle_review(self, *, pending: PendingMovement, release: bool, record: ReviewSettled) -> PostedEntry | None:
        """An operator's decision on a held movement: ``release`` posts it as it was asked for,
        taking the reserved amount from its hold; otherwise the hold is returned. ``record``
        runs inside the same transaction (the queue's row and the audit record)."""
        refuse_inside_callers_transaction()
        now = datetime.now(timezone.utc)
        if not release:
            async with in_transaction():
                await holds.release(hold_id=pending.hold_id, now=now)
                await record(None)
            return None
        request = Movement(
            legs=tuple(Leg(account_id, amount) for account_id, amount in pending.legs),
            idempotency_key=pending.idempotency_key, memo=pending.memo, kind=EntryKind(pending.kind), reverses_id=None,
            fingerprint=pending.fingerprint,
            hold=HoldDraw(hold_id=pending.hold_id, account_id=pending.account_id, amount=pending.amount, final=True),
        )
        by = Customer(user_id=pending.user_id, session_id=pending.session_id)
        return await post(request, limits=self.settings.class_two_limits,
                          authorize=partial(check_accounts, by, request.kind, request.legs), also_write=record)

    async def grant_mandate(
        self, *, by: Customer, account_id: int, service: str, reference: str, per_debit_max: int,
    ) -> Mandate:
        """The customer lets ``service`` debit their Class II account, up to ``per_debit_max`` fen
        each time, with the PIN typed for it; granting the same again returns the mandate."""
        _customer(by)
        above = self.settings.step_up_above
        await confirm(by, StepUp.THIS_PAYMENT, pins=self.pins, above=above)
        return await mandates.grant(user_id=by.user_id, account_id=account_id, service=service, reference=reference,
                                    per_debit_max=per_debit_max)

    async def revoke_mandate(self, *, by: Actor, mandate_id: int) -> Mandate:
        """Its customer or its service ends a mandate; MandateNotFound for anyone else."""
        if isinstance(by, Customer):
            return await mandates.revoke(mandate_id=mandate_id, user_id=by.user_id)
        if isinstance(by, InternalService):
            return await mandates.revoke(mandate_id=mandate_id, service=by.name)
        raise TypeError("by is a Customer or an InternalService")

    async def direct_debit(
        self, *, by: InternalService, mandate_id: int, to_account_id: int, amount: int, idempotency_key: str,
        memo: str = "", also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """Take ``amount`` from the mandate's account to a merchant's or the bank's account, as the
        service the mandate names, within its ceiling: MandateNotFound, MandateRevoked,
        MandateCeilingExceeded, then every refusal a transfer can meet (InsufficientFunds, ...)."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest(Text("ledger.only_services_direct_debit"), field="by")
        checked_amount(amount)
        mandate = await mandates.active(mandate_id=mandate_id, service=by.name, amount=amount)
        request = transfer_movement(
            from_account_id=mandate.account_id, to_account_id=to_account_id, amount=amount,
            idempotency_key=idempotency_key, memo=memo, kind=EntryKind.DIRECT_DEBIT,
        )
        return await self._move(request, by, also_write,
                                authorize=partial(mandates.check_debit, mandate, request.legs))

    async def place_mandate_hold(
        self, *, by: InternalService, mandate_id: int, amount: int, idempotency_key: str, memo: str = "",
        expires_at: datetime | None = None,
    ) -> Hold:
        """Reserve ``amount`` on the mandate's account for the service to capture later (a car
        park's entry), within the ceiling; captured or released as any hold."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest(Text("ledger.only_services_direct_debit"), field="by")
        checked_amount(amount)
        holds.check_key(idempotency_key)
        if not isinstance(memo, str) or len(memo) > 140:
            raise errors.InvalidRequest(Text("ledger.memo_length", max=140), field="memo")
        mandate = await mandates.active(mandate_id=mandate_id, service=by.name, amount=amount)
        now = datetime.now(timezone.utc)
        expires_at = holds.checked_expiry(expires_at, now)
        refuse_inside_callers_transaction()

        async def within_limits(account: Mapping[str, object]) -> None:
            await check_outflow(account_id=mandate.account_id, amount=amount, limits=self.settings.class_two_limits,
                                now=now)

        return await holds.place(
            account_id=mandate.account_id, amount=amount, idempotency_key=idempotency_key, memo=memo,
            expires_at=expires_at, placed_by=f"service:{by.name}"[:80], authorize=partial(mandates.check_hold, mandate),
            check_limits=within_limits, now=now,
        )

    async def place_hold(
        self, *, by: Actor, account_id: int, amount: int, idempotency_key: str, memo: str = "",
        expires_at: datetime | None = None,
    ) -> Hold:
        """Reserve ``amount`` on the account until it is captured, released or ``expires_at``.

        A customer holds their own account with the PIN typed for it (their consent to the
        capture); a service, the bank's, an enterprise's or a merchant's. The amount must be
        available (balance less other holds) and within a Class II account's limits.
        Idempotent by key: a retry returns the hold with ``replayed``.
        """
        if not isinstance(by, (Customer, InternalService)):
            raise TypeError("by is a Customer or an InternalService")
        checked_amount(amount)
        holds.check_key(idempotency_key)
        if not isinstance(memo, str) or len(memo) > 140:
            raise errors.InvalidRequest(Text("ledger.memo_length", max=140), field="memo")
        now = datetime.now(timezone.utc)
        expires_at = holds.checked_expiry(expires_at, now)
        refuse_inside_callers_transaction()
        above = self.settings.step_up_above
        await confirm(by, step_up_for(by, EntryKind.PAYMENT, amount, above=above), pins=self.pins, above=above)

        async def within_limits(account: Mapping[str, object]) -> None:
            if account["kind"] == AccountKind.CLASS_TWO.value:
                await check_outflow(account_id=account_id, amount=amount, limits=self.settings.class_two_limits,
                                    now=now)

        placed_by = f"customer:{by.user_id}" if isinstance(by, Customer) else f"service:{by.name}"[:80]
        return await holds.place(
            account_id=account_id, amount=amount, idempotency_key=idempotency_key, memo=memo, expires_at=expires_at,
            placed_by=placed_by, authorize=partial(check_hold, by), check_limits=within_limits, now=now,
        )

    async def capture_hold(
        self, *, by: InternalService, hold_id: int, amount: int, to_account_id: int, idempotency_key: str,
        memo: str = "", final: bool = False, also_write: AlsoWrite | None = None,
    ) -> PostedEntry:
        """Take ``amount`` of the hold to ``to_account_id`` as one entry (kind ``capture``),
        once per key; with ``final`` the rest of the hold is released in the same
        transaction. HoldExceeded past what is left, HoldNotActive once it is used up or
        released, HoldExpired after its time; each remembered under the key like any decline."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest(Text("ledger.only_services_capture"), field="by")
        hold = await holds.get(hold_id=hold_id, now=datetime.now(timezone.utc))
        request = transfer_movement(
            from_account_id=hold.account_id, to_account_id=to_account_id, amount=amount,
            idempotency_key=idempotency_key, memo=memo or hold.memo, kind=EntryKind.CAPTURE,
            hold=HoldDraw(hold_id=hold.id, account_id=hold.account_id, amount=amount, final=bool(final)),
        )
        return await self._move(request, by, also_write)

    async def capture_hold_many(
        self, *, by: InternalService, hold_id: int, captures: Sequence[Capture],
        also_write: AlsoWriteMany | None = None,
    ) -> list[PostedEntry | errors.LedgerError]:
        """Up to ``MAX_CAPTURES`` captures of one hold in one transaction (``ledger.captures``):
        what each came to, in order, its entry or the error refusing it alone. Each is the
        entry ``capture_hold`` would have posted with its key, so a retry of one by either
        call is answered the same. ``also_write(entries)`` gets the entries that are new,
        inside the transaction."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest(Text("ledger.only_services_capture"), field="by")
        if not 1 <= len(captures) <= MAX_CAPTURES:
            raise errors.InvalidRequest(Text("ledger.captures_per_batch", max=MAX_CAPTURES), field="captures")
        refuse_inside_callers_transaction()
        hold = await holds.get(hold_id=hold_id, now=datetime.now(timezone.utc))
        above = self.settings.step_up_above
        requests: list[Movement | errors.LedgerError] = []
        for capture in captures:
            try:
                request = transfer_movement(
                    from_account_id=hold.account_id, to_account_id=capture.to_account_id, amount=capture.amount,
                    idempotency_key=capture.idempotency_key, memo=capture.memo or hold.memo, kind=EntryKind.CAPTURE,
                    hold=HoldDraw(hold_id=hold.id, account_id=hold.account_id, amount=capture.amount, final=False),
                )
                screening = await self._screen.screen(_facts(request, by, above))
                if screening.verdict is not Verdict.ALLOW:
                    raise errors.MovementBlocked(rule=screening.rule, reason=screening.reason)
            except errors.LedgerError as refusal:
                requests.append(refusal)
            else:
                requests.append(request)
        return await post_captures(
            hold.id, requests, limits=self.settings.class_two_limits,
            authorize=lambda request, locked: check_accounts(by, request.kind, request.legs, locked),
            also_write=also_write,
        )

    async def release_hold(self, *, by: InternalService, hold_id: int) -> Hold:
        """Give back what is left of a hold; a hold already over is returned as it is."""
        if not isinstance(by, InternalService):
            raise errors.InvalidRequest(Text("ledger.only_services_release"), field="by")
        refuse_inside_callers_transaction()
        return await holds.release(hold_id=hold_id, now=datetime.now(timezone.utc))

    async def get_hold(self, *, hold_id: int) -> Hold:
        return await holds.get(hold_id=hold_id, now=datetime.now(timezone.utc))

    async def expire_holds(self) -> int:
        """Release every hold whose time has run out (each is also released when its account is next used)."""
        return await holds.expire_due(now=datetime.now(timezone.utc))

    async def available_balances(self, *, account_ids: list[int]) -> dict[int, int]:
        """What may leave each account now: its balance less its active, unexpired holds."""
        return await holds.available(account_ids=account_ids, now=datetime.now(timezone.utc))

    async def statement_file(
        self, *, by: Customer, account_id: int, start: date, end: date, file_format: str,
    ) -> bytes:
        """A customer's statement of one of their accounts as ``csv`` or ``pdf``, for whole days
        in China Standard Time; at most ``LEDGER_STATEMENT_MAX_DAYS`` and ``..._MAX_LINES``,
        ``LEDGER_STATEMENTS_PER_HOUR`` downloads a customer."""
        _customer(by)
        if file_format not in ("csv", "pdf"):
            raise errors.InvalidRequest(Text("ledger.statement_format"), field="format")
        now = datetime.now(timezone.utc)
        settings = self.settings
        period = await statement_period(
            account_id=account_id, owner_user_id=by.user_id, start=start, end=end, max_days=settings.statement_max_days,
            max_lines=settings.statement_max_lines, now=now,
            holder_masked_name=await self.payees.people.verified_name(user_id=by.user_id),
        )
        decision = await self._downloads.hit(str(by.user_id), limit=settings.statements_per_hour, window_seconds=3600)
        if not decision.allowed:
            raise errors.StatementsExhausted(retry_after_seconds=decision.retry_after_seconds)
        if file_format == "csv":
            return render_csv(period)
        # A long statement takes a few hundred ms of CPU: off the event loop.
        return await asyncio.to_thread(render_pdf, period, font_path=settings.statement_font)

    async def allowances(self, *, account_ids: list[int]) -> dict[int, Allowance]:
        """What each Class II account among ``account_ids`` may still send."""
        return await allowances(account_ids=account_ids, limits=self.settings.class_two_limits,
                                now=datetime.now(timezone.utc))

    async def bind_card(self, *, owner_user_id: int, card_number: str, name: str | None = None) -> Account:
        return await bind_card(owner_user_id=owner_user_id, card_number=card_number, cipher=self._cipher, name=name)


# The ledger's errors, for other domains to catch: they import only this module.
from ledger.errors import (  # noqa: E402 - re-exports, kept apart from the service above
    AccountClosed, AccountFrozen, AccountNotFound, AlreadyReversed, AmountProblem, BalanceNotZero, CannotPayYourself,
    CardAlreadyBound, CardTokenError, CardTokenNotForThisApp, CardTokenNotFound, CardTokenSuspended, DebitNotAllowed, Declined, EnterpriseExists, EnterpriseNotFound, EnterpriseRoleRequired, EntryNotFound,
    HoldExceeded, HoldExpired, HoldNotActive, HoldNotFound, IdempotencyConflict, InsufficientFunds, InvalidAmount,
    InvalidCardNumber, InvalidCreditCode, InvalidRequest, LastAdministrator, LedgerError, LimitExceeded,
    MandateCeilingExceeded, MandateNotFound, MandateRevoked, NotEnterpriseMember, PayeeAccountClosed, PayeeAccountFrozen, PayeeLookupsExhausted, PayeeNotFound, PinLocked,
    PinNotSet, StatementFontMissing, StatementsExhausted, StatementTooLarge, StepUpRequired, WrongPin,
    MovementBlocked, MovementHeldForReview, MovementReversedOnReview, RiskStepUpRequired, ScreeningRefusal,
)

__all__ += [
    "AccountClosed", "AccountFrozen", "AccountNotFound", "AlreadyReversed", "AmountProblem", "BalanceNotZero",
    "CannotPayYourself", "CardAlreadyBound", "CardTokenError", "CardTokenNotForThisApp", "CardTokenNotFound",
    "CardTokenSuspended", "DebitNotAllowed", "Declined", "EnterpriseExists", "EnterpriseNotFound",
    "EnterpriseRoleRequired", "EntryNotFound", "HoldExceeded", "HoldExpired", "HoldNotActive", "HoldNotFound",
    "IdempotencyConflict", "InsufficientFunds", "InvalidAmount", "InvalidCardNumber", "InvalidCreditCode",
    "InvalidRequest", "LastAdministrator", "LedgerError", "LimitExceeded", "MandateCeilingExceeded",
    "MandateNotFound", "MandateRevoked", "NotEnterpriseMember",
    "PayeeAccountClosed", "PayeeAccountFrozen", "PayeeLookupsExhausted", "PayeeNotFound", "PinLocked", "PinNotSet",
    "StatementFontMissing", "StatementsExhausted", "StatementTooLarge", "StepUpRequired", "WrongPin",
    "MovementBlocked", "MovementHeldForReview", "MovementReversedOnReview", "RiskStepUpRequired", "ScreeningRefusal",
]
