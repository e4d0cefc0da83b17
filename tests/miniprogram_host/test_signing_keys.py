"""Signing keys from settings: the first one signs, every one is published for rotation."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from tests.miniprogram_host.helpers import developer_app, package, upload

NEW, OLD = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()


def seed(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()


def public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


@pytest.fixture
def environ(environ):
    environ["MP_SIGNING_KEYS"] = f"2026b:{seed(NEW)},2026a:{seed(OLD)}"
    return environ


async def test_the_first_key_signs_and_both_are_published(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    body = (await upload(client, app, package(app.app_id, "1.0.0"))).json()
    keys = (await client.get("/mp/keys")).json()

    assert keys["current"] == "2026b"
    assert [(k["kid"], k["publicKey"]) for k in keys["keys"]] == [("2026b", public(NEW)), ("2026a", public(OLD))]
    assert body["keyId"] == "2026b"
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public(NEW))).verify(
        base64.b64decode(body["signature"]), f"superapp-mp-v1:{app.app_id}:1.0.0:{body['digest']}".encode()
    )
