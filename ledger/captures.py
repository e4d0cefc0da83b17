"""Many captures of one hold in one transaction: a payroll chunk's lines, each its own entry.

Posted one by one (``posting.post``), every capture of a batch's hold locks the same two
rows, the held account and the hold, and writes its entry, postings and balances with
seven statements: 100,000 salary lines queue single file behind those locks. Here one
transaction takes the locks once for up to ``MAX_CAPTURES`` captures and writes all their
rows with a handful of statements.

Each capture keeps what it would have had alone: its own entry, key, fingerprint and
outcome. A retry of any one of them, alone through ``LedgerService.capture_hold`` or in
another batch, gets its original entry or its remembered refusal; a refusal (a frozen
payee, more than the hold has left) is that capture's alone and the others are posted.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.db import insert_rows
from infra.i18n import Text
from ledger import errors, holds
from ledger import posting_sql as sql
from ledger.kinds import AccountKind, EntryKind
from ledger.limits import ClassTwoLimits, check_outflow
from ledger.models import JournalEntry
from ledger.posting import (
    Movement, PostedEntry, PostedLeg, open_account_row, post, refuse_inside_callers_transaction, replay,
)

MAX_CAPTURES = 1_000

Outcome = PostedEntry | errors.LedgerError
AlsoWriteMany = Callable[[Sequence[PostedEntry]], Awaitable[None]]
# Checks one movement against the locked account rows ({id: row}); raises to refuse it.
AuthorizeEach = Callable[[Movement, Mapping[int, Mapping[str, Any]]], None]

# Each row's own columns; the ones every row shares go once (infra.db's ``same``).
_ENTRY_COLUMNS = ("idempotency_key", "fingerprint", "memo")
_ENTRY_TYPES = ("text", "text", "text")
_POSTING_COLUMNS = ("entry_id", "account_id", "amount", "balance_after", "counts_toward_limits")
_POSTING_TYPES = ("bigint", "bigint", "bigint", "bigint", "boolean")
_DECLINED_COLUMNS = ("idempotency_key", "fingerprint", "code", "detail")
_DECLINED_TYPES = ("text", "text", "text", "text")


async def post_captures(
    hold_id: int, requests: Sequence[Movement | errors.LedgerError], *, limits: ClassTwoLimits,
    authorize: AuthorizeEach, also_write: AlsoWriteMany | None = None,
) -> list[Outcome]:
    """Post each capture movement of hold ``hold_id``; what each one came to, in order.

    ``requests`` may hold errors already (a capture refused for its shape): they stay as
    they are. Every request's ``hold`` names ``hold_id``. ``also_write(entries)`` runs in
    the transaction with the entries that are new, as ``post``'s does for one.
    """
    refuse_inside_callers_transaction()
    try:
        return await _post_captures(hold_id, requests, limits, authorize, also_write)
    except IntegrityError:
        # A key of ours was committed by a movement outside this hold's lock (not a capture
        # of it) between our look-up and our insert: each one alone then finds what it is.
        return [await _alone(request, limits, authorize, also_write) for request in requests]


async def _alone(request, limits, authorize, also_write) -> Outcome:
    if isinstance(request, errors.LedgerError):
        return request
    try:
        return await post(request, limits=limits, authorize=lambda locked: authorize(request, locked),
                          also_write=None if also_write is None else lambda entry: also_write([entry]))
    except errors.LedgerError as refusal:
        return refusal


async def _post_captures(hold_id, requests, limits, authorize, also_write) -> list[Outcome]:
    now = datetime.now(timezone.utc)
    outcomes: list[Outcome | None] = [r if isinstance(r, errors.LedgerError) else None for r in requests]
    asked = {i: r for i, r in enumerate(requests) if not isinstance(r, errors.LedgerError)}
    if not asked:
        return outcomes  # type: ignore[return-value]
    ids = sorted({leg.account_id for r in asked.values() for leg in r.legs})
    new: list[PostedEntry] = []
    async with in_transaction() as conn:
        dialect = conn.capabilities.dialect
        locked = await _lock(conn, ids, dialect)
        for i, request in list(asked.items()):
            try:
                authorize(request, locked)
            except errors.LedgerError as refusal:
                outcomes[i] = refusal
                del asked[i]
        await _answer_repeats(conn, dialect, asked, outcomes)
        if asked:
            checked = await _check(asked, locked, hold_id, limits, now, outcomes)
            if checked.declined:
                await _remember(conn, checked.declined, now)
            if checked.posted:
                new = await _write(conn, dialect, {i: asked[i] for i in checked.posted}, checked.posted, locked,
                                   checked.hold, now)
                for entry, i in zip(new, checked.posted, strict=True):
                    outcomes[i] = entry
                if also_write is not None:
                    await also_write(new)
    return outcomes  # type: ignore[return-value]


async def _lock(conn, ids: list[int], dialect: str) -> dict[int, dict]:
    """The accounts' rows, locked in id order as every movement locks them."""
    _, rows = await conn.execute_query(sql.lock_accounts_among(len(ids), dialect), sql.among_args(ids, dialect))
    return {row["id"]: dict(row) for row in rows}


