"""The partner's server creates, queries, closes and refunds orders over the signed open API."""

from __future__ import annotations

import pytest

from ledger.models import Account
from tests.ledger.support import funded_account, paying_customer
from tests.openplatform.partner_client import PartnerServer, error_code
from tests.openplatform.support import register_partner_app


@pytest.fixture
async def server(client, partner):
    partner_server = PartnerServer(client, partner)
    await partner_server.fetch_token()
    return partner_server


async def _openid(runtime, server, user_id: int) -> str:
    code = await runtime.openplatform.issue_login_code(app_id=server.app.app_id, user_id=user_id)
    return (await server.call("POST", "/openapi/v1/sessions", {"code": code.code})).json()["openid"]


async def test_an_order_is_created_queried_paid_refunded_by_order_id(runtime, server, customer):
    openid = await _openid(runtime, server, customer.user_id)
    account = await funded_account(runtime, customer.user_id, 5_000)
    body = {"orderId": "latte-0001", "openid": openid, "amountFen": 1_800, "description": "Latte, large",
            "expiresInSeconds": 900}

    created = await server.call("POST", "/openapi/v1/orders", body)
    assert created.status_code == 201, created.text
    order = created.json()
    assert (order["orderId"], order["openid"], order["status"], order["amountFen"], order["paymentId"]) == (
        "latte-0001", openid, "unpaid", 1_800, None)
    assert order["prepayId"].startswith("prepay_")
    same = await server.call("POST", "/openapi/v1/orders", body)  # a new Idempotency-Key, the same order
    assert (same.status_code, same.json()["prepayId"]) == (201, order["prepayId"])
    other = await server.call("POST", "/openapi/v1/orders", {**body, "amountFen": 1})
    assert (other.status_code, error_code(other)) == (409, "ORDER_CONFLICT")

    payment = await runtime.openplatform.pay(app_id=server.app.app_id, payer=await paying_customer(runtime, customer.user_id),
                                             from_account_id=account.id, prepay_id=order["prepayId"])
    queried = (await server.call("GET", "/openapi/v1/orders/latte-0001")).json()
    assert (queried["status"], queried["paymentId"]) == ("paid", payment.payment_id)
    by_payment = (await server.call("GET", f"/openapi/v1/payments/{payment.payment_id}")).json()
    assert (by_payment["orderId"], by_payment["openid"]) == ("latte-0001", openid)

    refund = await server.call("POST", "/openapi/v1/orders/latte-0001/refunds", {"amountFen": 800, "reason": "cold"})
    assert refund.status_code == 201, refund.text
    assert (refund.json()["orderId"], refund.json()["openid"], refund.json()["payment"]["status"]) == (
        "latte-0001", openid, "partially_refunded")
    closing_paid = await server.call("POST", "/openapi/v1/orders/latte-0001/close")
    assert (closing_paid.status_code, error_code(closing_paid)) == (409, "ORDER_PAID")
    assert (await Account.get(id=account.id)).balance == 4_000


async def test_an_unpaid_order_is_closed_and_refused_inputs_name_their_field(runtime, server, customer):
    openid = await _openid(runtime, server, customer.user_id)
    await server.call("POST", "/openapi/v1/orders", {"orderId": "o-1", "openid": openid, "amountFen": 100,
                                                     "description": "Espresso"})
    closed = await server.call("POST", "/openapi/v1/orders/o-1/close")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    unpaid_refund = await server.call("POST", "/openapi/v1/orders/o-1/refunds", {"amountFen": 1})
    assert (unpaid_refund.status_code, error_code(unpaid_refund)) == (409, "ORDER_NOT_PAID")

    for bad, field in (({"amountFen": -5}, "amountFen"), ({"amountFen": "100"}, "amountFen"),
                       ({"orderId": "a b"}, "orderId"), ({"expiresInSeconds": 5}, "expiresInSeconds"),
                       ({"description": ""}, "description")):
        answer = await server.call("POST", "/openapi/v1/orders", {"orderId": "o-2", "openid": openid,
                                                                  "amountFen": 100, "description": "x", **bad})
        assert (answer.status_code, error_code(answer), answer.json()["error"]["field"]) == (400, "INVALID_INPUT", field)
    stranger = await server.call("POST", "/openapi/v1/orders", {"orderId": "o-3", "openid": "onotauser",
                                                                "amountFen": 100, "description": "x"})
    assert (stranger.status_code, error_code(stranger)) == (404, "UNKNOWN_OPENID")
    missing = await server.call("GET", "/openapi/v1/orders/never")
    assert (missing.status_code, error_code(missing)) == (404, "ORDER_NOT_FOUND")


async def test_an_order_of_another_app_is_not_found(runtime, client, gql, sign_in, server, customer):
    openid = await _openid(runtime, server, customer.user_id)
    await server.call("POST", "/openapi/v1/orders", {"orderId": "mine", "openid": openid, "amountFen": 100,
                                                     "description": "x"})
    other = PartnerServer(client, await register_partner_app(gql, sign_in))
    await other.fetch_token()
    for method, path in (("GET", "/openapi/v1/orders/mine"), ("POST", "/openapi/v1/orders/mine/close")):
        answer = await other.call(method, path)
        assert (answer.status_code, error_code(answer)) == (404, "ORDER_NOT_FOUND")
    # Nor may it order for a user of another app.
    foreign = await other.call("POST", "/openapi/v1/orders", {"orderId": "x", "openid": openid, "amountFen": 1,
                                                              "description": "x"})
    assert error_code(foreign) == "UNKNOWN_OPENID"
