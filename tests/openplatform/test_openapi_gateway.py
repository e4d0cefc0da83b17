"""Every open-API request is signed, fresh and authorised: each refusal has its own code."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import pytest

from openplatform.signing import new_sm2_key_pair
from tests.openplatform.partner_client import PartnerServer, error_code, now
from tests.openplatform.support import register_partner_app

PAYMENT = "/openapi/v1/payments/pay_unknown"

SM2_KEY = """mutation($app: String!, $key: String) { registerMiniAppSm2Key(appId: $app, publicKey: $key) {
  __typename ... on MiniAppOpenSettings { sm2PublicKey } ... on InvalidInput { field } ... on Error { message } } }"""


@pytest.fixture
async def server(client, partner):
    partner_server = PartnerServer(client, partner)
    await partner_server.fetch_token()
    return partner_server


async def test_a_signed_request_with_a_token_reaches_the_endpoint(server):
    response = await server.call("GET", PAYMENT)
    assert (response.status_code, error_code(response)) == (404, "PAYMENT_NOT_FOUND")


async def test_the_signature_follows_the_documented_canonical_string(client, server, partner):
    """Signed by hand from PROTOCOL.md, with nothing but hashlib and hmac."""
    timestamp, nonce = str(now()), "handmade-nonce-1"
    canonical = "\n".join(["SUPERAPP-OPENAPI-V1", "GET", PAYMENT, timestamp, nonce, hashlib.sha256(b"").hexdigest()])
    key = hashlib.sha256(partner.secret.encode()).digest()
    signature = hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
    response = await client.get(PAYMENT, headers={
        "x-app-id": partner.app_id, "x-timestamp": timestamp, "x-nonce": nonce, "x-signature": signature,
        "authorization": f"Bearer {server.access_token}",
    })
    assert error_code(response) == "PAYMENT_NOT_FOUND"


async def test_a_tampered_body_is_refused(server):
    raw = json.dumps({"code": "abc"}).encode()
    headers = server.headers("POST", "/openapi/v1/sessions", raw)
    response = await server.send("POST", "/openapi/v1/sessions", json.dumps({"code": "abd"}).encode(), headers)
    assert (response.status_code, error_code(response)) == (401, "BAD_SIGNATURE")


async def test_a_request_for_another_path_is_refused(server):
    headers = server.headers("GET", PAYMENT, b"")
    response = await server.send("GET", "/openapi/v1/payments/pay_other", b"", headers)
    assert error_code(response) == "BAD_SIGNATURE"


async def test_signed_with_a_wrong_secret_is_refused(server):
    server.secret_for_signing = "sk_not-the-secret"
    response = await server.call("GET", PAYMENT)
    assert (response.status_code, error_code(response)) == (401, "BAD_SIGNATURE")


async def test_a_token_request_with_a_wrong_secret_is_refused(server):
    response = await server.call("POST", "/openapi/v1/token", {"appSecret": "sk_wrong"}, token=False)
    assert (response.status_code, error_code(response)) == (401, "BAD_CREDENTIALS")


@pytest.mark.parametrize("skew", [-301, 301, -3600])
async def test_stale_or_future_timestamps_are_refused(server, skew):
    response = await server.call("GET", PAYMENT, timestamp=now() + skew)
    assert (response.status_code, error_code(response)) == (401, "STALE_TIMESTAMP")


async def test_a_replayed_request_is_refused(server):
    headers = server.headers("GET", PAYMENT, b"")
    first = await server.send("GET", PAYMENT, b"", headers)
    replayed = await server.send("GET", PAYMENT, b"", headers)
    assert error_code(first) == "PAYMENT_NOT_FOUND"
    assert (replayed.status_code, error_code(replayed)) == (401, "NONCE_REUSED")


async def test_a_nonce_raced_twice_is_accepted_once(server):
    headers = server.headers("GET", PAYMENT, b"")
    answers = await asyncio.gather(*(server.send("GET", PAYMENT, b"", headers) for _ in range(5)))
    assert sorted(error_code(a) for a in answers) == ["NONCE_REUSED"] * 4 + ["PAYMENT_NOT_FOUND"]


async def test_a_bad_signature_does_not_use_up_the_nonce(server):
    server.secret_for_signing = "sk_forger"
    forged = await server.call("GET", PAYMENT, nonce="shared-nonce-0001")
    server.secret_for_signing = server.app.secret
    genuine = await server.call("GET", PAYMENT, nonce="shared-nonce-0001")
    assert (error_code(forged), error_code(genuine)) == ("BAD_SIGNATURE", "PAYMENT_NOT_FOUND")


@pytest.mark.parametrize("token", [False, "at_made-up-token"])
async def test_a_missing_or_unknown_token_is_refused(server, token):
    response = await server.call("GET", PAYMENT, token=token)
    assert (response.status_code, error_code(response)) == (401, "INVALID_TOKEN")


async def test_another_apps_token_is_refused(client, gql, sign_in, server):
    other = PartnerServer(client, await register_partner_app(gql, sign_in))
    other_token = await other.fetch_token()
    response = await server.call("GET", PAYMENT, token=other_token)
    assert error_code(response) == "INVALID_TOKEN"


async def test_missing_headers_and_unknown_apps_are_refused(client, server):
    bare = await client.get(PAYMENT)
    assert (bare.status_code, error_code(bare)) == (400, "BAD_REQUEST")
    server.app.app_id = "mp0000000000000000"
    unknown = await server.call("GET", PAYMENT)
    assert (unknown.status_code, error_code(unknown)) == (404, "UNKNOWN_APP")


async def test_a_refreshed_token_leaves_the_previous_one_valid_for_the_grace_window(server):
    first = server.access_token
    second = await server.fetch_token()
    third = await server.fetch_token()

    for token in (first, second, third):
        assert error_code(await server.call("GET", PAYMENT, token=token)) == "PAYMENT_NOT_FOUND"


async def test_after_the_grace_window_only_the_new_token_works(environ, start_app, client):
    environ["OPENAPI_TOKEN_GRACE_SECONDS"] = "1"
    gql, runtime = await start_app()
    from tests.support import SignIn

    partner = await register_partner_app(gql, SignIn(gql, runtime))
    server = PartnerServer(gql.http, partner)
    old = await server.fetch_token()
    new = await server.fetch_token()

    await asyncio.sleep(1.5)

    assert error_code(await server.call("GET", PAYMENT, token=old)) == "INVALID_TOKEN"
    assert error_code(await server.call("GET", PAYMENT, token=new)) == "PAYMENT_NOT_FOUND"


async def test_posts_need_an_idempotency_key(server):
    raw = b'{"code": "x"}'
    headers = server.headers("POST", "/openapi/v1/sessions", raw)
    del headers["idempotency-key"]
    response = await server.send("POST", "/openapi/v1/sessions", raw, headers)
    assert (response.status_code, error_code(response)) == (400, "IDEMPOTENCY_KEY_REQUIRED")


async def test_a_reused_idempotency_key_with_another_body_is_a_conflict(server):
    first = await server.call("POST", "/openapi/v1/sessions", {"code": "one"}, idempotency_key="k-1")
    replay = await server.call("POST", "/openapi/v1/sessions", {"code": "one"}, idempotency_key="k-1")
    other = await server.call("POST", "/openapi/v1/sessions", {"code": "two"}, idempotency_key="k-1")

    assert error_code(first) == "CODE_INVALID"
    assert (replay.status_code, replay.json(), replay.headers["idempotent-replayed"]) == (
        first.status_code, first.json(), "true")
    assert (other.status_code, error_code(other)) == (409, "IDEMPOTENCY_CONFLICT")


async def test_the_per_second_rate_limit_refuses_the_excess(environ, start_app):
    environ["OPENAPI_RATE_PER_SECOND"] = "3"
    gql, runtime = await start_app()
    from tests.support import SignIn

    server = PartnerServer(gql.http, await register_partner_app(gql, SignIn(gql, runtime)))
    await server.fetch_token()
    answers = await asyncio.gather(*(server.call("GET", PAYMENT) for _ in range(20)))

    codes = [error_code(a) for a in answers]
    assert "RATE_LIMITED" in codes
    assert set(codes) <= {"RATE_LIMITED", "PAYMENT_NOT_FOUND"}
    limited = answers[codes.index("RATE_LIMITED")]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


async def test_the_daily_quota_refuses_once_used_up(environ, start_app):
    environ["OPENAPI_DAILY_QUOTA"] = "3"
    gql, runtime = await start_app()
    from tests.support import SignIn

    server = PartnerServer(gql.http, await register_partner_app(gql, SignIn(gql, runtime)))
    await server.fetch_token()  # the token request counts too
    first, second, over = [await server.call("GET", PAYMENT) for _ in range(3)]

    assert [error_code(r) for r in (first, second)] == ["PAYMENT_NOT_FOUND"] * 2
    assert (over.status_code, error_code(over)) == (429, "QUOTA_EXCEEDED")


async def test_sm2_signed_requests_with_the_registered_key(client, gql, server, partner):
    private, public = new_sm2_key_pair()
    server.sm2 = (private, public)
    before = await server.call("GET", PAYMENT)
    assert error_code(before) == "SM2_KEY_NOT_REGISTERED"

    registered = await gql(SM2_KEY, {"app": partner.app_id, "key": "04" + public}, token=partner.developer_token)
    assert registered["data"]["registerMiniAppSm2Key"]["sm2PublicKey"] == public

    assert error_code(await server.call("GET", PAYMENT)) == "PAYMENT_NOT_FOUND"
    server.sm2 = new_sm2_key_pair()  # a key pair the bank does not know
    assert error_code(await server.call("GET", PAYMENT)) == "BAD_SIGNATURE"


async def test_only_the_apps_developers_register_a_valid_sm2_key(gql, sign_in, partner, customer):
    _, public = new_sm2_key_pair()
    not_a_point = await gql(SM2_KEY, {"app": partner.app_id, "key": "ab" * 64}, token=partner.developer_token)
    refused = not_a_point["data"]["registerMiniAppSm2Key"]
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "publicKey")

    stranger = await register_partner_app(gql, sign_in)
    foreign = await gql(SM2_KEY, {"app": partner.app_id, "key": public}, token=stranger.developer_token)
    assert foreign["data"]["registerMiniAppSm2Key"]["__typename"] == "MiniAppNotPermitted"

    as_customer = await gql(SM2_KEY, {"app": partner.app_id, "key": public}, token=customer.access_token)
    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_sm2_checks_are_budgeted_per_app_before_they_cost_cpu(environ, start_app):
    environ["OPENAPI_SM2_VERIFICATIONS_PER_SECOND"] = "1"
    gql, runtime = await start_app()
    from tests.support import SignIn

    partner = await register_partner_app(gql, SignIn(gql, runtime))
    server = PartnerServer(gql.http, partner)
    await server.fetch_token()
    private, public = new_sm2_key_pair()
    await gql(SM2_KEY, {"app": partner.app_id, "key": public}, token=partner.developer_token)
    server.sm2 = new_sm2_key_pair()  # junk: a key the bank does not know

    answers = await asyncio.gather(*(server.call("GET", PAYMENT) for _ in range(4)))

    codes = [error_code(a) for a in answers]
    assert "RATE_LIMITED" in codes  # refused without running the check
    assert set(codes) <= {"RATE_LIMITED", "BAD_SIGNATURE"}
    server.sm2 = None  # the same app's HMAC-signed requests are not held up
    assert error_code(await server.call("GET", PAYMENT)) == "PAYMENT_NOT_FOUND"
