"""Roster import: a CSV or XLSX of employees, previewed row by row, then written all at once.

Nothing is written while any row has a blocking problem. Rows whose ID number is already on
the enterprise's roster are reported (DUPLICATE_IN_ROSTER) and left as the roster has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from infra.masking import mask_id_number, mask_name, mask_phone
from infra.pii import PiiCipher
from miniprograms.payroll import cells
from miniprograms.payroll.errors import RowsRefused
from miniprograms.payroll.vocabulary import RowProblem
from miniprograms.payroll.files import read_table
from miniprograms.payroll.issues import Issue, Issues
from miniprograms.payroll.models import Employee

COLUMNS = {
    "name": ("姓名", "员工姓名"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "idnumber"),
    "phone": ("手机号", "手机号码", "手机", "联系电话"),
    "account_number": ("收款账号", "账号", "银行账号", "accountnumber"),
    "hired_on": ("入职日期", "hireddate", "hiredon"),
}
REQUIRED = frozenset({"name", "id_number", "phone"})
_LOOKUP = 1_000  # ID numbers asked of the roster at a time


@dataclass(frozen=True, slots=True)
class RosterRow:
    row: int
    name: str
    id_number: str
    phone: str
    account_number: str | None
    hired_on: date | None


@dataclass(frozen=True, slots=True)
class RosterPreview:
    encoding: str | None
    rows: int
    new: int
    on_roster: int
    issues: list[Issue]
    issue_count: int
    blocking: int
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.blocking == 0


def id_index(cipher: PiiCipher, id_number: str) -> str:
    return cipher.blind_index(id_number, purpose="payroll-id")


def phone_index(cipher: PiiCipher, phone: str) -> str:
    return cipher.blind_index(phone, purpose="phone")


async def import_roster(
    *, enterprise_id: int, data: bytes, cipher: PiiCipher, max_rows: int, max_bytes: int, commit: bool,
    encoding: str | None = None,
) -> RosterPreview:
    """Read the file; with ``commit`` and no blocking problem, add its new employees."""
    sheet = read_table(data, columns=COLUMNS, required=REQUIRED, max_rows=max_rows, max_bytes=max_bytes,
                       encoding=encoding)
    issues = Issues()
    rows: list[RosterRow] = []
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    count = 0
    for number, record in sheet.rows:
        count += 1
        parsed = _row(number, record, issues)
        if parsed is None:
            continue
        if parsed.id_number in seen_ids:
            issues.add(number, "id_number", RowProblem.DUPLICATE_IN_FILE)
            continue
        if parsed.phone in seen_phones:
            issues.add(number, "phone", RowProblem.DUPLICATE_IN_FILE)
            continue
        seen_ids[parsed.id_number] = number
        seen_phones[parsed.phone] = number
        rows.append(parsed)
    indexes = {id_index(cipher, row.id_number): row for row in rows}
    existing = await _on_roster(enterprise_id, list(indexes))
    for index in existing:
        issues.add(indexes.pop(index).row, "id_number", RowProblem.DUPLICATE_IN_ROSTER, blocking=False)
    listed = sorted(issues.listed, key=lambda i: (i.row, i.column))
    preview = RosterPreview(sheet.encoding, count, len(indexes), len(existing), listed, issues.total, issues.blocking)
    if not commit:
        return preview
    if not preview.ok:
        raise RowsRefused(listed)
    new = [_employee(enterprise_id, cipher, index, row) for index, row in indexes.items()]
    async with in_transaction():  # all of it or none of it
        await Employee.bulk_create(new, batch_size=1_000, ignore_conflicts=False)
    if len(new) >= _FRESH_STATISTICS_AFTER and Employee._meta.db.capabilities.dialect == "postgres":
        # Until autovacuum next looks, PostgreSQL plans the next file's duplicate look-ups on
        # the table as it was: 1,000 ID numbers compared one by one with every employee of
        # the enterprise, 2.5 s a look-up at 50,000 employees (12 ms once analysed).
        await Employee._meta.db.execute_script(f"ANALYZE {Employee._meta.db_table}")
    return RosterPreview(sheet.encoding, count, len(new), len(existing), listed, issues.total, 0, committed=True)


_FRESH_STATISTICS_AFTER = 1_000  # employees added at once


def _row(number: int, record: dict, issues: Issues) -> RosterRow | None:
    values = {}
    ok = True
    for column, parse in (("name", cells.name), ("id_number", cells.id_number), ("phone", cells.phone),
                          ("account_number", cells.account_number), ("hired_on", cells.day)):
        try:
            values[column] = parse(record.get(column))
        except cells.Bad as bad:
            issues.add(number, column, bad.problem)
            ok = False
    return RosterRow(number, **values) if ok else None


async def _on_roster(enterprise_id: int, indexes: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(indexes), _LOOKUP):
        found.update(await Employee.filter(enterprise_id=enterprise_id, id_index__in=indexes[start:start + _LOOKUP])
                     .values_list("id_index", flat=True))
    return found


def _employee(enterprise_id: int, cipher: PiiCipher, index: str, row: RosterRow) -> Employee:
    return Employee(
        enterprise_id=enterprise_id, id_index=index, phone_index=phone_index(cipher, row.phone),
        name_ciphertext=cipher.encrypt(row.name, context="payroll-name"),
        id_ciphertext=cipher.encrypt(row.id_number, context="payroll-id"),
        phone_ciphertext=cipher.encrypt(row.phone, context="phone"),
        masked_name=mask_name(row.name), masked_id_number=mask_id_number(row.id_number),
        masked_phone=mask_phone(row.phone), account_number=row.account_number, hired_on=row.hired_on,
    )
