"""Customers see their own accounts, balances, limits and statements, and nobody else's."""

from ledger.models import Account
from ledger.service import AccountKind
from tests.ledger.support import funded_account

ACCOUNTS = "{ accounts { id kind name balance currency status availableLimits { perTransaction dailyRemaining yearlyRemaining } } }"
ACCOUNT = "query A($id: ID!) { account(id: $id) { id balance maskedCardNumber availableLimits { dailyRemaining } } }"
TRANSACTIONS = """
query T($id: ID!, $first: Int!, $after: String) {
  transactions(accountId: $id, first: $first, after: $after) {
    edges { cursor node { id entryId kind memo amount balanceAfter } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
TRANSFER = """
mutation T($input: TransferInput!) {
  transfer(input: $input) {
    __typename
    ... on TransferSucceeded { entryId replayed fromAccount { balance } toAccount { balance } }
    ... on Error { message }
  }
}
"""


async def test_a_customer_lists_their_accounts_with_balances_and_class_two_limits(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    wallet = await funded_account(runtime, alice.user_id, 1_234_56, name="ETC wallet")
    await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE, name="Bound card")

    result = await gql(ACCOUNTS, token=alice.access_token)

    accounts = result["data"]["accounts"]
    assert [(a["kind"], a["name"], a["balance"], a["currency"], a["status"]) for a in accounts] == [
        ("CLASS_TWO", "ETC wallet", 1_234_56, "CNY", "ACTIVE"),
        ("CLASS_ONE", "Bound card", 0, "CNY", "ACTIVE"),
    ]
    assert accounts[0]["id"] == str(wallet.id)
    assert accounts[0]["availableLimits"] == {
        "perTransaction": 1_000_000, "dailyRemaining": 1_000_000, "yearlyRemaining": 20_000_000,
    }
    assert accounts[1]["availableLimits"] is None


async def test_another_customers_accounts_are_invisible_and_untouchable(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    mallory = await sign_in("13900000002")
    alices = await funded_account(runtime, alice.user_id, 500_00)
    mallorys = await funded_account(runtime, mallory.user_id, 0)

    listed = await gql(ACCOUNTS, token=mallory.access_token)
    one = await gql(ACCOUNT, {"id": str(alices.id)}, token=mallory.access_token)
    statement = await gql(TRANSACTIONS, {"id": str(alices.id), "first": 10}, token=mallory.access_token)
    taken = await gql(TRANSFER, {"input": {
        "fromAccountId": str(alices.id), "toAccountId": str(mallorys.id), "amount": 100_00,
        "idempotencyKey": "steal-0001",
    }}, token=mallory.access_token)

    assert [a["id"] for a in listed["data"]["accounts"]] == [str(mallorys.id)]
    assert one["data"]["account"] is None
    assert statement["data"]["transactions"] is None
    assert taken["data"]["transfer"] == {"__typename": "InvalidInput", "message": "没有这个账户"}
    assert [(await Account.get(id=a.id)).balance for a in (alices, mallorys)] == [500_00, 0]


async def test_paying_into_someone_elses_account_is_refused_too(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    bob = await sign_in("13900000002")
    alices = await funded_account(runtime, alice.user_id, 500_00)
    bobs = await funded_account(runtime, bob.user_id, 0)

    result = await gql(TRANSFER, {"input": {
        "fromAccountId": str(alices.id), "toAccountId": str(bobs.id), "amount": 1_00, "idempotencyKey": "gift-0001",
    }}, token=alice.access_token)

    assert result["data"]["transfer"]["__typename"] == "InvalidInput"
    assert (await Account.get(id=alices.id)).balance == 500_00


async def test_signed_out_callers_see_no_accounts(gql):
    result = await gql(ACCOUNTS)

    assert result["data"] is None
    assert result["errors"][0]["message"] == "请先登录"


async def test_the_statement_pages_newest_first_with_a_cursor(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    wallet = await funded_account(runtime, alice.user_id, 100_00)
    card = await funded_account(runtime, alice.user_id, 0, kind=AccountKind.CLASS_ONE)
    for n in range(1, 5):
        sent = await gql(TRANSFER, {"input": {
            "fromAccountId": str(wallet.id), "toAccountId": str(card.id), "amount": n * 1_00,
            "idempotencyKey": f"page-test-{n}", "memo": f"transfer {n}",
        }}, token=alice.access_token)
        assert sent["data"]["transfer"]["__typename"] == "TransferSucceeded"

    pages, after = [], None
    while True:
        page = (await gql(TRANSACTIONS, {"id": str(wallet.id), "first": 2, "after": after},
                          token=alice.access_token))["data"]["transactions"]
        pages.append([(e["node"]["kind"], e["node"]["memo"], e["node"]["amount"], e["node"]["balanceAfter"])
                      for e in page["edges"]])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == [
        [("transfer", "transfer 4", -4_00, 90_00), ("transfer", "transfer 3", -3_00, 94_00)],
        [("transfer", "transfer 2", -2_00, 97_00), ("transfer", "transfer 1", -1_00, 99_00)],
        [("deposit", "", 100_00, 100_00)],
    ]
