"""Daily settlement: the bank's card movements of one China Standard Time day against the
network's settlement file for that day.

The file is streamed into a temporary table inside one transaction (COPY on PostgreSQL,
batched inserts on SQLite) while its digest and trailer are checked, then compared with
``clearing_movement`` in SQL, so memory stays flat whatever the day's size. Mismatches,
by kind:

- ``MISSING_AT_NETWORK``: we booked a result the network's file does not have;
- ``MISSING_HERE``: the file has a movement we do not know;
- ``AMOUNT_DIFFERS``: amount or currency differ;
- ``STATUS_DIFFERS``: status (or kind) differ: e.g. we hold it QUARANTINED, they settled it;
- ``PENDING_TOO_LONG``: still pending after ``CLEARING_PENDING_MAX_AGE_SECONDS`` (any day);
- ``IN_TRANSIT_DIFFERS``: the in-transit account does not hold exactly the withdrawals
  not yet settled.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum

from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from ledger.service import get_account

from clearing.books import Books
from clearing.kinds import MovementKind, MovementStatus
from clearing.models import CardMovement
from clearing.settlement import FileSummary, settlement_lines
from clearing.signing import Verifier

STAGE = "clearing_settlement_stage"
_COLUMNS = ("request_id", "network_ref", "kind", "amount", "currency", "status", "settled_at")
_THEIR_KIND = "CASE m.kind WHEN 'topup' THEN 'DEBIT' WHEN 'withdrawal' THEN 'CREDIT' ELSE 'INBOUND' END"
_FROM_THE_FILE = f"""
SELECT * FROM (
  SELECT c.*, COUNT(*) OVER (PARTITION BY c.mismatch) AS total,
         ROW_NUMBER() OVER (PARTITION BY c.mismatch ORDER BY c.request_id) AS n
  FROM (
    SELECT s.request_id, s.network_ref, s.kind AS their_kind, s.amount AS their_amount,
           s.currency AS their_currency, s.status AS their_status, {_THEIR_KIND} AS our_kind,
           m.amount AS our_amount, m.currency AS our_currency, UPPER(m.status) AS our_status,
           CASE WHEN m.id IS NULL THEN 'MISSING_HERE'
                WHEN m.amount <> s.amount OR m.currency <> s.currency THEN 'AMOUNT_DIFFERS'
                ELSE 'STATUS_DIFFERS' END AS mismatch
    FROM {STAGE} s LEFT JOIN clearing_movement m ON m.request_id = s.request_id
    WHERE m.id IS NULL OR m.amount <> s.amount OR m.currency <> s.currency
       OR UPPER(m.status) <> s.status OR {_THEIR_KIND} <> s.kind
  ) c
) r WHERE r.n <= $1"""
_FROM_OUR_BOOKS = f"""
SELECT * FROM (
  SELECT m.request_id, m.network_ref, {_THEIR_KIND} AS our_kind, m.amount AS our_amount,
         m.currency AS our_currency, UPPER(m.status) AS our_status,
         COUNT(*) OVER () AS total, ROW_NUMBER() OVER (ORDER BY m.request_id) AS n
  FROM clearing_movement m
  WHERE m.business_day = $2 AND m.at_network AND m.status <> 'pending'
    AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.request_id = m.request_id)
) r WHERE r.n <= $1"""


class MismatchKind(str, Enum):
    MISSING_AT_NETWORK = "MISSING_AT_NETWORK"
    MISSING_HERE = "MISSING_HERE"
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"
    STATUS_DIFFERS = "STATUS_DIFFERS"
    PENDING_TOO_LONG = "PENDING_TOO_LONG"
    IN_TRANSIT_DIFFERS = "IN_TRANSIT_DIFFERS"


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: MismatchKind
    request_id: str | None
    network_ref: str | None = None
    movement_kind: str | None = None  # DEBIT, CREDIT or INBOUND
    our_amount: int | None = None
    their_amount: int | None = None
    our_currency: str | None = None
    their_currency: str | None = None
    our_status: str | None = None
    their_status: str | None = None
    since: datetime | None = None  # pending: when it was asked for

    def line(self) -> str:
        if self.kind is MismatchKind.PENDING_TOO_LONG:
            return f"{self.request_id} {self.movement_kind} {self.our_amount} {self.our_currency} pending since {self.since:%Y-%m-%d %H:%M:%S}Z"
        if self.kind is MismatchKind.IN_TRANSIT_DIFFERS:
            return f"in transit: the account holds {self.our_amount} fen, unsettled withdrawals {self.their_amount} fen"
        ours = f"{self.our_status} {self.our_amount} {self.our_currency}" if self.our_status else "nothing"
        theirs = f"{self.their_status} {self.their_amount} {self.their_currency}" if self.their_status else "nothing"
        return f"{self.request_id} {self.movement_kind}: here {ours}, at the network {theirs}"


@dataclass
class SettlementReport:
    day: date
    file_lines: int = 0
    file_total: int = 0  # fen, all lines of the file
    our_movements: int = 0  # our movements dated that day
    counts: dict[MismatchKind, int] = field(default_factory=lambda: {k: 0 for k in MismatchKind})
    mismatches: list[Mismatch] = field(default_factory=list)  # at most the limit of each kind

    @property
    def clean(self) -> bool:
        return not any(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"settlement {self.day}: the network's file {self.file_lines} movements ({self.file_total} fen), "
               f"ours {self.our_movements}"]
        for kind in MismatchKind:
            found = [m for m in self.mismatches if m.kind is kind]
            count = self.counts[kind]
            out.append(f"  {'FAIL' if count else 'ok  '} {kind.value.lower()}" + (f" ({count})" if count else ""))
            out.extend(f"       {m.line()}" for m in found[:50])
            if count > 50:
                out.append(f"       ... and {count - 50} more")
        out.append("result: clean" if self.clean else "result: MISMATCHES FOUND")
        return out


async def reconcile_day(*, day: date, chunks: AsyncIterator[bytes], verifier: Verifier, books: Books,
                        pending_max_age: timedelta, limit: int = 1_000) -> SettlementReport:
    """Compare the day's file (raises SettlementFileRejected when it does not prove itself)."""
    report = SettlementReport(day=day)
    summary = FileSummary()
    async with in_transaction() as conn:
        dialect = conn.capabilities.dialect
        postgres = dialect == "postgres"
        await conn.execute_script(
            f"CREATE TEMP TABLE {STAGE} (request_id VARCHAR(64), network_ref VARCHAR(32), kind VARCHAR(8),"
            f" amount BIGINT, currency VARCHAR(3), status VARCHAR(12), settled_at VARCHAR(40))"
            + (" ON COMMIT DROP" if postgres else "")
        )
        try:
            batches = settlement_lines(chunks, day=day.isoformat(), verifier=verifier, summary=summary)
            if postgres:
                async with conn.acquire_connection() as raw:
                    await raw.copy_records_to_table(STAGE, records=_records(batches), columns=_COLUMNS)
            else:
                insert = f"INSERT INTO {STAGE} VALUES (?, ?, ?, ?, ?, ?, ?)"
                async for batch in batches:
                    await conn.execute_many(insert, batch)
            await conn.execute_script(f"CREATE INDEX {STAGE}_request ON {STAGE} (request_id)")
            if postgres:
                await conn.execute_script(f"ANALYZE {STAGE}")
            report.file_lines, report.file_total = summary.lines, summary.total
            day_param = day if postgres else day.isoformat()
            for row in await conn.execute_query_dict(_sql(_FROM_THE_FILE, postgres), [limit]):
                kind = MismatchKind(row["mismatch"])
                report.counts[kind] = int(row["total"])
                report.mismatches.append(Mismatch(
                    kind, row["request_id"], row["network_ref"], row["their_kind"], row["our_amount"],
                    row["their_amount"], row["our_currency"], row["their_currency"], row["our_status"],
                    row["their_status"],
                ))
            for row in await conn.execute_query_dict(_sql(_FROM_OUR_BOOKS, postgres), [limit, day_param]):
                report.counts[MismatchKind.MISSING_AT_NETWORK] = int(row["total"])
                report.mismatches.append(Mismatch(
                    MismatchKind.MISSING_AT_NETWORK, row["request_id"], row["network_ref"], row["our_kind"],
                    row["our_amount"], None, row["our_currency"], None, row["our_status"], None,
                ))
        finally:
            if not postgres:
                await conn.execute_script(f"DROP TABLE IF EXISTS {STAGE}")
    report.our_movements = await CardMovement.filter(business_day=day).count()
    await _stale_pending(report, pending_max_age, limit)
    await _in_transit(report, books)
    return report


