"""Operators freeze accounts; customers close their own empty accounts."""

from identity.roles import Role
from ledger.models import Account
from ledger.service import AccountKind
from tests.ledger.support import funded_account
from tests.ledger.test_transfer_api import TRANSFER, transfer_input

FREEZE = """
mutation F($id: ID!, $frozen: Boolean!, $reason: String = "fraud report 2026-118") {
  setAccountFrozen(id: $id, frozen: $frozen, reason: $reason) {
    __typename ... on AccountUpdated { account { status } } ... on Error { message }
  }
}
"""
CLOSE = """
mutation C($id: ID!) {
  closeAccount(id: $id) {
    __typename ... on AccountUpdated { account { status balance } } ... on BalanceNotZero { balance }
    ... on InvalidInput { field }
  }
}
"""


async def test_an_operator_freezes_an_account_and_its_owner_cannot_pay_from_it(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, alice.user_id, 50_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)

    frozen = await gql(FREEZE, {"id": str(wallet.id), "frozen": True}, token=operator.access_token)
    refused = await gql(TRANSFER, transfer_input(wallet, card, 1_00, "while-frozen"), token=alice.access_token)
    thawed = await gql(FREEZE, {"id": str(wallet.id), "frozen": False}, token=operator.access_token)
    paid = await gql(TRANSFER, transfer_input(wallet, card, 1_00, "after-thaw-1"), token=alice.access_token)

    assert frozen["data"]["setAccountFrozen"] == {"__typename": "AccountUpdated", "account": {"status": "FROZEN"}}
    assert refused["data"]["transfer"]["__typename"] == "AccountFrozen"
    assert thawed["data"]["setAccountFrozen"]["account"] == {"status": "ACTIVE"}
    assert paid["data"]["transfer"]["__typename"] == "TransferSucceeded"


async def test_a_customer_cannot_freeze_accounts(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    wallet = await funded_account(runtime, alice.user_id, 0)

    result = await gql(FREEZE, {"id": str(wallet.id), "frozen": True}, token=alice.access_token)

    assert result["data"] is None
    assert result["errors"][0]["message"] == "需要运营角色"
    assert (await Account.get(id=wallet.id)).status.value == "active"


async def test_a_customer_closes_an_empty_account_but_not_one_holding_money(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    full = await funded_account(runtime, alice.user_id, 3_00)
    empty = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)

    refused = await gql(CLOSE, {"id": str(full.id)}, token=alice.access_token)
    closed = await gql(CLOSE, {"id": str(empty.id)}, token=alice.access_token)

    assert refused["data"]["closeAccount"] == {"__typename": "BalanceNotZero", "balance": 3_00}
    assert closed["data"]["closeAccount"] == {"__typename": "AccountUpdated", "account": {"status": "CLOSED", "balance": 0}}


async def test_nobody_closes_another_customers_account(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    mallory = await sign_in("13900000002")
    empty = await funded_account(runtime, alice.user_id, 0)

    result = await gql(CLOSE, {"id": str(empty.id)}, token=mallory.access_token)

    assert result["data"]["closeAccount"] == {"__typename": "InvalidInput", "field": "id"}
    assert (await Account.get(id=empty.id)).status.value == "active"


FREEZE_WITH_REASON = """
mutation F($id: ID!, $frozen: Boolean!, $reason: String) {
  setAccountFrozen(id: $id, frozen: $frozen, reason: $reason) {
    __typename ... on AccountUpdated { account { status } } ... on InvalidInput { field message } ... on Error { message }
  }
}
"""


async def test_an_operator_says_why_and_the_reason_is_in_the_audit_log(gql, sign_in, runtime):
    from audit import service as audit_log

    alice = await sign_in("13900000001")
    operator = await sign_in("13900000009", Role.OPERATOR)
    wallet = await funded_account(runtime, alice.user_id, 50_00)

    too_long = await gql(FREEZE_WITH_REASON, {"id": str(wallet.id), "frozen": True, "reason": "冻" * 201},
                         token=operator.access_token)
    assert too_long["data"]["setAccountFrozen"]["__typename"] == "InvalidInput"
    assert too_long["data"]["setAccountFrozen"]["field"] == "reason"
    assert (await Account.get(id=wallet.id)).status.value == "active"  # nothing changed
    for missing in (None, "", "   "):  # a freeze is always explained
        unexplained = await gql(FREEZE_WITH_REASON, {"id": str(wallet.id), "frozen": True, "reason": missing},
                                token=operator.access_token)
        answer = unexplained["data"]["setAccountFrozen"]
        assert (answer["__typename"], answer["field"]) == ("InvalidInput", "reason"), missing
    assert (await Account.get(id=wallet.id)).status.value == "active"
    # A customer cannot freeze, even their own account, with or without a reason.
    own = await gql(FREEZE_WITH_REASON, {"id": str(wallet.id), "frozen": True, "reason": "test"},
                    token=alice.access_token)
    assert own.get("data") is None or own["data"].get("setAccountFrozen") is None, own
    assert (await Account.get(id=wallet.id)).status.value == "active"

    frozen = await gql(FREEZE_WITH_REASON, {"id": str(wallet.id), "frozen": True, "reason": "  公安机关协查冻结  "},
                       token=operator.access_token)
    assert frozen["data"]["setAccountFrozen"] == {"__typename": "AccountUpdated", "account": {"status": "FROZEN"}}
    thawed = await gql(FREEZE_WITH_REASON, {"id": str(wallet.id), "frozen": False, "reason": "协查结束"},
                       token=operator.access_token)
    assert thawed["data"]["setAccountFrozen"]["account"] == {"status": "ACTIVE"}
    [freeze] = await audit_log.records(action="ledger.account_frozen")
    [thaw] = await audit_log.records(action="ledger.account_active")
    assert (freeze.actor, freeze.detail["reason"], thaw.detail["reason"]) == (
        f"user:{operator.user_id}", "公安机关协查冻结", "协查结束")
    assert (await audit_log.verify()).intact
