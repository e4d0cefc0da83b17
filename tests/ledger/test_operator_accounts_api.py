"""Operations staff find a customer's accounts (`customerAccounts`) by phone or by one account's
number, to freeze one: numbers and phone come back masked, each look-up that finds someone is
audited, the bank's own accounts are never found, and only operators may ask."""

from __future__ import annotations

from audit import service as audit_log
from identity.roles import Role
from ledger.kinds import AccountKind
from ledger.service import open_account
from tests.ledger.support import funded_account

FIND = """query($phone: String, $number: String) { customerAccounts(phone: $phone, accountNumber: $number) {
  __typename ... on CustomerAccounts { accounts { id kind status maskedAccountNumber maskedOwnerPhone } }
  ... on InvalidInput { field message } } }"""


async def test_an_operator_finds_a_customers_accounts_masked_and_the_look_up_is_audited(gql, sign_in, runtime):
    customer = await sign_in("13912345678")
    await sign_in("13900000002")  # someone else, with no account
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, customer.user_id, 10_00)

    by_phone = (await gql(FIND, {"phone": "13912345678"}, token=operator.access_token))["data"]["customerAccounts"]
    by_number = (await gql(FIND, {"number": wallet.number}, token=operator.access_token))["data"]["customerAccounts"]

    [found] = by_phone["accounts"]
    assert found == {"id": str(wallet.id), "kind": "CLASS_TWO", "status": "ACTIVE",
                     "maskedAccountNumber": wallet.number[:6] + "*" * 9 + wallet.number[-4:],
                     "maskedOwnerPhone": "139****5678"}
    assert by_number == by_phone
    looks = await audit_log.records(action="ledger.accounts_viewed")
    assert [(e.actor, e.subject, e.detail["by"]) for e in looks] == [
        (f"user:{operator.user_id}", f"user:{customer.user_id}", "number"),
        (f"user:{operator.user_id}", f"user:{customer.user_id}", "owner")]


async def test_no_one_found_the_banks_own_accounts_and_bad_questions(gql, sign_in, runtime):
    operator = await sign_in("13900000009", Role.OPERATOR)
    await sign_in("13900000002")
    bank_own = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement",
                                  idempotency_key="test-settlement")

    for variables in ({"phone": "13900000002"}, {"phone": "13800000000"}, {"number": "6230000000000000001"},
                      {"number": str(bank_own.number or bank_own.id)}):
        answer = (await gql(FIND, variables, token=operator.access_token))["data"]["customerAccounts"]
        assert answer == {"__typename": "CustomerAccounts", "accounts": []}, variables
    assert await audit_log.records(action="ledger.accounts_viewed") == []  # nobody's accounts were seen
    for variables in ({}, {"phone": "13900000002", "number": "6230000000000000001"}):
        refused = (await gql(FIND, variables, token=operator.access_token))["data"]["customerAccounts"]
        assert refused["__typename"] == "InvalidInput" and refused["message"] == "请提供手机号或账号中的一个"
    invalid = (await gql(FIND, {"phone": "12345"}, token=operator.access_token))["data"]["customerAccounts"]
    assert invalid["__typename"] == "InvalidInput" and invalid["field"] == "phone"


async def test_only_operators_may_look(gql, sign_in, runtime):
    customer = await sign_in("13912345678")
    wallet = await funded_account(runtime, customer.user_id, 10_00)
    for phone, roles in (("13912345678", ()), ("13900000101", (Role.DEVELOPER,)), ("13900000909", (Role.REVIEWER,)),
                         ("13900000707", (Role.CREDIT_OFFICER,))):
        session = await sign_in(phone, *roles)  # the owner too: customers use `accounts`
        refused = await gql(FIND, {"number": wallet.number}, token=session.access_token)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", roles
    assert await audit_log.records(action="ledger.accounts_viewed") == []
