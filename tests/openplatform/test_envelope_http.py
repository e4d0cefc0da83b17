"""An app that registered an encryption key talks to the real open API in digital envelopes, both ways,
and receives its webhooks the same way: sealed to its key, signed by the bank."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets

import pytest

from openplatform.delivery import WebhookDeliverer, http_client
from openplatform.envelope import AES_256_GCM, SM4_GCM, open_envelope, open_field, seal
from openplatform.models import OpenIdentity
from openplatform.partner import open_answer, signed_headers
from openplatform.signing import new_sm2_key_pair, verify_sm2
from tests.ledger.support import funded_account
from tests.openplatform.receiver import webhook_receiver
from tests.openplatform.support import pay_order, register_partner_app

ENCRYPTION_KEY = """mutation($app: String!, $key: String) { registerMiniAppEncryptionKey(appId: $app, publicKey: $key) {
  __typename ... on MiniAppOpenSettings { encryptionPublicKey bankEncryptionPublicKey bankSigningPublicKey }
  ... on InvalidInput { field } ... on Error { message } } }"""
WEBHOOK = """mutation($app: String!, $url: String) { setMiniAppWebhook(appId: $app, url: $url) { __typename } }"""


class SealedPartner:
    """A partner's server with an encryption key: seals each body to the bank, opens each answer."""

    def __init__(self, http, app, keys: tuple[str, str], settings: dict) -> None:
        self.http, self.app, (self.private, self.public) = http, app, keys
        self.bank_encryption, self.bank_signing = settings["bankEncryptionPublicKey"], settings["bankSigningPublicKey"]
        self.token: str | None = None

    async def send(self, method: str, path: str, raw: bytes, *, idempotency_key: str | None = None):
        """Sign and send exactly ``raw`` (an envelope, or whatever a test wants to try)."""
        nonce = secrets.token_hex(16)
        headers = signed_headers(app_id=self.app.app_id, method=method, path=path, body=raw,
                                 app_secret=self.app.secret, access_token=self.token, nonce=nonce)
        if method == "POST":
            headers["idempotency-key"] = idempotency_key or secrets.token_hex(8)
        return await self.http.request(method, path, content=raw, headers=headers), nonce

    async def call(self, method: str, path: str, body: dict | None = None, *, alg: str = SM4_GCM,
                   idempotency_key: str | None = None) -> tuple[int, dict, object]:
        raw = seal(json.dumps(body).encode(), public_key=self.bank_encryption, alg=alg) if body is not None else b""
        response, nonce = await self.send(method, path, raw, idempotency_key=idempotency_key)
        return response.status_code, self.read(response, nonce), response

    def read(self, response, nonce: str) -> dict:
        plain = open_answer(status=response.status_code, body=response.content, headers=response.headers,
                            nonce=nonce, private_key=self.private, bank_signing_public=self.bank_signing)
        return json.loads(plain)


async def _opt_in(gql, partner, public: str) -> dict:
    answer = await gql(ENCRYPTION_KEY, {"app": partner.app_id, "key": public}, token=partner.developer_token)
    return answer["data"]["registerMiniAppEncryptionKey"]


@pytest.fixture
async def sealed(client, gql, partner) -> SealedPartner:
    keys = new_sm2_key_pair()
    settings = await _opt_in(gql, partner, "04" + keys[1])
    assert settings["encryptionPublicKey"] == keys[1]
    server = SealedPartner(client, partner, keys, settings)
    status, answer, _ = await server.call("POST", "/openapi/v1/token", {"appSecret": partner.secret})
    assert status == 200, answer
    server.token = answer["accessToken"]
    return server


