"""The mini-program's GraphQL: apply with the PIN, read debits per card, merchant and day,
dispute; operators resolve and read statements. Wrong role and wrong owner are refused."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
from identity.roles import Role
from tests.etc.support import merchant_app
from tests.ledger.support import PIN, opened_through_kyc

APPLY = """mutation($input: ApplyEtcCardInput!) { applyEtcCard(input: $input) {
  __typename ... on EtcCard { number plate status blacklisted } ... on EtcRefusal { code message } } }"""
DEBITS = """query($card: String!) { etcCardDebits(cardNumber: $card) { __typename
  ... on EtcDebitList { debits { id merchantName amount status day } } ... on EtcRefusal { code } } }"""
TOTALS = """query($card: String!, $by: EtcTotalsBy!) { etcCardTotals(cardNumber: $card, by: $by) { __typename
  ... on EtcTotals { totals { key count paid unpaid } } ... on EtcRefusal { code } } }"""
DISPUTE = """mutation($debit: ID!) { disputeEtcDebit(debitId: $debit, reason: "不是我") { __typename
  ... on EtcDispute { id status } ... on EtcRefusal { code } ... on InvalidInput { field } } }"""
RESOLVE = """mutation($id: ID!) { resolveEtcDispute(disputeId: $id, refund: true) { __typename
  ... on EtcDispute { status } ... on EtcRefusal { code } } }"""
STATEMENT = """query($m: ID!, $day: Date!) { etcMerchantStatement(merchantId: $m, day: $day) { __typename
  ... on EtcMerchantStatement { paidCount paid debits { amount } } } }"""
SUSPEND = """mutation($card: String!) { suspendEtcCard(cardNumber: $card) { __typename
  ... on EtcCard { status } ... on EtcRefusal { code } } }"""


async def test_a_customer_applies_reads_debits_and_disputes_and_an_operator_refunds(runtime, gql, sign_in):
    me = await sign_in("13900000011")
    await opened_through_kyc(runtime, me.user_id, "李*", 10_000)
    await runtime.ledger.pins.set_pin(user_id=me.user_id, pin=PIN)
    applied = await gql(APPLY, {"input": {"plate": "粤BD12345", "pin": PIN}}, token=me.access_token)
    card = applied["data"]["applyEtcCard"]
    assert card["__typename"] == "EtcCard" and card["status"] == "ACTIVE", applied
    malformed = await gql(APPLY, {"input": {"plate": "粤B", "pin": PIN}}, token=me.access_token)
    assert malformed["data"]["applyEtcCard"]["code"] == "MALFORMED_PLATE"

    toll = await merchant_app(runtime, gql, sign_in)
    for i in range(3):
        await etc_service(runtime).debit(app_id=toll.app_id, plate="粤BD12345", amount=1_000, idempotency_key=f"g{i}")
    listed = (await gql(DEBITS, {"card": card["number"]}, token=me.access_token))["data"]["etcCardDebits"]
    assert [d["amount"] for d in listed["debits"]] == [1_000] * 3
    by_merchant = await gql(TOTALS, {"card": card["number"], "by": "MERCHANT"}, token=me.access_token)
    assert by_merchant["data"]["etcCardTotals"]["totals"] == [{"key": "广深高速", "count": 3, "paid": 3_000,
                                                                 "unpaid": 0}]
    by_day = await gql(TOTALS, {"card": card["number"], "by": "DAY"}, token=me.access_token)
    assert by_day["data"]["etcCardTotals"]["totals"][0]["paid"] == 3_000

    disputed = await gql(DISPUTE, {"debit": listed["debits"][0]["id"]}, token=me.access_token)
    dispute = disputed["data"]["disputeEtcDebit"]
    assert dispute["status"] == "OPEN"
    operator = await sign_in("13900000012", Role.OPERATOR)
    refused = await gql(RESOLVE, {"id": dispute["id"]}, token=me.access_token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    resolved = await gql(RESOLVE, {"id": dispute["id"]}, token=operator.access_token)
    assert resolved["data"]["resolveEtcDispute"]["status"] == "REFUNDED"
    from miniprograms.etc.models import EtcMerchant

    merchant = await EtcMerchant.get(app_id=toll.app_id)
    statement = await gql(STATEMENT, {"m": str(merchant.id), "day": listed["debits"][0]["day"]},
                          token=operator.access_token)
    assert statement["data"]["etcMerchantStatement"]["paidCount"] == 3


async def test_another_customers_card_and_debits_are_not_theirs(runtime, gql, sign_in):
    owner = await sign_in("13900000013")
    await opened_through_kyc(runtime, owner.user_id, "王*", 10_000)
    await runtime.ledger.pins.set_pin(user_id=owner.user_id, pin=PIN)
    card = (await gql(APPLY, {"input": {"plate": "粤B12345", "pin": PIN}}, token=owner.access_token)
            )["data"]["applyEtcCard"]
    toll = await merchant_app(runtime, gql, sign_in)
    debit = await etc_service(runtime).debit(app_id=toll.app_id, plate="粤B12345", amount=100, idempotency_key="x")
    stranger = await sign_in("13900000014")
    for document, variables in ((DEBITS, {"card": card["number"]}), (SUSPEND, {"card": card["number"]})):
        answer = await gql(document, variables, token=stranger.access_token)
        assert next(iter(answer["data"].values()))["code"] == "CARD_NOT_FOUND"
    disputed = await gql(DISPUTE, {"debit": str(debit.id)}, token=stranger.access_token)
    assert disputed["data"]["disputeEtcDebit"]["code"] == "DEBIT_NOT_FOUND"
    bad_id = await gql(DISPUTE, {"debit": "not-an-id"}, token=stranger.access_token)
    assert bad_id["data"]["disputeEtcDebit"]["field"] == "debitId"
    anonymous = await gql(DEBITS, {"card": card["number"]})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
