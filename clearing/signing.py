"""CNET-V1 signatures, the bank's side: Ed25519 over one canonical text, both directions.

Every request, answer and notification carries ``X-Cnet-Key-Id``, ``X-Cnet-Timestamp``
(Unix seconds), ``X-Cnet-Nonce`` (16-64 characters) and ``X-Cnet-Signature`` (base64)
over six lines joined by "\\n": ``CNET-V1``, the method (``RESPONSE`` for an answer), the
path with its query, the timestamp, the nonce and the SHA-256 hex of the body
(fakes/cardnetwork/PROTOCOL.md). Written apart from the fake on purpose: two
implementations of one protocol check each other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "CNET-V1"
SETTLEMENT_PREFIX = "CNET-V1-SETTLEMENT"
RESPONSE = "RESPONSE"


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((PREFIX, method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def private_key(seed_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))


def public_key(raw_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64, validate=True))


def public_key_of(seed_b64: str) -> str:
    """The base64 raw public key of a base64 Ed25519 seed."""
    raw = private_key(seed_b64).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@dataclass(frozen=True, slots=True)
class Signer:
    key: Ed25519PrivateKey
    key_id: str

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = self.key.sign(canonical(method, path, timestamp, nonce, body))
        return {
            "X-Cnet-Key-Id": self.key_id,
            "X-Cnet-Timestamp": timestamp,
            "X-Cnet-Nonce": nonce,
            "X-Cnet-Signature": base64.b64encode(signature).decode(),
            "Content-Type": "application/json",
        }


@dataclass(frozen=True, slots=True)
class Verifier:
    key: Ed25519PublicKey
    key_id: str
    max_skew_seconds: int = 300

    def problem(self, headers: Mapping[str, str], method: str, path: str, body: bytes) -> str | None:
        """None when ``headers`` sign this message with the network's key and are fresh; else why not."""
        timestamp, nonce = headers.get("x-cnet-timestamp", ""), headers.get("x-cnet-nonce", "")
        if headers.get("x-cnet-key-id") != self.key_id:
            return "unknown X-Cnet-Key-Id"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "missing or malformed X-Cnet-Timestamp"
        if not (16 <= len(nonce) <= 64 and nonce.isascii() and nonce.isprintable()):
            return "missing or malformed X-Cnet-Nonce"
        if abs(time.time() - int(timestamp)) > self.max_skew_seconds:
            return "timestamp outside the allowed window"
        try:
            signature = base64.b64decode(headers.get("x-cnet-signature", ""), validate=True)
            self.key.verify(signature, canonical(method, path, timestamp, nonce, body))
        except (InvalidSignature, binascii.Error, ValueError):
            return "signature does not verify"
        return None

    def settlement_signature_ok(self, day: str, count: int, total: int, digest: str, signature_b64: str) -> bool:
        try:
            signature = base64.b64decode(signature_b64, validate=True)
            self.key.verify(signature, f"{SETTLEMENT_PREFIX}\n{day}\n{count}\n{total}\n{digest}".encode())
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True