async def _records(batches) -> AsyncIterator[tuple]:
    async for batch in batches:
        for line in batch:
            yield line


def _sql(sql: str, postgres: bool) -> str:
    if postgres:
        return sql
    return sql.replace("$1", "?").replace("$2", "?")


async def _stale_pending(report: SettlementReport, max_age: timedelta, limit: int) -> None:
    stale = CardMovement.filter(status=MovementStatus.PENDING, created_at__lt=datetime.now(timezone.utc) - max_age)
    report.counts[MismatchKind.PENDING_TOO_LONG] = await stale.count()
    for row in await stale.order_by("created_at").limit(limit):
        report.mismatches.append(Mismatch(
            MismatchKind.PENDING_TOO_LONG, row.request_id, row.network_ref, row.kind.network_kind, row.amount,
            our_currency=row.currency, our_status="PENDING", since=row.created_at,
        ))


async def _in_transit(report: SettlementReport, books: Books) -> None:
    """The in-transit account holds exactly the withdrawals neither settled nor reversed."""
    held = await (
        CardMovement.filter(kind=MovementKind.WITHDRAWAL, status__in=(MovementStatus.PENDING, MovementStatus.QUARANTINED))
        .annotate(total=Sum("amount")).values_list("total", flat=True)
    )
    unsettled = int(held[0] or 0) if held else 0
    balance = (await get_account(account_id=(await books.accounts()).in_transit)).balance
    if balance != unsettled:
        report.counts[MismatchKind.IN_TRANSIT_DIFFERS] = 1
        report.mismatches.append(Mismatch(MismatchKind.IN_TRANSIT_DIFFERS, None, our_amount=balance,
                                          their_amount=unsettled))
