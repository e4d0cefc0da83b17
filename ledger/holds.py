"""Holds: an amount reserved on an account, then captured (part or all, in one or more
entries) or released; a hold may expire.

What may leave an account is its balance less its ``held`` (the sum of its active holds),
and every debit of the posting engine checks that. Each operation runs with the account's
row locked, the same lock every movement takes, so a capture, a release and a payment out
of the same account queue one behind another. Expired holds are released by whoever next
touches the account (a debit, a hold, a capture, a release) or by ``expire_due``: so an
account's ``held`` never exceeds its balance, which reconciliation checks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger import declines, errors
from ledger import posting_sql as sql
from ledger.kinds import AccountKind, AccountStatus
from ledger.models import Account, Hold as HoldRow
from ledger.vocabulary import HoldStatus

MAX_KEY = 128
MAX_LIFETIME = timedelta(days=400)
_DECLINED_PREFIX = "hold:"  # a hold's remembered refusal, apart from entries' keys


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold as it stands; ``status`` shows ``expired`` as soon as its time has run out."""

    id: int
    account_id: int
    amount: int
    captured: int
    released: int
    remaining: int
    status: HoldStatus
    memo: str
    idempotency_key: str
    expires_at: datetime | None
    created_at: datetime
    replayed: bool = False

    @classmethod
    def of(cls, row: HoldRow, *, now: datetime, replayed: bool = False) -> Hold:
        status = row.status
        if status is HoldStatus.ACTIVE and row.expires_at is not None and row.expires_at <= now:
            status = HoldStatus.EXPIRED
        return cls(row.id, row.account_id, row.amount, row.captured, row.released, row.remaining, status, row.memo,
                   row.idempotency_key, row.expires_at, row.created_at, replayed)


@dataclass(frozen=True, slots=True)
class HoldDraw:
    """What a capture takes from its hold: ``amount``, and the rest released when ``final``."""

    hold_id: int
    account_id: int
    amount: int
    final: bool


