"""The partner's server uses the open API: code2Session, messages to the inbox, payments, refunds."""

from __future__ import annotations

import asyncio

import pytest

from ledger.kinds import AccountKind
from ledger.models import Account, JournalEntry
from tests.openplatform.partner_client import PartnerServer, error_code
from tests.ledger.support import funded_account
from tests.openplatform.support import pay_order, register_partner_app

INBOX = """query($limit: Int) { inbox(limit: $limit) { id appId topic title body } }"""


@pytest.fixture
async def server(client, partner):
    partner_server = PartnerServer(client, partner)
    await partner_server.fetch_token()
    return partner_server


async def _session(runtime, server, user_id: int) -> dict:
    code = await runtime.openplatform.issue_login_code(app_id=server.app.app_id, user_id=user_id)
    response = await server.call("POST", "/openapi/v1/sessions", {"code": code.code})
    assert response.status_code == 200, response.text
    return response.json()


async def test_code_to_session_and_a_reused_code(runtime, server, customer):
    code = await runtime.openplatform.issue_login_code(app_id=server.app.app_id, user_id=customer.user_id)
    first = await server.call("POST", "/openapi/v1/sessions", {"code": code.code}, idempotency_key="s-1")
    lost_answer_retry = await server.call("POST", "/openapi/v1/sessions", {"code": code.code}, idempotency_key="s-1")
    reused = await server.call("POST", "/openapi/v1/sessions", {"code": code.code}, idempotency_key="s-2")

    assert first.status_code == 200
    assert set(first.json()) == {"openid", "unionid", "sessionKey"}
    assert lost_answer_retry.json() == first.json()
    assert (reused.status_code, error_code(reused)) == (400, "CODE_USED")


async def test_a_message_needs_a_consent_and_uses_it_up(runtime, gql, server, customer):
    openid = (await _session(runtime, server, customer.user_id))["openid"]
    message = {"openid": openid, "topic": "order.shipped", "title": "Shipped", "body": "Your order is on its way"}

    refused = await server.call("POST", "/openapi/v1/messages", message)
    await runtime.openplatform.subscribe_messages(app_id=server.app.app_id, user_id=customer.user_id,
                                                  topic="order.shipped")
    sent = await server.call("POST", "/openapi/v1/messages", message)
    again = await server.call("POST", "/openapi/v1/messages", message)

    assert (refused.status_code, error_code(refused)) == (403, "NO_SUBSCRIPTION")
    assert sent.status_code == 201
    assert (again.status_code, error_code(again)) == (403, "NO_SUBSCRIPTION")
    inbox = await gql(INBOX, token=customer.access_token)
    assert inbox["data"]["inbox"] == [{"id": sent.json()["messageId"], "appId": server.app.app_id,
                                       "topic": "order.shipped", "title": "Shipped", "body": "Your order is on its way"}]


async def test_a_message_to_an_unknown_openid_or_malformed(server):
    unknown = await server.call("POST", "/openapi/v1/messages",
                                {"openid": "onobody", "topic": "t", "title": "x", "body": "y"})
    malformed = await server.call("POST", "/openapi/v1/messages", {"openid": 5})
    assert (unknown.status_code, error_code(unknown)) == (404, "UNKNOWN_OPENID")
    assert (malformed.status_code, malformed.json()["error"]["field"]) == (400, "openid")


