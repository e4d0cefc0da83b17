"""Roster import: CSV in UTF-8 or GBK and XLSX, normalised, previewed row by row (row,
column, code, message) before anything is written; bad files refused whole, nothing written."""

from __future__ import annotations

from datetime import datetime

import pytest

from miniprograms.payroll.models import Employee
from miniprograms.payroll.service import FileProblem, FileRefused, NotPayrollMember, RowProblem, RowsRefused
from tests.payroll.support import (
    ROSTER_HEADER, csv_bytes, enterprise_with_payroll, id_number, phone, roster_csv, xlsx_bytes,
)


def _codes(preview):
    return [(i.row, i.column, i.code) for i in preview.issues]


async def test_a_preview_lists_every_row_problem_and_writes_nothing(runtime):
    payroll = await enterprise_with_payroll(runtime)
    wrong_check = id_number(1)[:-1] + ("0" if id_number(1)[-1] != "0" else "1")
    data = csv_bytes([
        ROSTER_HEADER,
        ["张三", id_number(1), phone(1), "", "2024-03-01"],
        ["李四", wrong_check, phone(2), "", ""],                     # check digit wrong
        ["王五", id_number(3), "12345", "", ""],                     # not a mobile number
        ["赵六", id_number(1), phone(4), "", ""],                    # same person as row 2
        ["钱七", "=HYPERLINK(\"x\")", phone(5), "", ""],             # a formula
        ["孙八", id_number(6), phone(6), "", "2024-13-45"],          # not a date
    ])
    preview = await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                                  data=data, commit=False)
    assert _codes(preview) == [
        (3, "id_number", RowProblem.BAD_ID_NUMBER), (4, "phone", RowProblem.BAD_PHONE),
        (5, "id_number", RowProblem.DUPLICATE_IN_FILE), (6, "id_number", RowProblem.FORMULA),
        (7, "hired_on", RowProblem.BAD_DATE),
    ]
    assert str(preview.issues[0].message) == "身份证号码不正确（校验位不符）"
    assert (preview.rows, preview.new, preview.ok) == (6, 1, False)
    with pytest.raises(RowsRefused) as refused:
        await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id, data=data,
                                            commit=True)
    assert len(refused.value.issues) == 5
    assert await Employee.all().count() == 0


async def test_full_width_digits_and_spaces_are_folded_and_a_gbk_file_is_read(runtime):
    payroll = await enterprise_with_payroll(runtime)
    wide = id_number(7).translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    text = "\n".join([",".join(ROSTER_HEADER), f"欧阳　娜娜,{wide},１３７ ００００ ０００７,,2024/3/1"])
    preview = await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                                  data=text.encode("gbk"), commit=True)
    assert (preview.encoding, preview.issues, preview.new, preview.committed) == ("gb18030", [], 1, True)
    employee = await Employee.get()
    assert runtime.cipher.decrypt(employee.id_ciphertext, context="payroll-id") == id_number(7)
    assert runtime.cipher.decrypt(employee.name_ciphertext, context="payroll-name") == "欧阳 娜娜"
    assert (employee.masked_phone, employee.hired_on.isoformat()) == ("137****0007", "2024-03-01")
    assert id_number(7) not in repr(await Employee.all().values())  # encrypted at rest


async def test_an_xlsx_roster_with_formulas_numbers_and_excel_dates(runtime):
    payroll = await enterprise_with_payroll(runtime)
    data = xlsx_bytes([
        ROSTER_HEADER,
        ["张三", id_number(1), 13700000001, None, datetime(2024, 3, 1)],  # phone as a number, a date cell
        ["李四", id_number(2), phone(2), None, "45352"],                  # a date serial typed as text
        ["王五", 110105199003071234, phone(3), None, None],               # ID as a number: digits lost
        ["赵六", id_number(4), "=A1&B1", None, None],                     # a formula
    ])
    preview = await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                                  data=data, commit=False)
    assert _codes(preview) == [(4, "id_number", RowProblem.ID_NUMBER_AS_NUMBER), (5, "phone", RowProblem.FORMULA)]
    assert preview.new == 2


async def test_rows_already_on_the_roster_are_reported_and_left_alone(runtime):
    payroll = await enterprise_with_payroll(runtime)
    first = roster_csv([("张三", id_number(1), phone(1), ""), ("李四", id_number(2), phone(2), "")])
    await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id, data=first,
                                        commit=True)
    again = roster_csv([("张三", id_number(1), phone(1), ""), ("王五", id_number(3), phone(3), "")])
    preview = await runtime.payroll.import_roster(user_id=payroll.admin, enterprise_id=payroll.enterprise_id,
                                                  data=again, commit=True)
    assert _codes(preview) == [(2, "id_number", RowProblem.DUPLICATE_IN_ROSTER)]
    assert (preview.new, preview.on_roster, preview.committed) == (1, 1, True)
    assert await Employee.all().count() == 3


@pytest.mark.parametrize("data, problem", [
    (b"x" * 100_000_001, FileProblem.TOO_LARGE),                              # a 100 MB upload
    ("姓名,身份证号,手机号\n".encode() + b"a,b,c\n" * 1_000_000, FileProblem.TOO_MANY_ROWS),  # 10^6 rows
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, FileProblem.UNKNOWN_FORMAT),          # the old .xls
    (b"PK\x03\x04 not really a zip", FileProblem.MALFORMED),
    (b"\x80\x80\xff" * 10, FileProblem.UNKNOWN_ENCODING),
    ("名字,电话\n张三,1\n".encode(), FileProblem.MISSING_COLUMNS),
    (b"   \n", FileProblem.EMPTY),
], ids=["100MB", "10^6-rows", "xls", "bad-zip", "encoding", "columns", "empty"])
async def test_bad_files_get_a_typed_refusal_and_nothing_is_written(runtime, data, problem):
    payroll = await enterprise_with_payroll(runtime)
    with pytest.raises(FileRefused) as refused:
        await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id, data=data,
                                            commit=True)
    assert refused.value.problem is problem
    assert "{" not in str(refused.value)
    assert await Employee.all().count() == 0


async def test_fifty_thousand_rows_import_in_one_go(runtime):
    payroll = await enterprise_with_payroll(runtime)
    people = [(f"员工{'甲乙丙丁'[n % 4]}", id_number(n, born=f"{1960 + n // 1000}0101"), phone(n), "")
              for n in range(50_000)]
    preview = await runtime.payroll.import_roster(user_id=payroll.maker, enterprise_id=payroll.enterprise_id,
                                                  data=roster_csv(people), commit=True)
    assert (preview.issues, preview.new) == ([], 50_000)
    assert await Employee.all().count() == 50_000


async def test_only_makers_and_administrators_import(runtime):
    payroll = await enterprise_with_payroll(runtime)
    for user_id in (payroll.checker, 424242):
        with pytest.raises(NotPayrollMember):
            await runtime.payroll.import_roster(user_id=user_id, enterprise_id=payroll.enterprise_id,
                                                data=roster_csv([]), commit=False)