async def test_an_order_round_trip_in_envelopes_through_the_open_api(runtime, sealed, customer):
    code = await runtime.openplatform.issue_login_code(app_id=sealed.app.app_id, user_id=customer.user_id)
    status, session, response = await sealed.call("POST", "/openapi/v1/sessions", {"code": code.code})
    assert status == 200 and session["openid"].startswith("o")
    assert response.headers["x-superapp-envelope"] == SM4_GCM
    assert session["openid"].encode() not in response.content  # only the envelope went over the wire
    # The session key is a sensitive field: sealed once more, by itself, for the partner's key alone.
    session_key = open_field(session["sessionKey"], private_key=sealed.private)
    identity = await OpenIdentity.get(app_id=sealed.app.app_id, user_id=customer.user_id)
    assert hashlib.sha256(session_key.encode()).hexdigest() == identity.session_key_hash
    order = {"orderId": "latte-0001", "openid": session["openid"], "amountFen": 1_800, "description": "拿铁，大杯"}

    status, created, response = await sealed.call("POST", "/openapi/v1/orders", order, alg=AES_256_GCM,
                                                  idempotency_key="order-1")
    assert (status, created["amountFen"], created["description"]) == (201, 1_800, "拿铁，大杯")
    assert response.headers["x-superapp-envelope"] == AES_256_GCM  # the answer in the request's algorithm
    # A retry is a new envelope (a fresh key) of the same request: the stored answer, sealed anew.
    status, again, response = await sealed.call("POST", "/openapi/v1/orders", order, idempotency_key="order-1")
    assert (status, again["prepayId"], response.headers["idempotent-replayed"]) == (201, created["prepayId"], "true")
    status, fetched, _ = await sealed.call("GET", "/openapi/v1/orders/latte-0001")
    assert (status, fetched["prepayId"], fetched["status"]) == (200, created["prepayId"], "unpaid")
    status, missing, _ = await sealed.call("GET", "/openapi/v1/orders/no-such")
    assert (status, missing["error"]["code"]) == (404, "ORDER_NOT_FOUND")  # refusals past the gateway are sealed too


async def test_an_app_signing_with_sm2_seals_the_same_way(gql, sealed):
    signing = new_sm2_key_pair()
    await gql("""mutation($app: String!, $key: String) { registerMiniAppSm2Key(appId: $app, publicKey: $key) {
      __typename } }""", {"app": sealed.app.app_id, "key": signing[1]}, token=sealed.app.developer_token)
    raw = seal(b"", public_key=sealed.bank_encryption)  # even an empty body, sealed, is an envelope
    nonce = secrets.token_hex(16)
    headers = signed_headers(app_id=sealed.app.app_id, method="POST", path="/openapi/v1/sessions", body=raw,
                             sm2_private_key=signing[0], sm2_public_key=signing[1], access_token=sealed.token,
                             nonce=nonce)
    headers["idempotency-key"] = "sm2-1"

    response = await sealed.http.post("/openapi/v1/sessions", content=raw, headers=headers)

    refused = sealed.read(response, nonce)["error"]  # admitted by its SM2 signature, opened, then read
    assert (response.status_code, refused["code"], refused["field"]) == (400, "INVALID_INPUT", "code")


async def test_a_sealed_answer_is_signed_for_this_request_only(sealed):
    response, nonce = await sealed.send("GET", "/openapi/v1/orders/no-such", b"")
    assert sealed.read(response, nonce)["error"]["code"] == "ORDER_NOT_FOUND"
    with pytest.raises(ValueError):
        sealed.read(response, "another-request-nonce")  # an answer replayed to another request
    forged = seal(b'{"status":"paid"}', public_key=sealed.public)  # anyone can seal to the partner's public key
    with pytest.raises(ValueError):
        open_answer(status=200, body=forged, headers=response.headers, nonce=nonce, private_key=sealed.private,
                    bank_signing_public=sealed.bank_signing)


async def test_each_bad_envelope_is_refused_with_its_code(sealed):
    body = json.dumps({"code": "abc"}).encode()
    good = json.loads(seal(body, public_key=sealed.bank_encryption))
    attempts = {
        "ENVELOPE_REQUIRED": body,
        "ENVELOPE_TAMPERED": json.dumps({**good, "tag": "AAAAAAAAAAAAAAAAAAAAAA=="}).encode(),
        "ENVELOPE_KEY_MISMATCH": seal(body, public_key=new_sm2_key_pair()[1]),
        "ENVELOPE_ALGORITHM": json.dumps({**good, "alg": "SM4-ECB"}).encode(),
        "ENVELOPE_MALFORMED": json.dumps({**good, "ciphertext": "***"}).encode(),
        "ENVELOPE_TOO_LARGE": json.dumps({**good, "ciphertext": "A" * 800_000}).encode(),
    }
    for code, raw in attempts.items():
        response, nonce = await sealed.send("POST", "/openapi/v1/sessions", raw)
        refused = sealed.read(response, nonce)["error"]
        assert refused["code"] == code and refused["message"], (code, refused)
        assert response.status_code == (413 if code == "ENVELOPE_TOO_LARGE" else 400)


async def test_an_envelope_is_signed_as_sent_so_a_changed_one_is_refused_before_it_is_opened(sealed):
    raw = seal(json.dumps({"code": "abc"}).encode(), public_key=sealed.bank_encryption)
    nonce = secrets.token_hex(16)
    headers = signed_headers(app_id=sealed.app.app_id, method="POST", path="/openapi/v1/sessions", body=raw,
                             app_secret=sealed.app.secret, access_token=sealed.token, nonce=nonce)
    headers["idempotency-key"] = "k-1"
    swapped = seal(json.dumps({"code": "abd"}).encode(), public_key=sealed.bank_encryption)

    response = await sealed.http.post("/openapi/v1/sessions", content=swapped, headers=headers)

    assert (response.status_code, response.json()["error"]["code"]) == (401, "BAD_SIGNATURE")  # plain: not proven