def fingerprint(account_id: int, amount: int, memo: str) -> str:
    # The expiry is left out on purpose: a retry that computes "now + 15 minutes" again
    # gets the original hold (with its original expiry), not a conflict.
    canonical = json.dumps({"account": account_id, "amount": amount, "memo": memo}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def checked_expiry(expires_at: datetime | None, now: datetime) -> datetime | None:
    if expires_at is None:
        return None
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise errors.InvalidRequest(Text("ledger.expiry_with_zone"), field="expires_at")
    if not now < expires_at <= now + MAX_LIFETIME:
        raise errors.InvalidRequest(Text("ledger.hold_expiry_window", days=MAX_LIFETIME.days),
                                    field="expires_at")
    return expires_at.astimezone(timezone.utc)


def check_key(key: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise errors.InvalidRequest(Text("ledger.hold_key_length", most=MAX_KEY), field="idempotency_key")


async def lock_account(conn, account_id: int) -> dict | None:
    """The account's row, locked as every movement locks it."""
    _, rows = await conn.execute_query(sql.lock_accounts(1, conn.capabilities.dialect), [account_id])
    return dict(rows[0]) if rows else None


async def sweep_expired(account_id: int, now: datetime, *, held: int | None = None) -> int:
    """Release the account's expired holds (its row is locked); its ``held`` afterwards.

    ``held`` is the locked row's: when nothing has expired it stands, and the two statements
    that recompute it are skipped (a payroll batch captures its hold once per line).
    """
    expired = await HoldRow.filter(account_id=account_id, status=HoldStatus.ACTIVE, expires_at__lte=now)
    if not expired and held is not None:
        return held
    for row in expired:
        row.released += row.remaining
        row.remaining, row.status, row.closed_at = 0, HoldStatus.EXPIRED, now
        await row.save(update_fields=["released", "remaining", "status", "closed_at"])
    rows = await HoldRow.filter(account_id=account_id, status=HoldStatus.ACTIVE).annotate(
        total=Sum("remaining")).values_list("total", flat=True)
    held = int(rows[0] or 0) if rows else 0
    await Account.filter(id=account_id).update(held=held)
    return held


async def place(
    *, account_id: int, amount: int, idempotency_key: str, memo: str, expires_at: datetime | None,
    placed_by: str, authorize, check_limits, now: datetime,
) -> Hold:
    """Reserve ``amount`` on the account, once per key; a refusal for the account's state is
    remembered under the key like a movement's.

    ``authorize(row)`` refuses an actor who may not hold this account; ``check_limits(row)``
    refuses an amount past what the account may send (Class II).
    """
    print_ = fingerprint(account_id, amount, memo)
    declined_key = _DECLINED_PREFIX + idempotency_key
    try:
        async with in_transaction() as conn:
            account = await lock_account(conn, account_id)
            if account is not None:
                authorize(account)
            existing = await HoldRow.get_or_none(idempotency_key=idempotency_key)
            if existing is not None:
                return _replayed(existing, print_, now)
            await declines.repeat(conn, declined_key, print_)
            try:
                if account is None:
                    raise errors.AccountNotFound(account_id)
                _check_status(account)
                held = await sweep_expired(account_id, now) if account["held"] else 0
                available = account["balance"] - held
                if amount > available:
                    raise errors.InsufficientFunds(account_id, balance=account["balance"], requested=amount,
                                                   available=available)
                await check_limits(account)
            except errors.Declined as refusal:
                await declines.remember(conn, declined_key, print_, refusal, now)
                declined_with = refusal
            else:
                declined_with = None
                row = await HoldRow.create(
                    account_id=account_id, amount=amount, remaining=amount, idempotency_key=idempotency_key,
                    fingerprint=print_, memo=memo, placed_by=placed_by, expires_at=expires_at, created_at=now,
                )
                await Account.filter(id=account_id).update(held=held + amount)
    except IntegrityError:  # placed concurrently with the same key (SQLite; PostgreSQL waits on the row lock)
        return _replayed(await HoldRow.get(idempotency_key=idempotency_key), print_, now)
    if declined_with is not None:
        raise declined_with
    return Hold.of(row, now=now)


def _replayed(row: HoldRow, print_: str, now: datetime) -> Hold:
    if row.fingerprint != print_:
        raise errors.IdempotencyConflict(row.idempotency_key)
    return Hold.of(row, now=now, replayed=True)


def _check_status(account: dict) -> None:
    if account["status"] == AccountStatus.CLOSED.value:
        raise errors.AccountClosed(account["id"])
    if account["status"] == AccountStatus.FROZEN.value:
        raise errors.AccountFrozen(account["id"])
    if AccountKind(account["kind"]).allows_overdraft:
        raise errors.InvalidRequest(Text("ledger.contra_accounts_not_held"), field="account_id")


async def locked_for_draw(draw: HoldDraw, now: datetime) -> HoldRow:
    """The capture's hold, locked, or the ``Declined`` error that refuses the capture."""
    row = await locked_to_capture(draw.hold_id, now)
    if draw.amount > row.remaining:
        raise errors.HoldExceeded(row.id, remaining=row.remaining, requested=draw.amount)
    return row


async def locked_to_capture(hold_id: int, now: datetime) -> HoldRow:
    """The hold, locked, while it can still be captured; else the ``Declined`` error saying why."""
    row = await HoldRow.select_for_update().get(id=hold_id)
    if row.status is HoldStatus.ACTIVE and row.expires_at is not None and row.expires_at <= now:
        await sweep_expired(row.account_id, now)
        raise errors.HoldExpired(row.id)
    if row.status is HoldStatus.EXPIRED:
        raise errors.HoldExpired(row.id)
    if row.status is not HoldStatus.ACTIVE:
        raise errors.HoldNotActive(row.id, row.status.value)
    return row


async def draw(row: HoldRow, draw: HoldDraw, now: datetime) -> None:
    """Take the captured amount off the hold (and the rest, when final) and off the account's held."""
    await draw_total(row, draw.amount, now, final=draw.final)


async def draw_total(row: HoldRow, amount: int, now: datetime, *, final: bool = False) -> None:
    """Take ``amount`` (one capture's or many's) off the hold and off its account's held."""
    released = row.remaining - amount if final else 0
    row.captured += amount
    row.released += released
    row.remaining -= amount + released
    if row.remaining == 0:
        row.status, row.closed_at = HoldStatus.CAPTURED, now
    await row.save(update_fields=["captured", "released", "remaining", "status", "closed_at"])
    await Account.filter(id=row.account_id).update(held=F("held") - (amount + released))


async def release(*, hold_id: int, now: datetime) -> Hold:
    """Give back what is left of the hold; releasing a hold that is over changes nothing."""
    row = await HoldRow.get_or_none(id=hold_id)
    if row is None:
        raise errors.HoldNotFound()
    async with in_transaction() as conn:
        await lock_account(conn, row.account_id)
        await sweep_expired(row.account_id, now)
        row = await HoldRow.select_for_update().get(id=hold_id)
        if row.status is HoldStatus.ACTIVE:
            await Account.filter(id=row.account_id).update(held=F("held") - row.remaining)
            row.released += row.remaining
            row.remaining = 0
            row.status = HoldStatus.CAPTURED if row.captured else HoldStatus.RELEASED
            row.closed_at = now
            await row.save(update_fields=["released", "remaining", "status", "closed_at"])
    return Hold.of(row, now=now)


async def get(*, hold_id: int, now: datetime) -> Hold:
    row = await HoldRow.get_or_none(id=hold_id)
    if row is None:
        raise errors.HoldNotFound()
    return Hold.of(row, now=now)


async def available(*, account_ids: list[int], now: datetime) -> dict[int, int]:
    """Each account's balance less its active holds that have not expired (two queries)."""
    rows = await Account.filter(id__in=account_ids).values_list("id", "balance", "held")
    result = {account_id: balance for account_id, balance, _ in rows}
    holding = [account_id for account_id, _, held in rows if held]
    if holding:
        live = (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        sums = await (HoldRow.filter(live, account_id__in=holding, status=HoldStatus.ACTIVE)
                      .group_by("account_id").annotate(total=Sum("remaining")).values_list("account_id", "total"))
        for account_id, total in sums:
            result[account_id] -= int(total or 0)
    return result


async def expire_due(*, now: datetime) -> int:
    """Release every hold whose time has run out; how many were released."""
    accounts = await HoldRow.filter(status=HoldStatus.ACTIVE, expires_at__lte=now).distinct().values_list(
        "account_id", flat=True)
    released = 0
    for account_id in accounts:
        async with in_transaction() as conn:
            await lock_account(conn, account_id)
            released += await HoldRow.filter(account_id=account_id, status=HoldStatus.ACTIVE,
                                              expires_at__lte=now).count()
            await sweep_expired(account_id, now)
    return released
