"""One cell's value as payroll means it, or the problem with it: names, ID numbers, phones,
account numbers, dates and amounts, as people and Excel write them."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from kyc.service import valid_id_number
from ledger.service import normalized_account_number
from miniprograms.payroll.vocabulary import RowProblem
from miniprograms.payroll.files import Cell, Formula

MAX_YUAN = Decimal(10) ** 9  # a billion yuan on one payslip line is a typo
_PHONE = re.compile(r"1[3-9]\d{9}")
_NAME = re.compile(r"[\u3400-\u9fffA-Za-z·•. ]{2,40}")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's (leap-bug) 1900 system
_LINE_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")


class Bad(Exception):
    def __init__(self, problem: RowProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _text(cell: Cell, *, required: bool = True) -> str | None:
    if isinstance(cell, Formula):
        raise Bad(RowProblem.FORMULA)
    if cell is None or cell == "":
        if required:
            raise Bad(RowProblem.REQUIRED)
        return None
    return cell if isinstance(cell, str) else str(cell)


def name(cell: Cell) -> str:
    value = " ".join((_text(cell) or "").split())
    if not _NAME.fullmatch(value):
        raise Bad(RowProblem.BAD_NAME)
    return value


def id_number(cell: Cell) -> str:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        raise Bad(RowProblem.ID_NUMBER_AS_NUMBER)  # Excel keeps 15 significant digits: the number is lost
    value = "".join((_text(cell) or "").split()).upper()
    if not valid_id_number(value):
        raise Bad(RowProblem.BAD_ID_NUMBER)
    return value


def phone(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    value = re.sub(r"[\s\-()]", "", _text(cell) or "")
    value = value.removeprefix("+86") if value.startswith("+86") else value
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    if not _PHONE.fullmatch(value):
        raise Bad(RowProblem.BAD_PHONE)
    return value


def account_number(cell: Cell) -> str | None:
    if isinstance(cell, float):
        raise Bad(RowProblem.BAD_ACCOUNT)  # 19 digits do not survive a double
    raw = _text(cell, required=False)
    if raw is None:
        return None
    value = normalized_account_number(raw)
    if value is None:
        raise Bad(RowProblem.BAD_ACCOUNT)
    return value


def day(cell: Cell) -> date | None:
    """A date as a date cell, an Excel serial number (also typed as text), or text."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _serial(cell)
    raw = _text(cell, required=False)
    if raw is None:
        return None
    if raw.isdigit() and len(raw) == 8:
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    elif re.fullmatch(r"\d{1,5}(\.0+)?", raw):
        return _serial(float(raw))
    found = _DATE.fullmatch(raw)
    if found is None:
        raise Bad(RowProblem.BAD_DATE)
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise Bad(RowProblem.BAD_DATE) from None


def _serial(value: float) -> date:
    if not 1 <= value < 2_958_466 or value != int(value):
        raise Bad(RowProblem.BAD_DATE)
    return _EXCEL_EPOCH + timedelta(days=int(value))


def fen(cell: Cell, *, required: bool = True, positive: bool = False) -> int:
    """Yuan as written (``12,345.60``, ``¥8000``, ``8000元``, a number cell) in fen, exactly."""
    if isinstance(cell, bool):
        raise Bad(RowProblem.BAD_AMOUNT)
    if isinstance(cell, (int, float)):
        raw = repr(cell)
    else:
        text = _text(cell, required=required)
        if text is None:
            return 0
        raw = re.sub(r"[\s,¥￥]", "", text).removesuffix("元")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Bad(RowProblem.BAD_AMOUNT) from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_YUAN or amount != amount.quantize(Decimal("0.01")):
        raise Bad(RowProblem.BAD_AMOUNT)
    value = int(amount * 100)
    if positive and value == 0:
        raise Bad(RowProblem.BAD_AMOUNT)
    return value


def line_key(cell: Cell) -> str | None:
    raw = _text(cell, required=False)
    if raw is None:
        return None
    if not _LINE_KEY.fullmatch(raw):
        raise Bad(RowProblem.BAD_LINE_KEY)
    return raw
