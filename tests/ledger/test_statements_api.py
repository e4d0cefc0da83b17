"""A customer downloads a statement of a date range as CSV and as PDF, over HTTP with their
token: masked name and numbers, their own accounts only, range and size limits."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from ledger.limits import CHINA_STANDARD_TIME
from ledger.models import Posting
from tests.ledger.support import PIN, funded_account, opened_through_kyc, paying_customer
from tests.ledger.test_pay_customer_api import PAY as PAY_BY_PHONE



def today():
    """Asked each time, not at import: a run collected before midnight in Beijing runs these after it."""
    return datetime.now(CHINA_STANDARD_TIME).date()


def day(offset: int | str) -> str:
    """The date ``offset`` days from today, or a literal date as it is."""
    return offset if isinstance(offset, str) else str(today() + timedelta(days=offset))


@pytest.fixture
def environ(environ):
    environ["LEDGER_STATEMENT_MAX_LINES"] = "6"
    environ["LEDGER_STATEMENTS_PER_HOUR"] = "8"
    return environ


@pytest.fixture
async def history(gql, sign_in, runtime):
    """Zhang's Class II account: 500 yuan in three days ago, then today two payments to Wang
    (one memo with a phone number, one that a spreadsheet would run as a formula)."""
    zhang = await sign_in("13900000011")
    account = await opened_through_kyc(runtime, zhang.user_id, "张*", 500_00)
    await Posting.filter(account_id=account.id).update(created_at=datetime.now(CHINA_STANDARD_TIME) - timedelta(days=3))
    wang = await sign_in("13900000022")
    await opened_through_kyc(runtime, wang.user_id, "王*")
    await paying_customer(runtime, zhang.user_id)
    for n, (amount, memo) in enumerate(((120_00, "房租 call 13912345678"), (30_05, "=HYPERLINK(\"x\")"))):
        paid = await gql(PAY_BY_PHONE, {"input": {"toPhone": "13900000022", "amount": amount, "memo": memo,
                                                  "idempotencyKey": f"statement-pay-{n}", "pin": PIN}},
                         token=zhang.access_token)
        assert paid["data"]["payCustomer"]["__typename"] == "PaymentSent"
    return zhang, account


def download(client, session, account_id, file_format, start=-7, end=0, token=True):
    headers = {"authorization": f"Bearer {session.access_token}"} if token else {}
    return client.get(f"/statements/{account_id}.{file_format}", params={"from": day(start), "to": day(end)},
                      headers=headers)


async def test_the_csv_has_the_period_masked_and_one_row_per_transaction(client, history):
    zhang, account = history
    response = await download(client, zhang, account.id, "csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = {row[0]: row[1] for row in rows[1:11]}
    masked = account.number[:6] + "*" * 9 + account.number[-4:]
    assert (header["户名"], header["账号"], header["账户类型"]) == ("张*", masked, "II类账户")
    assert (header["期初余额"], header["期末余额"], header["收入合计"], header["支出合计"], header["笔数"]) == (
        "0.00", "349.95", "500.00", "150.05", "3")
    lines = rows[rows.index(["交易时间", "摘要", "金额", "余额", "流水号"]) + 1:]
    assert [(line[1], line[2], line[3]) for line in lines] == [
        ("存入", "500.00", "500.00"),
        ("付款 房租 call 139****5678", "-120.00", "380.00"),
        # a summary starts with its label: no memo can make a spreadsheet run a formula
        ('付款 =HYPERLINK("x")', "-30.05", "349.95"),
    ]
    assert account.number not in text and "13912345678" not in text


async def test_the_pdf_reads_back_with_the_same_lines_and_masking(client, history):
    zhang, account = history
    response = await download(client, zhang, account.id, "pdf")
    assert (response.status_code, response.headers["content-type"]) == (200, "application/pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    masked = account.number[:6] + "*" * 9 + account.number[-4:]
    for expected in ("账户对账单", "户名：张*", f"账号：{masked}", "期初余额：0.00", "期末余额：349.95",
                     "存入", "+500.00", "付款 房租 call 139****5678", "-120.00", "380.00", "-30.05", "349.95",
                     "第 1 页"):
        assert expected in text, expected
    assert account.number not in text and "13912345678" not in text


async def test_the_period_is_whole_days_in_china_standard_time(client, history):
    zhang, account = history
    text = (await download(client, zhang, account.id, "csv", start=0, end=0)).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = {row[0]: row[1] for row in rows[1:11] if row}
    # the deposit of three days ago is before the period: it is the opening balance
    assert (header["期初余额"], header["期末余额"], header["笔数"]) == ("500.00", "349.95", "2")


async def test_a_card_account_shows_its_card_masked(client, history, runtime):
    zhang, _ = history
    card = await runtime.ledger.bind_card(owner_user_id=zhang.user_id, card_number="6222021234567890128")
    text = (await download(client, zhang, card.id, "csv")).content.decode("utf-8-sig")
    assert "账号,622202*********0128" in text and "6222021234567890128" not in text


async def test_another_customers_account_is_not_found(client, history, sign_in, runtime):
    zhang, account = history
    wang = await sign_in("13900000022")
    for session, account_id in ((wang, account.id), (zhang, 999999)):
        response = await download(client, session, account_id, "pdf")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "ACCOUNT_NOT_FOUND")
    assert (await download(client, zhang, account.id, "csv", token=False)).status_code == 401


@pytest.mark.parametrize("query, field", [
    ({"from": -366, "to": 0}, "to"),  # 367 days, in days from today
    ({"from": 0, "to": -1}, "to"),
    ({"from": 1, "to": 2}, "from"),
    ({"from": "2026-13-01", "to": 0}, "from"),
    ({"to": 0}, "from"),
])
async def test_a_bad_period_is_refused_naming_it(client, history, query, field):
    zhang, account = history
    response = await client.get(f"/statements/{account.id}.csv", params={k: day(v) for k, v in query.items()},
                                headers={"authorization": f"Bearer {zhang.access_token}"})
    assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["field"]) == (
        400, "INVALID_INPUT", field)


async def test_a_period_with_too_many_lines_asks_for_a_shorter_one(client, history, runtime):
    zhang, account = history
    for n in range(4):  # 7 lines now, past LEDGER_STATEMENT_MAX_LINES of 6
        await runtime.ledger.transfer(by=await paying_customer(runtime, zhang.user_id), from_account_id=account.id,
                                      to_account_id=(await funded_account(runtime, zhang.user_id, 0)).id,
                                      amount=1_00, idempotency_key=f"many-{n}")
    response = await download(client, zhang, account.id, "pdf")
    assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["maxLines"]) == (
        422, "STATEMENT_TOO_LARGE", 6)


async def test_downloads_are_limited_per_customer(client, history):
    zhang, account = history
    statuses = [(await download(client, zhang, account.id, "csv")).status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]
