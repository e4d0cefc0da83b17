"""Salary batches: uploaded by a maker (one file, one batch, whatever the retries), reviewed
by its totals, submitted, then approved by a checker who is not its maker, with their PIN.

One open batch per enterprise and period: the unique ``open_period`` column says so to
every writer at once, so two uploads racing for a period make one batch.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from infra.pii import PiiCipher
from miniprograms.payroll import cells
from miniprograms.payroll.errors import (
    BatchNotFound, IdempotencyConflict, InvalidRequest, PendingBatchExists, RowProblem, RowsRefused,
)
from miniprograms.payroll.files import read_table
from miniprograms.payroll.issues import Issues
from miniprograms.payroll.models import Employee, PayrollBatch, PayrollLine
from miniprograms.payroll.roster import id_index
from miniprograms.payroll.vocabulary import BatchStatus

COLUMNS = {
    "id_number": ("身份证号", "身份证号码", "证件号码", "idnumber"),
    "name": ("姓名", "员工姓名"),
    "gross": ("应发工资", "应发", "应发金额", "gross"),
    "social_insurance": ("社保", "社会保险", "社保个人", "socialinsurance"),
    "housing_fund": ("公积金", "住房公积金", "housingfund"),
    "income_tax": ("个税", "个人所得税", "incometax"),
    "net": ("实发工资", "实发", "实发金额", "net"),
    "line_key": ("流水号", "明细编号", "linekey"),
}
REQUIRED = frozenset({"id_number", "gross", "net"})
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
_LOOKUP = 1_000


@dataclass(frozen=True, slots=True)
class Upload:
    batch: PayrollBatch
    replayed: bool


def checked_period(period: str) -> str:
    if not isinstance(period, str) or not _PERIOD.fullmatch(period.strip()):
        raise InvalidRequest(Text("payroll.bad_period"), field="period")
    return period.strip()


def checked_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidRequest(Text("payroll.bad_idempotency_key"), field="idempotency_key")
    return key


async def upload(
    *, enterprise_id: int, maker_user_id: int, period: str, idempotency_key: str, data: bytes, cipher: PiiCipher,
    max_lines: int, max_bytes: int, encoding: str | None = None,
) -> Upload:
    """A draft batch from the file; the same key (or the same file) again returns that batch."""
    period, key = checked_period(period), checked_key(idempotency_key)
    digest = hashlib.sha256(data).hexdigest()
    earlier = await _earlier(enterprise_id, key, digest, period)
    if earlier is not None:
        return Upload(earlier, True)
    sheet = read_table(data, columns=COLUMNS, required=REQUIRED, max_rows=max_lines, max_bytes=max_bytes,
                       encoding=encoding)
    issues = Issues()
    parsed: list[tuple[int, str, dict]] = []
    seen_ids: set[str] = set()
    seen_keys: set[str] = set()
    for number, record in sheet.rows:
        line = _line(number, record, issues)
        if line is None:
            continue
        index = id_index(cipher, line.pop("id_number"))
        if index in seen_ids:
            issues.add(number, "id_number", RowProblem.DUPLICATE_IN_FILE)
            continue
        seen_ids.add(index)
        line_key = line["line_key"] or f"row-{number}"
        if line_key in seen_keys:
            issues.add(number, "line_key", RowProblem.DUPLICATE_IN_FILE)
            continue
        seen_keys.add(line_key)
        line["line_key"] = line_key
        parsed.append((number, index, line))
    employees = await _employees(enterprise_id, [index for _, index, _ in parsed])
    for number, index, _ in parsed:
        if index not in employees:
            issues.add(number, "id_number", RowProblem.NOT_ON_ROSTER)
    if issues.blocking:
        raise RowsRefused(sorted(issues.listed, key=lambda i: (i.row, i.column)))
    if not parsed:
        raise InvalidRequest(Text("payroll.batch_without_lines"), field="file")
    gross = sum(line["gross"] for _, _, line in parsed)
    net = sum(line["net"] for _, _, line in parsed)
    try:
        async with in_transaction():
            batch = await PayrollBatch.create(
                enterprise_id=enterprise_id, period=period, idempotency_key=key, file_sha256=digest,
                open_period=f"{enterprise_id}:{period}", line_count=len(parsed), total_gross=gross,
                total_deductions=gross - net, total_net=net, maker_user_id=maker_user_id,
            )
            await PayrollLine.bulk_create([
                PayrollLine(
                    batch_id=batch.id, line_no=n, idempotency_key=line["line_key"], employee_id=employees[index],
                    gross=line["gross"], social_insurance=line["social_insurance"],
                    housing_fund=line["housing_fund"], income_tax=line["income_tax"], net=line["net"],
                ) for n, (_, index, line) in enumerate(parsed, start=1)
            ], batch_size=1_000)
    except IntegrityError:
        earlier = await _earlier(enterprise_id, key, digest, period)
        if earlier is not None:  # the same upload, committed a moment ago by a retry
            return Upload(earlier, True)
        open_batch = await PayrollBatch.get_or_none(open_period=f"{enterprise_id}:{period}")
        if open_batch is not None:
            raise PendingBatchExists(open_batch.id) from None
        raise
    return Upload(batch, False)


async def _earlier(enterprise_id: int, key: str, digest: str, period: str) -> PayrollBatch | None:
    by_key = await PayrollBatch.get_or_none(enterprise_id=enterprise_id, idempotency_key=key)
    if by_key is not None:
        if (by_key.file_sha256, by_key.period) != (digest, period):
            raise IdempotencyConflict()
        return by_key
    return await PayrollBatch.filter(enterprise_id=enterprise_id, file_sha256=digest, period=period,
                                     status__not=BatchStatus.CANCELLED).order_by("id").first()


def _line(number: int, record: dict, issues: Issues) -> dict | None:
    values: dict = {}
    ok = True
    for column, parse in (
        ("id_number", cells.id_number),
        ("gross", lambda c: cells.fen(c, positive=True)),
        ("social_insurance", lambda c: cells.fen(c, required=False)),
        ("housing_fund", lambda c: cells.fen(c, required=False)),
        ("income_tax", lambda c: cells.fen(c, required=False)),
        ("net", lambda c: cells.fen(c, positive=True)),
        ("line_key", cells.line_key),
    ):
        try:
            values[column] = parse(record.get(column))
        except cells.Bad as bad:
            issues.add(number, column, bad.problem)
            ok = False
    if not ok:
        return None
    deductions = values["social_insurance"] + values["housing_fund"] + values["income_tax"]
    if values["net"] != values["gross"] - deductions:
        issues.add(number, "net", RowProblem.NET_MISMATCH)
        return None
    return values


async def _employees(enterprise_id: int, indexes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(indexes), _LOOKUP):
        rows = await Employee.filter(enterprise_id=enterprise_id, id_index__in=indexes[start:start + _LOOKUP]) \
            .values_list("id_index", "id")
        found.update(dict(rows))
    return found


async def get(*, batch_id: int, enterprise_id: int | None = None) -> PayrollBatch:
    filters = {"id": batch_id} if enterprise_id is None else {"id": batch_id, "enterprise_id": enterprise_id}
    batch = await PayrollBatch.get_or_none(**filters)
    if batch is None:
        raise BatchNotFound()
    return batch


async def move(batch: PayrollBatch, *, to: BatchStatus, allowed_from: tuple[BatchStatus, ...], **changes) -> bool:
    """Move the batch if it is still in one of ``allowed_from``: True for the one writer that did."""
    now = datetime.now(timezone.utc)
    if to.is_over:
        changes.setdefault("open_period", None)
        changes.setdefault("finished_at", now)
    moved = await PayrollBatch.filter(id=batch.id, status__in=[s.value for s in allowed_from]).update(
        status=to, **changes)
    return moved == 1
