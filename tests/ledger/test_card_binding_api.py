"""A Class I account is an external card: Luhn-checked, stored encrypted, shown as 6 + 4 digits."""

from ledger.models import Account
from tests.ledger.support import luhn_card

BIND = """
mutation B($number: String!) {
  bindCard(cardNumber: $number) {
    __typename
    ... on CardBound { account { id kind name maskedCardNumber balance } }
    ... on InvalidInput { field }
    ... on CardAlreadyBound { message }
  }
}
"""


async def test_a_valid_card_is_bound_and_only_ever_shown_masked(gql, sign_in, client):
    alice = await sign_in("13900000001")
    number = luhn_card("622202123456789")

    result = await gql(BIND, {"number": number}, token=alice.access_token)
    listed = await gql("{ accounts { maskedCardNumber } }", token=alice.access_token)

    account = result["data"]["bindCard"]["account"]
    assert account["kind"] == "CLASS_ONE" and account["balance"] == 0
    assert account["maskedCardNumber"] == number[:6] + "******" + number[-4:]
    assert account["name"] == f"Card ending {number[-4:]}"
    assert listed["data"]["accounts"] == [{"maskedCardNumber": number[:6] + "******" + number[-4:]}]
    row = await Account.get(id=int(account["id"]))
    assert number not in row.card_ciphertext and number not in (row.card_index or "")


async def test_the_stored_card_number_decrypts_to_the_card(gql, sign_in, runtime):
    alice = await sign_in("13900000001")
    number = luhn_card("621700")

    result = await gql(BIND, {"number": " ".join(number[i:i + 4] for i in range(0, 16, 4))}, token=alice.access_token)

    row = await Account.get(id=int(result["data"]["bindCard"]["account"]["id"]))
    assert runtime.cipher.decrypt(row.card_ciphertext, context="bank_card") == number


async def test_a_number_failing_the_luhn_check_is_refused(gql, sign_in):
    alice = await sign_in("13900000001")
    number = luhn_card("622202123456789")
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)

    for bad in (broken, "1234", "62220212345678901234", "6222abcd12345678"):
        result = await gql(BIND, {"number": bad}, token=alice.access_token)
        assert result["data"]["bindCard"] == {"__typename": "InvalidInput", "field": "cardNumber"}, bad
    assert await Account.all().count() == 0


async def test_one_card_binds_once_per_customer(gql, sign_in):
    alice = await sign_in("13900000001")
    bob = await sign_in("13900000002")
    number = luhn_card("622202123456789")

    first = await gql(BIND, {"number": number}, token=alice.access_token)
    again = await gql(BIND, {"number": number}, token=alice.access_token)
    bobs = await gql(BIND, {"number": number}, token=bob.access_token)

    assert first["data"]["bindCard"]["__typename"] == "CardBound"
    assert again["data"]["bindCard"]["__typename"] == "CardAlreadyBound"
    assert bobs["data"]["bindCard"]["__typename"] == "CardBound"


async def test_an_unbound_card_can_be_bound_again(gql, sign_in):
    alice = await sign_in("13900000001")
    number = luhn_card("622202123456789")
    first = await gql(BIND, {"number": number}, token=alice.access_token)

    closed = await gql("mutation C($id: ID!) { closeAccount(id: $id) { __typename } }",
                       {"id": first["data"]["bindCard"]["account"]["id"]}, token=alice.access_token)
    again = await gql(BIND, {"number": number}, token=alice.access_token)

    assert closed["data"]["closeAccount"]["__typename"] == "AccountUpdated"
    assert again["data"]["bindCard"]["__typename"] == "CardBound"
    assert again["data"]["bindCard"]["account"]["id"] != first["data"]["bindCard"]["account"]["id"]
