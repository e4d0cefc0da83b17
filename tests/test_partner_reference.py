"""docs/partners/reference/ is what the code makes now (``superapp reference``), and what it says
is the code's: every JSAPI, open-API route, error code and webhook event, with test vectors
that the signing code itself verifies."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest

from bff.openapi.routes import openapi_routes
from miniprogram_runtime.apis import BRIDGE_APIS
from openplatform import errors
from openplatform.webhooks import EVENT_TYPES
from superapp.reference import EXAMPLE_SECRET, REFERENCE, generated


@pytest.mark.parametrize("name", ["jsapi.md", "open-api.md", "webhooks.md"])
def test_each_reference_file_is_what_the_code_generates(name):
    committed = (REFERENCE / name).read_text() if (REFERENCE / name).exists() else ""
    assert committed == generated()[name], f"docs/partners/reference/{name} is stale: run `superapp reference`"


def test_every_jsapi_route_code_and_event_is_in_the_references():
    files = generated()
    for api in BRIDGE_APIS:
        assert f"## `{api}`" in files["jsapi.md"] and "(not documented)" not in files["jsapi.md"]
    for route in openapi_routes():
        for method in route.methods - {"HEAD"}:
            assert f"### `{method} {route.path}`" in files["open-api.md"]
    codes = set(re.findall(r"^\| `([A-Z_0-9]+)` \|", files["open-api.md"], flags=re.MULTILINE))
    queue, expected = list(errors.OpenPlatformError.__subclasses__()), set()
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        expected.add(cls.code)
    assert expected <= codes
    for event_type in EVENT_TYPES:
        assert f"### `{event_type}`" in files["webhooks.md"]


def test_every_open_api_endpoint_documents_itself():
    from bff.openapi import routes

    for name in ("token", "code_to_session", "send_message", "create_order", "get_order", "close_order",
                 "refund_order", "get_payment", "refund_payment", "track_events"):
        assert (getattr(routes, name).__doc__ or "").strip(), name
    open_api = generated()["open-api.md"]
    assert "(not documented)" not in open_api
    # ...and the reference carries each docstring under its route (the routes are wrapped by `signed`).
    for route in routes.openapi_routes():
        first_line = (route.endpoint.__wrapped__.__doc__ or "").strip().splitlines()[0]
        assert first_line and first_line in open_api, route.path


def test_the_signature_test_vectors_verify_with_the_documented_recipe():
    """A partner checks their code against these: recomputed here from the recipe, not the bank's code."""
    key = hashlib.sha256(EXAMPLE_SECRET.encode()).digest()
    open_api = generated()["open-api.md"]
    canonical = re.search(r"string to sign:\n\n```\n(.*?)\n```", open_api, flags=re.DOTALL).group(1)
    signature = re.search(r"`X-Signature`: `([0-9a-f]{64})`", open_api).group(1)
    lines = canonical.split("\n")
    body = re.search(r"- body: `(.*?)`\n", open_api).group(1).encode()
    assert lines[0] == "SUPERAPP-OPENAPI-V1" and lines[5] == hashlib.sha256(body).hexdigest()
    assert hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest() == signature

    hooks = generated()["webhooks.md"]
    timestamp = re.search(r"- `X-Superapp-Timestamp`: `(\d+)`", hooks).group(1)
    raw = re.search(r"- body \(exact bytes\): `(.*?)`\n", hooks).group(1).encode()
    expected = re.search(r"- `X-Superapp-Signature`: `(v1=[0-9a-f]{64})`", hooks).group(1)
    assert "v1=" + hmac.new(key, timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest() == expected
    assert json.loads(raw)["type"] == "webhook.test"


def test_the_envelope_test_vector_recomputes_with_another_sm4_gcm():
    """The reference's SM4-GCM step, redone with the `cryptography` package (its own OpenSSL 3, not Tongsuo)."""
    import base64

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    open_api = generated()["open-api.md"]
    section = open_api.split("## Digital envelope: test vector", 1)[1]
    key, iv = re.search(r"key \(hex\): `([0-9a-f]{32})`, iv \(hex\): `([0-9a-f]{24})`", section).groups()
    ciphertext = base64.b64decode(re.search(r"- `ciphertext`: `([^`]+)`", section).group(1))
    tag = base64.b64decode(re.search(r"- `tag`: `([^`]+)`", section).group(1))
    body = re.search(r"- body: `(.*?)`\n", open_api).group(1).encode()

    encryptor = Cipher(algorithms.SM4(bytes.fromhex(key)), modes.GCM(bytes.fromhex(iv))).encryptor()
    assert encryptor.update(body) + encryptor.finalize() == ciphertext
    assert encryptor.tag == tag
