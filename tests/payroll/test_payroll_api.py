"""Payroll over /graphql with real tokens: a maker imports a roster and uploads a batch, a
checker approves with the PIN, each employee reads only their own payslip, once paid."""

from __future__ import annotations

import csv
import io

from ledger.service import EnterpriseRole, Operator, add_enterprise_member, open_enterprise
from tests.kyc.journey import multipart
from tests.ledger.support import PIN, deposit
from tests.payroll.support import CCB, batch_csv, employee_account, id_number, roster_csv

ROSTER = """mutation($e: ID!, $file: Upload!) { importPayrollRoster(enterpriseId: $e, file: $file) {
  __typename ... on PayrollRosterPreview { newEmployees committed issues { row column code message } }
  ... on Error { message } } }"""
PREVIEW = ROSTER.replace("importPayrollRoster", "previewPayrollRoster")
BATCH_FIELDS = "__typename ... on PayrollBatch { id status lineCount totalNet paidCount replayed } " \
               "... on PayrollRowsRefused { issues { row column code } } ... on Error { message }"
UPLOAD = """mutation($e: ID!, $file: Upload!) { uploadPayrollBatch(enterpriseId: $e, period: "2026-11",
  idempotencyKey: "nov-1", file: $file) { %s } }""" % BATCH_FIELDS
SUBMIT = "mutation($b: ID!) { submitPayrollBatch(batchId: $b) { %s } }" % BATCH_FIELDS
APPROVE = "mutation($b: ID!, $pin: String) { approvePayrollBatch(batchId: $b, pin: $pin) { %s } }" % BATCH_FIELDS
BATCH = """query($b: ID!) { payrollBatch(id: $b) { __typename ... on PayrollBatch { status reportCsv
  lines { lineNo maskedName net status } } ... on Error { message } } }"""
SLIPS = "{ myPayslips { period enterpriseName gross socialInsurance housingFund incomeTax net accountLast4 } }"


async def test_from_roster_to_payslip_over_graphql(gql, runtime, sign_in):
    maker, checker = await sign_in("13900000202"), await sign_in("13900000203")
    alice, bob = await sign_in("13700000001"), await sign_in("13700000002")
    enterprise = await open_enterprise(by=Operator(1), name="上海示例贸易有限公司", credit_code=CCB)
    for session, role in ((maker, EnterpriseRole.MAKER), (checker, EnterpriseRole.CHECKER)):
        await add_enterprise_member(by=Operator(1), enterprise_id=enterprise.id, user_id=session.user_id, role=role)
    await runtime.ledger.pins.set_pin(user_id=checker.user_id, pin=PIN)
    await deposit(runtime, enterprise.account_id, 10_000_000)
    accounts = [await employee_account(s.user_id) for s in (alice, bob)]
    eid = str(enterprise.id)

    roster = roster_csv([("王小丽", id_number(1), "13700000001", ""), ("李大伟", id_number(2), "13700000002", "")])
    preview = (await multipart(gql, PREVIEW, {"e": eid, "file": None}, {"file": roster}, maker.access_token))
    assert preview["data"]["previewPayrollRoster"] == {"__typename": "PayrollRosterPreview", "newEmployees": 2,
                                                      "committed": False, "issues": []}
    imported = await multipart(gql, ROSTER, {"e": eid, "file": None}, {"file": roster}, maker.access_token)
    assert imported["data"]["importPayrollRoster"]["committed"] is True
    # a checker does not import rosters
    refused = await multipart(gql, ROSTER, {"e": eid, "file": None}, {"file": roster}, checker.access_token)
    assert refused["data"]["importPayrollRoster"]["__typename"] == "PayrollRoleRequired"

    salaries = batch_csv([(id_number(1), "王小丽", 1_500_000, 120_000, 90_000, 35_000),
                          (id_number(2), "李大伟", 900_000, 70_000, 50_000, 0)])
    batch = (await multipart(gql, UPLOAD, {"e": eid, "file": None}, {"file": salaries},
                             maker.access_token))["data"]["uploadPayrollBatch"]
    assert (batch["status"], batch["lineCount"], batch["totalNet"], batch["replayed"]) == ("DRAFT", 2, 2_035_000, False)
    again = (await multipart(gql, UPLOAD, {"e": eid, "file": None}, {"file": salaries},
                             maker.access_token))["data"]["uploadPayrollBatch"]
    assert (again["id"], again["replayed"]) == (batch["id"], True)
    submitted = (await gql(SUBMIT, {"b": batch["id"]}, token=maker.access_token))["data"]["submitPayrollBatch"]
    assert submitted["status"] == "SUBMITTED"

    # the maker cannot approve; the checker needs the PIN
    assert (await gql(APPROVE, {"b": batch["id"], "pin": PIN}, token=maker.access_token))["data"][
        "approvePayrollBatch"]["__typename"] == "PayrollRoleRequired"
    no_pin = (await gql(APPROVE, {"b": batch["id"]}, token=checker.access_token))["data"]["approvePayrollBatch"]
    assert no_pin == {"__typename": "PayrollStepUpRequired", "message": "审批需要输入支付密码"}
    wrong = (await gql(APPROVE, {"b": batch["id"], "pin": "864209"}, token=checker.access_token))["data"]
    assert wrong["approvePayrollBatch"]["__typename"] == "WrongPaymentPin"
    ok = (await gql(APPROVE, {"b": batch["id"], "pin": PIN}, token=checker.access_token))["data"]
    assert ok["approvePayrollBatch"]["status"] == "APPROVED"

    # no payslip before the salary is paid
    assert (await gql(SLIPS, token=alice.access_token))["data"]["myPayslips"] == []
    await runtime.payroll.disbursement.pass_once()

    alice_slips = (await gql(SLIPS, token=alice.access_token))["data"]["myPayslips"]
    assert alice_slips == [{"period": "2026-11", "enterpriseName": "上海示例贸易有限公司", "gross": 1_500_000,
                            "socialInsurance": 120_000, "housingFund": 90_000, "incomeTax": 35_000,
                            "net": 1_255_000, "accountLast4": accounts[0].number[-4:]}]
    bob_slips = (await gql(SLIPS, token=bob.access_token))["data"]["myPayslips"]
    assert [s["net"] for s in bob_slips] == [780_000]  # his own, never Alice's

    seen = (await gql(BATCH, {"b": batch["id"]}, token=checker.access_token))["data"]["payrollBatch"]
    assert seen["status"] == "COMPLETED"
    assert [(line["maskedName"], line["status"]) for line in seen["lines"]] == [("王**", "PAID"), ("李**", "PAID")]
    report = list(csv.reader(io.StringIO(seen["reportCsv"].lstrip("\ufeff"))))
    assert report[0][:5] == ["序号", "明细编号", "姓名", "身份证号", "应发（元）"]
    assert report[1][8:10] == ["12,550.00", "已发放"] and report[2][8:10] == ["7,800.00", "已发放"]
    assert id_number(1) not in seen["reportCsv"]
    # an employee is not the enterprise: the batch is not theirs to see
    theirs = (await gql(BATCH, {"b": batch["id"]}, token=alice.access_token))["data"]["payrollBatch"]
    assert theirs["__typename"] == "PayrollBatchNotFound"
    english = await gql.http.post("/graphql", json={"query": SLIPS},
                                  headers={"authorization": f"Bearer {alice.access_token}",
                                           "accept-language": "en"})
    assert english.json()["data"]["myPayslips"][0]["period"] == "2026-11"