async def _answer_repeats(conn, dialect, asked: dict[int, Movement], outcomes: list) -> None:
    """Captures whose key was seen before get what it got then (and leave ``asked``); a key
    twice in this call is refused the second time."""
    seen: dict[str, int] = {}
    for i, request in list(asked.items()):
        if request.idempotency_key in seen:
            outcomes[i] = errors.InvalidRequest(Text("ledger.key_twice_in_batch"), field="idempotency_key")
            del asked[i]
        else:
            seen[request.idempotency_key] = i
    keys = list(seen)
    _, found = await conn.execute_query(
        f"SELECT id, idempotency_key, fingerprint FROM ledger_journal_entry"
        f" WHERE {sql.among('idempotency_key', 'text', len(keys), dialect)}", sql.among_args(keys, dialect))
    for row in found:
        i = seen[row["idempotency_key"]]
        outcomes[i] = await _replayed(asked.pop(i), row["id"])
    _, declined = await conn.execute_query(
        f"SELECT idempotency_key, fingerprint, code, detail FROM ledger_declined_request"
        f" WHERE {sql.among('idempotency_key', 'text', len(keys), dialect)}", sql.among_args(keys, dialect))
    for row in declined:
        i = seen[row["idempotency_key"]]
        if i not in asked:
            continue
        request = asked.pop(i)
        outcomes[i] = (errors.IdempotencyConflict(request.idempotency_key) if row["fingerprint"] != request.fingerprint
                       else errors.declined_from(row["code"], json.loads(row["detail"])))


async def _replayed(request: Movement, entry_id: int) -> Outcome:
    try:
        return await replay(await JournalEntry.get(id=entry_id), request.fingerprint)
    except errors.LedgerError as conflict:
        return conflict


@dataclass(slots=True)
class _Checked:
    hold: Any  # the hold's row, locked; None when it can no longer be captured
    posted: dict[int, list[tuple[PostedLeg, bool]]] = field(default_factory=dict)  # {index: legs}
    declined: list[tuple[Movement, errors.Declined]] = field(default_factory=list)


async def _check(asked: dict[int, Movement], locked, hold_id: int, limits, now, outcomes) -> _Checked:
    """Each capture in turn against the accounts and the hold as the ones before it leave them."""
    try:
        hold = await holds.locked_to_capture(hold_id, now)
    except errors.Declined as refusal:
        checked = _Checked(hold=None)
        for i, request in asked.items():
            outcomes[i] = refusal
            checked.declined.append((request, refusal))
        return checked
    checked = _Checked(hold=hold)
    held_account = locked.get(hold.account_id)
    if held_account is not None and held_account["held"]:
        held_account["held"] = await holds.sweep_expired(hold.account_id, now, held=held_account["held"])
    remaining, outflow = hold.remaining, 0
    kinds = {account_id: AccountKind(row["kind"]) for account_id, row in locked.items()}
    for i, request in asked.items():
        try:
            legs = await _checked(request, locked, kinds, hold, remaining, outflow, limits, now)
        except errors.LedgerError as refusal:  # a Declined one is remembered under its key
            outcomes[i] = refusal
            if isinstance(refusal, errors.Declined):
                checked.declined.append((request, refusal))
            continue
        checked.posted[i] = legs
        remaining -= request.hold.amount
        outflow += request.hold.amount
        for leg, _ in legs:
            locked[leg.account_id]["balance"] = leg.balance_after
        locked[hold.account_id]["held"] -= request.hold.amount
    return checked