async def test_the_inbox_is_the_callers_own_and_customers_only(runtime, gql, sign_in, server, customer):
    openid = (await _session(runtime, server, customer.user_id))["openid"]
    await runtime.openplatform.subscribe_messages(app_id=server.app.app_id, user_id=customer.user_id, topic="news")
    await server.call("POST", "/openapi/v1/messages", {"openid": openid, "topic": "news", "title": "Hi", "body": "x"})
    another_customer = await sign_in("13900000002")

    theirs = await gql(INBOX, token=another_customer.access_token)
    anonymous = await gql(INBOX)

    assert theirs["data"]["inbox"] == []
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert len((await gql(INBOX, token=customer.access_token))["data"]["inbox"]) == 1
    staff = await _staff_only(runtime, sign_in, "13900000077")
    assert (await gql(INBOX, token=staff.access_token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def _staff_only(runtime, sign_in, phone: str):
    """An operator who is not a customer of the bank."""
    from identity.models import User
    from identity.roles import Role

    user = await runtime.identity.ensure_user(phone=phone, roles=[Role.OPERATOR])
    await User.filter(id=user.id).update(roles=[Role.OPERATOR.value])
    return await sign_in(phone)


async def _paid(runtime, server, customer, amount=1_000, key="order-1"):
    account = await funded_account(runtime, customer.user_id, 5_000)
    payment = await pay_order(runtime, server.app.app_id, customer.user_id, account.id, amount_fen=amount,
                              order_id=key, description="Flowers")
    return account, payment


async def test_query_a_payment_of_this_app_only(runtime, client, gql, sign_in, server, customer):
    _, payment = await _paid(runtime, server, customer)
    found = await server.call("GET", f"/openapi/v1/payments/{payment.payment_id}")
    other = PartnerServer(client, await register_partner_app(gql, sign_in))
    await other.fetch_token()
    foreign = await other.call("GET", f"/openapi/v1/payments/{payment.payment_id}")

    assert found.status_code == 200
    assert {k: found.json()[k] for k in ("paymentId", "status", "amountFen", "refundedFen")} == {
        "paymentId": payment.payment_id, "status": "succeeded", "amountFen": 1_000, "refundedFen": 0}
    assert (foreign.status_code, error_code(foreign)) == (404, "PAYMENT_NOT_FOUND")


async def test_partial_and_full_refunds_never_above_the_paid_amount(runtime, server, customer):
    account, payment = await _paid(runtime, server, customer)
    path = f"/openapi/v1/payments/{payment.payment_id}/refunds"

    partial = await server.call("POST", path, {"amountFen": 300, "reason": "one item missing"})
    too_much = await server.call("POST", path, {"amountFen": 701})
    rest = await server.call("POST", path, {"amountFen": 700})
    nothing_left = await server.call("POST", path, {"amountFen": 1})

    assert (partial.status_code, partial.json()["payment"]["status"]) == (201, "partially_refunded")
    assert (too_much.status_code, error_code(too_much), too_much.json()["error"]["refundableFen"]) == (
        422, "REFUND_EXCEEDS_PAYMENT", 700)
    assert (rest.status_code, rest.json()["payment"]["status"], rest.json()["payment"]["refundedFen"]) == (
        201, "refunded", 1_000)
    assert error_code(nothing_left) == "REFUND_EXCEEDS_PAYMENT"
    merchant = await Account.get(kind=AccountKind.MERCHANT)
    assert ((await Account.get(id=account.id)).balance, merchant.balance) == (5_000, 0)
    assert await JournalEntry.filter(kind="mp_refund").count() == 2


async def test_a_retried_refund_is_one_refund(runtime, server, customer):
    account, payment = await _paid(runtime, server, customer)
    path = f"/openapi/v1/payments/{payment.payment_id}/refunds"

    first = await server.call("POST", path, {"amountFen": 400}, idempotency_key="refund-1")
    retried = await server.call("POST", path, {"amountFen": 400}, idempotency_key="refund-1")
    changed = await server.call("POST", path, {"amountFen": 500}, idempotency_key="refund-1")

    assert retried.json()["refundId"] == first.json()["refundId"]
    assert (changed.status_code, error_code(changed)) == (409, "IDEMPOTENCY_CONFLICT")
    assert (await Account.get(id=account.id)).balance == 4_400


async def test_concurrent_refunds_never_exceed_the_payment(runtime, server, customer):
    account, payment = await _paid(runtime, server, customer)
    path = f"/openapi/v1/payments/{payment.payment_id}/refunds"

    answers = await asyncio.gather(*(server.call("POST", path, {"amountFen": 300}) for _ in range(5)))

    assert sorted(a.status_code for a in answers) == [201, 201, 201, 422, 422]
    assert (await Account.get(id=account.id)).balance == 4_000 + 900


async def test_a_refund_through_the_service_is_idempotent_by_key(runtime, server, customer):
    from ledger import errors as ledger_errors

    _, payment = await _paid(runtime, server, customer)
    refund = dict(app_id=server.app.app_id, payment_id=payment.payment_id, idempotency_key="r")
    first = await runtime.openplatform.refund(**refund, amount_fen=100)
    again = await runtime.openplatform.refund(**refund, amount_fen=100)
    assert first.refund_id == again.refund_id
    with pytest.raises(ledger_errors.IdempotencyConflict):
        await runtime.openplatform.refund(**refund, amount_fen=200)


@pytest.mark.parametrize("depth", [33, 2_000])
async def test_a_body_nested_too_deep_is_a_typed_400(server, depth):
    body = ('{"code": ' + '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1) + "}").encode()
    headers = server.headers("POST", "/openapi/v1/sessions", body)
    response = await server.send("POST", "/openapi/v1/sessions", body, headers)
    assert (response.status_code, error_code(response)) == (400, "BAD_REQUEST")