async def test_removing_the_key_brings_plain_bodies_back_and_others_apps_are_untouched(client, gql, sign_in,
                                                                                      sealed, partner):
    other = await register_partner_app(gql, sign_in)
    plain = json.dumps({"appSecret": other.secret}).encode()
    headers = signed_headers(app_id=other.app_id, method="POST", path="/openapi/v1/token", body=plain,
                             app_secret=other.secret)
    assert (await client.post("/openapi/v1/token", content=plain, headers=headers)).json()["accessToken"]

    assert (await _opt_in(gql, partner, None))["encryptionPublicKey"] is None
    plain = json.dumps({"appSecret": partner.secret}).encode()
    headers = signed_headers(app_id=partner.app_id, method="POST", path="/openapi/v1/token", body=plain,
                             app_secret=partner.secret)
    answer = await client.post("/openapi/v1/token", content=plain, headers=headers)
    assert "x-superapp-envelope" not in answer.headers and answer.json()["accessToken"]


async def test_only_the_apps_developers_register_a_valid_encryption_key(gql, sign_in, partner, customer):
    _, public = new_sm2_key_pair()
    not_a_point = await _opt_in(gql, partner, "ab" * 64)
    assert (not_a_point["__typename"], not_a_point["field"]) == ("InvalidInput", "publicKey")

    stranger = await register_partner_app(gql, sign_in)
    foreign = await gql(ENCRYPTION_KEY, {"app": partner.app_id, "key": public}, token=stranger.developer_token)
    assert foreign["data"]["registerMiniAppEncryptionKey"]["__typename"] == "MiniAppNotPermitted"
    as_customer = await gql(ENCRYPTION_KEY, {"app": partner.app_id, "key": public}, token=customer.access_token)
    assert as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    registered = await _opt_in(gql, partner, public)
    audit = await gql('query($app: String!) { miniApp(appId: $app) { ... on MiniApp { audit { action detail } } } }',
                      {"app": partner.app_id}, token=partner.developer_token)
    changes = [a for a in audit["data"]["miniApp"]["audit"] if a["action"] == "encryption_key_changed"]
    assert registered["encryptionPublicKey"] == public and [c["detail"]["public_key"] for c in changes] == [public]


async def test_webhooks_of_an_app_with_a_key_arrive_sealed_and_signed_twice(runtime, gql, partner, customer):
    private, public = new_sm2_key_pair()
    settings = await _opt_in(gql, partner, public)
    async with webhook_receiver() as receiver:
        await gql(WEBHOOK, {"app": partner.app_id, "url": receiver.url}, token=partner.developer_token)
        account = await funded_account(runtime, customer.user_id, 10_000)
        payment = await pay_order(runtime, partner.app_id, customer.user_id, account.id, amount_fen=1_200,
                                  order_id="order-1")
        async with http_client(runtime.openplatform.config) as http:
            await WebhookDeliverer(runtime.openplatform.config, http).run(stop=asyncio.Event(), until_idle=True)

    [delivery] = receiver.requests
    signed = delivery.headers["x-superapp-timestamp"].encode() + b"." + delivery.body
    key = hashlib.sha256(partner.secret.encode()).digest()
    assert delivery.headers["x-superapp-signature"] == "v1=" + hmac.new(key, signed, hashlib.sha256).hexdigest()
    assert verify_sm2(settings["bankSigningPublicKey"], signed, delivery.headers["x-superapp-envelope-signature"])
    assert delivery.headers["x-superapp-envelope"] == SM4_GCM
    assert payment.payment_id.encode() not in delivery.body
    event = json.loads(open_envelope(delivery.body, private_key=private).plaintext)
    assert (event["type"], event["data"]["paymentId"]) == ("payment.succeeded", payment.payment_id)


async def test_a_tracking_batch_in_an_envelope_is_read_as_its_plaintext(sealed):
    from tests.tracking.support import batch_body, event

    page = event("$page", anonymous_id="partner-server")
    raw = seal(batch_body([page]), public_key=sealed.bank_encryption)
    response, nonce = await sealed.send("POST", "/openapi/v1/track/batch", raw)
    assert sealed.read(response, nonce) == {"accepted": 1, "duplicates": [], "rejected": [], "anonymized": []}