async def _checked(request: Movement, locked, kinds, hold, remaining: int, outflow: int, limits, now):
    """One capture's legs with their balances after, or the ``Declined`` error refusing it."""
    rows = [open_account_row(locked, leg.account_id) for leg in request.legs]
    if len({row["currency"] for row in rows}) != 1:
        raise errors.InvalidRequest(Text("ledger.one_currency"), field="legs")
    amount = request.hold.amount
    if amount > remaining:
        raise errors.HoldExceeded(hold.id, remaining=remaining, requested=amount)
    legs = []
    for leg, account in zip(request.legs, rows, strict=True):
        kind = kinds[leg.account_id]
        if leg.amount < 0 and not kind.allows_overdraft:
            available = account["balance"] - (account["held"] - amount)  # its own hold's part is its to take
            if available + leg.amount < 0:
                raise errors.InsufficientFunds(leg.account_id, balance=account["balance"], requested=-leg.amount,
                                               available=available)
        limited = kind is AccountKind.CLASS_TWO and leg.amount < 0
        if limited:  # what this call posted before it counts too: none of it is written yet
            await check_outflow(account_id=leg.account_id, amount=outflow - leg.amount, limits=limits, now=now)
        legs.append((PostedLeg(leg.account_id, leg.amount, account["balance"] + leg.amount), limited))
    return legs


async def _remember(conn, declined: list[tuple[Movement, errors.Declined]], now) -> None:
    rows = [(request.idempotency_key, request.fingerprint, refusal.code.value, json.dumps(refusal.detail()))
            for request, refusal in declined]
    await insert_rows(conn, "ledger_declined_request", _DECLINED_COLUMNS, _DECLINED_TYPES, rows,
                      "ON CONFLICT (idempotency_key) DO NOTHING", same=(("created_at", "timestamptz", now),))


async def _write(conn, dialect, requests: dict[int, Movement], posted, locked, hold, now) -> list[PostedEntry]:
    """The entries, their postings, the new balances and what the hold gave; the entries in order."""
    currency = locked[hold.account_id]["currency"]
    entry_rows = [(r.idempotency_key, r.fingerprint, r.memo) for r in requests.values()]  # every one a capture
    inserted = await insert_rows(conn, "ledger_journal_entry", _ENTRY_COLUMNS, _ENTRY_TYPES, entry_rows,
                                 "RETURNING id, idempotency_key", same=(
                                     ("kind", "text", EntryKind.CAPTURE.value), ("currency", "text", currency),
                                     ("hold_id", "bigint", hold.id), ("created_at", "timestamptz", now)))
    entry_ids = {row["idempotency_key"]: row["id"] for row in inserted}
    posting_rows = [(entry_ids[request.idempotency_key], leg.account_id, leg.amount, leg.balance_after, limited)
                    for i, request in requests.items() for leg, limited in posted[i]]
    await insert_rows(conn, "ledger_posting", _POSTING_COLUMNS, _POSTING_TYPES, posting_rows,
                      same=(("created_at", "timestamptz", now),))
    balances = {leg.account_id: leg.balance_after for legs in posted.values() for leg, _ in legs}  # the last wins
    if dialect == "postgres":
        await conn.execute_query(sql.UPDATE_BALANCES, [list(balances), list(balances.values())])
    else:
        for account_id, balance in balances.items():
            await conn.execute_query(sql.for_dialect(sql.UPDATE_BALANCE, dialect), [balance, account_id])
    await holds.draw_total(hold, sum(r.hold.amount for r in requests.values()), now)
    return [
        PostedEntry(id=entry_ids[r.idempotency_key], idempotency_key=r.idempotency_key, kind=EntryKind.CAPTURE.value,
                    memo=r.memo,
                    currency=currency, created_at=now, reverses_id=None, legs=tuple(leg for leg, _ in posted[i]))
        for i, r in requests.items()
    ]

