"""The posting engine: one journal entry per movement, written with the balance updates.

The statements are hand-written (``ledger.posting_sql``) and run on the transaction's
connection; the ORM stays for everything off the hot path. Only ``LedgerService`` calls
this module: it decides who may move what (``ledger.authority``) and which limits apply.

Rows are locked in account-id order (SELECT ... FOR UPDATE on PostgreSQL), so two
transfers over the same accounts in opposite directions queue instead of deadlocking.
SQLite has one writer: its transactions run one after another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger import declines, errors, holds
from ledger import posting_sql as sql
from ledger.holds import HoldDraw
from ledger.kinds import AccountKind, AccountStatus, EntryKind
from ledger.limits import ClassTwoLimits, check_outflow
from ledger.models import JournalEntry, Posting

MAX_KEY = 160
MAX_LEGS = 32
MAX_AMOUNT = 10**15  # fen: ten trillion yuan, far above any real movement and within BIGINT


@dataclass(frozen=True, slots=True)
class Leg:
    """A signed amount in fen on one account: negative takes money out, positive puts it in."""

    account_id: int
    amount: int


@dataclass(frozen=True, slots=True)
class PostedLeg:
    account_id: int
    amount: int
    balance_after: int


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """A journal entry as written. ``replayed`` is true when a retry returned the original."""

    id: int
    idempotency_key: str
    kind: str
    memo: str
    currency: str
    created_at: datetime
    reverses_id: int | None
    legs: tuple[PostedLeg, ...]
    replayed: bool = False


AlsoWrite = Callable[["PostedEntry"], Awaitable[None]]
# Checks the locked account rows ({id: row}) against who asked; raises to refuse.
Authorize = Callable[[Mapping[int, Mapping[str, Any]]], None]


@dataclass(frozen=True, slots=True)
class Movement:
    """A checked request to post one entry: what a retry with its key must repeat exactly."""

    legs: tuple[Leg, ...]
    idempotency_key: str
    memo: str
    kind: EntryKind
    reverses_id: int | None
    fingerprint: str
    hold: HoldDraw | None = None  # a capture: what it takes from its hold

    @property
    def outflow(self) -> int:
        """The fen this entry takes out of accounts (each debit counted once)."""
        return -sum(leg.amount for leg in self.legs if leg.amount < 0)


def movement(
    *, legs: Sequence[Leg], idempotency_key: str, memo: str = "", kind: EntryKind | str = EntryKind.TRANSFER,
    reverses_id: int | None = None, hold: HoldDraw | None = None,
) -> Movement:
    """The request checked for shape (amounts, one currency's worth of legs summing to zero, text)."""
    checked = _checked_legs(legs)
    kind = _entry_kind(kind)
    if (kind is EntryKind.REVERSAL) != (reverses_id is not None):
        raise errors.InvalidRequest(Text("ledger.reverse_with_reverse_entry"), field="kind")
    if (kind is EntryKind.CAPTURE) != (hold is not None):
        raise errors.InvalidRequest(Text("ledger.captures_with_capture_hold"), field="kind")
    _check_text(idempotency_key, memo)
    return Movement(tuple(checked), idempotency_key, memo, kind, reverses_id,
                    _fingerprint(checked, memo, kind.value, reverses_id, hold), hold)


def checked_amount(amount: object, field: str = "amount") -> int:
    """``amount`` as fen, or InvalidAmount saying what is wrong with it."""
    problem = errors.amount_problem(amount, maximum=MAX_AMOUNT)
    if problem is not None:
        raise errors.InvalidAmount(problem, field=field, maximum=MAX_AMOUNT)
    return amount  # type: ignore[return-value]


def transfer_movement(
    *, from_account_id: int, to_account_id: int, amount: int, idempotency_key: str, memo: str = "",
    kind: EntryKind | str = EntryKind.TRANSFER, hold: HoldDraw | None = None,
) -> Movement:
    """Two legs: ``amount`` fen out of one account and into another."""
    amount = checked_amount(amount)
    if from_account_id == to_account_id:
        raise errors.InvalidRequest(Text("ledger.pick_two_accounts"), field="to_account_id")
    return movement(legs=(Leg(from_account_id, -amount), Leg(to_account_id, amount)),
                    idempotency_key=idempotency_key, memo=memo, kind=kind, hold=hold)


async def reversal_movement(*, entry_id: int, idempotency_key: str, memo: str = "") -> Movement:
    """The opposite postings of an entry, pointing at it."""
    original = await JournalEntry.get_or_none(id=entry_id)
    if original is None:
        raise errors.EntryNotFound()
    if original.kind == EntryKind.REVERSAL.value:
        raise errors.InvalidRequest(Text("ledger.reversal_not_reversible"), field="entry_id")
    legs = [Leg(p.account_id, -p.amount) for p in await Posting.filter(entry_id=entry_id).order_by("id")]
    return movement(legs=legs, idempotency_key=idempotency_key, memo=memo or f"reversal of entry {entry_id}",
                    kind=EntryKind.REVERSAL, reverses_id=entry_id)


async def post(
    request: Movement, *, limits: ClassTwoLimits, authorize: Authorize | None, also_write: AlsoWrite | None = None,
) -> PostedEntry:
    """Write one balanced entry and its balance updates in one transaction, exactly once.

    The ledger owns that transaction: a refusal is committed with it, so a retry with the key
    gets the same refusal. ``also_write(entry)`` runs inside it when the entry is new, for
    the caller's rows that must stand or fall with the entry (a payment, its webhook event);
    if it raises, nothing is written. Called inside another transaction, it refuses: that
    transaction's rollback would take the remembered refusal with it.
    """
    refuse_inside_callers_transaction()
    try:
        return await _post(request, limits, authorize, also_write)
    except IntegrityError:
        # Another request with this key committed between our look-up and our insert.
        existing = await JournalEntry.get_or_none(idempotency_key=request.idempotency_key)
        if existing is None:
            raise
        return await replay(existing, request.fingerprint)


def refuse_inside_callers_transaction() -> None:
    """Raise InsideCallersTransaction when the caller has a transaction open around us."""
    if isinstance(JournalEntry._meta.db, TransactionalDBClient):
        raise errors.InsideCallersTransaction()


async def _post(request: Movement, limits, authorize, also_write) -> PostedEntry:
    now = datetime.now(timezone.utc)
    key, fingerprint = request.idempotency_key, request.fingerprint
    ids = sorted(leg.account_id for leg in request.legs)
    async with in_transaction() as conn:
        dialect = conn.capabilities.dialect
        _, locked = await conn.execute_query(sql.lock_accounts(len(ids), dialect), ids)
        if authorize is not None:  # before any replay: a retry is answered only to whoever may move this money
            authorize({row["id"]: row for row in locked})
        _, found = await conn.execute_query(sql.for_dialect(sql.FIND_KEY, dialect), [key])
        if found:
            return await replay(await JournalEntry.get(id=found[0]["id"]), fingerprint)
        await declines.repeat(conn, key, fingerprint)
        try:
            hold = await holds.locked_for_draw(request.hold, now) if request.hold is not None else None
            posted, currency = await _checked_postings(conn, request, locked, ids, limits, now)
        except errors.Declined as refusal:
            # Remembered in this transaction, under the same row locks, so a concurrent retry
            # with the key waits and then sees the refusal; nothing else was written.
            await declines.remember(conn, key, fingerprint, refusal, now)
            declined_with = refusal
        else:
            declined_with = None
            entry_id = await _write(conn, dialect, request, currency, now, posted)
            if hold is not None:
                await holds.draw(hold, request.hold, now)
            entry = PostedEntry(
                id=entry_id, idempotency_key=key, kind=request.kind.value, memo=request.memo, currency=currency,
                created_at=now, reverses_id=request.reverses_id, legs=tuple(leg for leg, _ in posted),
            )
            if also_write is not None:
                await also_write(entry)
    if declined_with is not None:
        raise declined_with
    return entry


async def _checked_postings(conn, request: Movement, locked, ids, limits, now):
    """Each leg with its balance after and whether it counts toward Class II limits, and the
    entry's currency; a ``Declined`` error when the accounts' state refuses the movement."""
    dialect = conn.capabilities.dialect
    accounts = {row["id"]: row for row in locked}
    for account_id in ids:
        open_account_row(accounts, account_id)
    currencies = {row["currency"] for row in locked}
    if len(currencies) != 1:
        raise errors.InvalidRequest(Text("ledger.one_currency"), field="legs")
    if request.reverses_id is not None:
        _, reversed_by = await conn.execute_query(sql.for_dialect(sql.IS_REVERSED, dialect), [request.reverses_id])
        if reversed_by:
            raise errors.AlreadyReversed()
    posted: list[tuple[PostedLeg, bool]] = []
    for leg in request.legs:
        account = accounts[leg.account_id]
        account_kind = AccountKind(account["kind"])
        after = account["balance"] + leg.amount
        if leg.amount < 0 and not account_kind.allows_overdraft:
            await _check_available(request, account, leg, now)
        limited = account_kind is AccountKind.CLASS_TWO and leg.amount < 0 and request.kind is not EntryKind.REVERSAL
        if limited:
            await check_outflow(account_id=leg.account_id, amount=-leg.amount, limits=limits, now=now)
        posted.append((PostedLeg(leg.account_id, leg.amount, after), limited))
    return posted, currencies.pop()


def open_account_row(accounts: Mapping[int, Mapping[str, Any]], account_id: int) -> Mapping[str, Any]:
    """The account's locked row, or the ``Declined`` error saying it is missing, closed or frozen."""
    account = accounts.get(account_id)
    if account is None:
        raise errors.AccountNotFound(account_id)
    if account["status"] == AccountStatus.CLOSED.value:
        raise errors.AccountClosed(account_id)
    if account["status"] == AccountStatus.FROZEN.value:
        raise errors.AccountFrozen(account_id)
    return account


async def _check_available(request: Movement, account, leg: Leg, now: datetime) -> None:
    """Money out of an account comes from its balance less its active holds; a capture may
    also use what its own hold reserved."""
    held = await holds.sweep_expired(leg.account_id, now, held=account["held"]) if account["held"] else 0
    if request.hold is not None and request.hold.account_id == leg.account_id:
        held -= request.hold.amount
    available = account["balance"] - held
    if available + leg.amount < 0:
        raise errors.InsufficientFunds(leg.account_id, balance=account["balance"], requested=-leg.amount,
                                       available=available)


async def _write(conn, dialect, request: Movement, currency, now, posted) -> int:
    """The entry, its postings and the new balances; the entry's id."""
    inserted = await conn.execute_query_dict(
        sql.for_dialect(sql.INSERT_ENTRY, dialect),
        [request.idempotency_key, request.fingerprint, request.kind.value, request.memo, currency,
         request.reverses_id, request.hold.hold_id if request.hold is not None else None, now],
    )
    entry_id = inserted[0]["id"]
    await conn.execute_query(
        sql.insert_postings(len(posted), dialect),
        [value for leg, limited in posted
         for value in (entry_id, leg.account_id, leg.amount, leg.balance_after, limited, now)],
    )
    for leg, _ in posted:
        await conn.execute_query(sql.for_dialect(sql.UPDATE_BALANCE, dialect), [leg.balance_after, leg.account_id])
    return entry_id


async def replay(entry: JournalEntry, fingerprint: str) -> PostedEntry:
    """The entry as a retry with its key is answered, or IdempotencyConflict if the retry asks for something else."""
    if entry.fingerprint != fingerprint:
        raise errors.IdempotencyConflict(entry.idempotency_key)
    postings = await Posting.filter(entry_id=entry.id).order_by("id")
    legs = [PostedLeg(p.account_id, p.amount, p.balance_after) for p in postings]
    return _posted(entry, legs, replayed=True)


def _posted(entry: JournalEntry, legs: Sequence[PostedLeg], *, replayed: bool) -> PostedEntry:
    return PostedEntry(
        id=entry.id, idempotency_key=entry.idempotency_key, kind=entry.kind, memo=entry.memo,
        currency=entry.currency, created_at=entry.created_at, reverses_id=entry.reverses_id,
        legs=tuple(legs), replayed=replayed,
    )


def _checked_legs(legs: Sequence[Leg]) -> list[Leg]:
    legs = list(legs)
    if not 2 <= len(legs) <= MAX_LEGS:
        raise errors.InvalidRequest(Text("ledger.legs_count", max=MAX_LEGS), field="legs")
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int) or not 0 < abs(leg.amount) <= MAX_AMOUNT:
            raise errors.InvalidRequest(Text("ledger.leg_amount"), field="legs")
        if isinstance(leg.account_id, bool) or not isinstance(leg.account_id, int):
            raise errors.InvalidRequest(Text("ledger.leg_account"), field="legs")
    if len({leg.account_id for leg in legs}) != len(legs):
        raise errors.InvalidRequest(Text("ledger.leg_once"), field="legs")
    if sum(leg.amount for leg in legs) != 0:
        raise errors.InvalidRequest(Text("ledger.legs_sum_zero"), field="legs")
    return legs


def _check_text(key: str, memo: str) -> None:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY:
        raise errors.InvalidRequest(Text("ledger.idempotency_key_length", max=MAX_KEY), field="idempotency_key")
    if not isinstance(memo, str) or len(memo) > 140:
        raise errors.InvalidRequest(Text("ledger.memo_length", max=140), field="memo")


def _entry_kind(kind: EntryKind | str) -> EntryKind:
    try:
        return EntryKind(kind)
    except ValueError:
        raise errors.InvalidRequest(Text("ledger.unknown_entry_kind"), field="kind") from None


def _fingerprint(legs: Sequence[Leg], memo: str, kind: str, reverses_id: int | None, hold: HoldDraw | None) -> str:
    """What the request asked for, so a retry can be told from a different request."""
    asked = {"legs": sorted((leg.account_id, leg.amount) for leg in legs), "memo": memo, "kind": kind,
             "reverses": reverses_id}
    if hold is not None:  # only captures carry it, so every other entry keeps its fingerprint
        asked["hold"] = [hold.hold_id, hold.final]
    return hashlib.sha256(_CANONICAL.encode(asked).encode()).hexdigest()


# json.dumps with these options builds a new encoder each call: a fifth of a capture's cost.
_CANONICAL = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
