"""What a caller reads is Simplified Chinese unless they ask for English (Accept-Language),
through every door: GraphQL (typed errors, refusals, the socket), the JSAPI bridge, the signed
open API, event tracking, the SMS and the container's own text. Codes never change."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.servers import server_process

ENGLISH = {"accept-language": "en-US,en;q=0.9"}
CHINESE = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}
BAD_PHONE = 'mutation { requestLoginCode(phone: "12345") { __typename ... on InvalidInput { field message } } }'
CODE = 'mutation($p: String!) { requestLoginCode(phone: $p) { __typename } }'


async def test_a_typed_graphql_error_speaks_the_callers_language(gql):
    by_default = await gql.post({"query": BAD_PHONE})
    chinese = await gql.post({"query": BAD_PHONE}, headers=CHINESE)
    english = await gql.post({"query": BAD_PHONE}, headers=ENGLISH)

    assert by_default.json()["data"]["requestLoginCode"] == {
        "__typename": "InvalidInput", "field": "phone", "message": "这不是中国大陆手机号",
    }
    assert chinese.json() == by_default.json()
    assert english.json()["data"]["requestLoginCode"] == {
        "__typename": "InvalidInput", "field": "phone", "message": "not a mainland China mobile number",
    }
    # The answer says which language it is in, and that it depends on the asking.
    assert by_default.headers["content-language"] == "zh-CN" and english.headers["content-language"] == "en"
    assert "accept-language" in english.headers["vary"].lower()


async def test_a_refused_field_speaks_the_callers_language_with_the_same_code(gql, sign_in):
    customer = await sign_in("13900000001")
    query = {"query": "{ trackingRealtimeVisitors { __typename } }"}
    anonymous = (await gql.post(query)).json()["errors"][0]
    wrong_role = (await gql.post(query, token=customer.access_token, headers=ENGLISH)).json()["errors"][0]
    wrong_role_zh = (await gql.post(query, token=customer.access_token)).json()["errors"][0]

    assert (anonymous["message"], anonymous["extensions"]["code"]) == ("请先登录", "UNAUTHENTICATED")
    assert wrong_role["extensions"]["code"] == wrong_role_zh["extensions"]["code"] == "FORBIDDEN"
    assert wrong_role["message"].startswith("This needs the role ")
    assert wrong_role_zh["message"].startswith("需要") and wrong_role_zh["message"].endswith("角色")


async def test_the_login_sms_is_in_the_language_the_code_was_asked_in(gql, runtime):
    await gql.post({"query": CODE, "variables": {"p": "13900000071"}})
    await gql.post({"query": CODE, "variables": {"p": "13900000072"}}, headers=ENGLISH)

    assert (await runtime.sms.latest_to("13900000071")).startswith("您的登录验证码是 ")
    assert (await runtime.sms.latest_to("13900000072")).startswith("Your sign-in code is ")


async def test_a_bridge_refusal_speaks_the_callers_language(client, sign_in):
    user = await sign_in("13900000001")
    auth = {"authorization": f"Bearer {user.access_token}"}
    body = {"args": {}, "platform": "h5", "clientVersion": "5.2.0"}

    chinese = await client.post("/bridge/v1/mp0123456789abcdef/noSuchApi", json=body, headers=auth)
    english = await client.post("/bridge/v1/mp0123456789abcdef/noSuchApi", json=body, headers={**auth, **ENGLISH})
    signed_out = await client.post("/bridge/v1/mp0123456789abcdef/getStorage", json=body, headers=ENGLISH)

    assert chinese.status_code == english.status_code == 404
    assert chinese.json() == {"error": {"code": "UNKNOWN_API", "message": "noSuchApi 不是桥接 API"}}
    assert english.json() == {"error": {"code": "UNKNOWN_API", "message": "noSuchApi is not a bridge API"}}
    assert signed_out.json() == {"error": {"code": "UNAUTHENTICATED", "message": "Sign in to use mini-programs."}}


async def test_the_open_api_refuses_a_partner_in_its_language(client):
    chinese = await client.post("/openapi/v1/messages", content=b"{}")
    english = await client.post("/openapi/v1/messages", content=b"{}", headers=ENGLISH)

    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {"error": {"code": "BAD_REQUEST", "message": "X-App-Id 缺失或格式不对"}}
    assert english.json() == {"error": {"code": "BAD_REQUEST", "message": "X-App-Id is missing or malformed"}}


async def test_tracking_gives_each_rejected_event_its_reason_in_the_senders_language(client):
    batch = {"batch": [{"type": "bogus", "eventId": "evt-0000001", "anonymousId": "a-1"}]}
    chinese = (await client.post("/track/batch", json=batch)).json()["rejected"]
    english = (await client.post("/track/batch", json=batch, headers=ENGLISH)).json()["rejected"]
    not_json = await client.post("/track/batch", content=b"{", headers={**ENGLISH, "content-type": "application/json"})

    assert chinese == [{"index": 0, "eventId": "evt-0000001", "code": "INVALID_FIELD", "field": "type",
                        "reason": "type 须为 track、page 或 identify"}]
    assert english == [{**chinese[0], "reason": "type is track, page or identify."}]
    assert not_json.status_code == 400
    assert not_json.json() == {"code": "INVALID_JSON", "message": "The batch is not JSON."}


async def test_a_remembered_decline_is_told_in_the_language_of_whoever_retries(gql, sign_in, runtime):
    from tests.ledger.support import funded_account

    alice = await sign_in("13900000001")
    wallet = await funded_account(runtime, alice.user_id, 1_00)
    card = await funded_account(runtime, alice.user_id, 0)
    transfer = {"query": """mutation($input: TransferInput!) { transfer(input: $input) {
        __typename ... on InsufficientFunds { message balance } } }""",
                "variables": {"input": {"fromAccountId": str(wallet.id), "toAccountId": str(card.id),
                                        "amount": 5_00, "idempotencyKey": "too-much-0001"}}}

    first = (await gql.post(transfer, token=alice.access_token, headers=ENGLISH)).json()["data"]["transfer"]
    retry = (await gql.post(transfer, token=alice.access_token)).json()["data"]["transfer"]

    assert first == {"__typename": "InsufficientFunds", "balance": 100,
                     "message": "the account holds ¥1.00, ¥5.00 requested"}
    assert retry == {**first, "message": "余额不足：账户余额 ¥1.00，本次需要 ¥5.00"}


async def _subscription_refusal(base: str, headers: dict) -> list[tuple[str, str]]:
    async with websockets.connect(base.replace("http", "ws") + "/graphql",
                                  subprotocols=["graphql-transport-ws"], additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": "subscription { securityEvents { kind } }"}}))
        answer = json.loads(await ws.recv())
    assert answer["type"] == "error", answer
    return [(e["message"], e["extensions"]["code"]) for e in answer["payload"]]


@pytest.mark.slow
async def test_a_subscription_speaks_the_language_of_its_socket(app, environ):
    async with server_process(environ) as base:  # the in-process test server speaks no websockets
        assert await _subscription_refusal(base, {}) == [("请先登录", "UNAUTHENTICATED")]
        assert await _subscription_refusal(base, ENGLISH) == [("Sign in to do this.", "UNAUTHENTICATED")]


async def test_the_container_gets_its_words_from_the_catalogue(client):
    chinese = await client.get("/i18n/container")
    english = await client.get("/i18n/container", headers={"accept-language": "en-GB"})
    unknown = await client.get("/i18n/ledger")

    assert chinese.json()["locale"] == "zh-CN" and english.json()["locale"] == "en"
    assert chinese.json()["messages"]["pay_to"] == "向 {app} 付款"
    assert english.json()["messages"]["pay_to"] == "Pay {app}"
    assert chinese.json()["messages"].keys() == english.json()["messages"].keys()
    assert "accept-language" in chinese.headers["vary"].lower()
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
