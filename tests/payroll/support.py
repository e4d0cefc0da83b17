"""Given-steps for payroll tests: an enterprise with its payroll people, rosters and salary
files written as enterprises write them, and employees with Class II accounts."""

from __future__ import annotations

import io
from dataclasses import dataclass

from kyc.gb11643 import check_character
from ledger.service import AccountKind, EnterpriseRole, Operator, add_enterprise_member, open_account, open_enterprise
from miniprograms.payroll.service import Approver
from tests.ledger.support import PIN, deposit

CCB = "911100001000044477"


def id_number(n: int, born: str | None = None) -> str:
    """A valid ID number, a different one for each n below 50,000."""
    first17 = f"110105{born or f'{1960 + n // 1000}0307'}{n % 1000:03d}"
    return first17 + check_character(first17)


def phone(n: int) -> str:
    return f"137{n:08d}"


@dataclass
class Payroll:
    enterprise_id: int
    account_id: int
    admin: int
    maker: int
    checker: int
    checker2: int


async def enterprise_with_payroll(runtime, *, funds: int = 0, name: str = "北京示例科技有限公司") -> Payroll:
    """An enterprise with an administrator, a maker and two checkers (users 9001..9004), funded."""
    operator = Operator(9000)
    enterprise = await open_enterprise(by=operator, name=name, credit_code=CCB)
    roles = {9001: EnterpriseRole.ADMINISTRATOR, 9002: EnterpriseRole.MAKER, 9003: EnterpriseRole.CHECKER,
             9004: EnterpriseRole.CHECKER}
    for user_id, role in roles.items():
        await add_enterprise_member(by=operator, enterprise_id=enterprise.id, user_id=user_id, role=role)
    for checker in (9003, 9004):
        if not await runtime.ledger.pins.has_pin(user_id=checker):
            await runtime.ledger.pins.set_pin(user_id=checker, pin=PIN)
    if funds:
        await deposit(runtime, enterprise.account_id, funds)
    return Payroll(enterprise.id, enterprise.account_id, 9001, 9002, 9003, 9004)


def approver(user_id: int, pin: str | None = PIN) -> Approver:
    return Approver(user_id=user_id, session_id=f"session-{user_id}", pin=pin)


async def employee_account(user_id: int):
    """A Class II account of the employee's own (opened as account opening leaves it)."""
    return await open_account(owner_user_id=user_id, kind=AccountKind.CLASS_TWO, name="二类户")


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


ROSTER_HEADER = ["姓名", "身份证号", "手机号", "收款账号", "入职日期"]
BATCH_HEADER = ["身份证号", "姓名", "应发工资", "社保", "公积金", "个税", "实发工资"]


def roster_csv(people: list[tuple[str, str, str, str]]) -> bytes:
    """Rows of (name, ID number, phone, account number)."""
    return csv_bytes([ROSTER_HEADER, *[[n, i, p, a, "2024-03-01"] for n, i, p, a in people]])


def batch_csv(lines: list[tuple[str, str, int, int, int, int]]) -> bytes:
    """Rows of (ID number, name, gross, social insurance, housing fund, tax) in fen; net computed."""
    rows = [BATCH_HEADER]
    for ident, name, gross, si, hf, tax in lines:
        rows.append([ident, name, *(f"{v / 100:.2f}" for v in (gross, si, hf, tax, gross - si - hf - tax))])
    return csv_bytes(rows)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
