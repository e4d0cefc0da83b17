"""LOTO-V1 signatures, the bank's side (fakes/lottery/PROTOCOL.md): the bank signs every
request with its Ed25519 key and believes an answer only when the operator's key signed it.
Written apart from the fake on purpose: two implementations of one protocol check each other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

BANK_KEY_ID, OPERATOR_KEY_ID = "bank-1", "loto-1"
MAX_SKEW_SECONDS = 300


def _signed_text(*parts: str) -> bytes:
    return "\n".join(parts).encode()


def security_code_hash(ticket_number: str, security_code: str) -> str:
    return hashlib.sha256(_signed_text("LOTO-V1-CODE", ticket_number, security_code)).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def public_key_of(seed_b64: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


class BankSigner:
    def __init__(self, seed_b64: str, operator_public_key_b64: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))
        self._operator = Ed25519PublicKey.from_public_bytes(base64.b64decode(operator_public_key_b64, validate=True))

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        text = _signed_text("LOTO-V1", method, path, stamp, nonce, hashlib.sha256(body).hexdigest())
        return {"X-Loto-Key-Id": BANK_KEY_ID, "X-Loto-Timestamp": stamp, "X-Loto-Nonce": nonce,
                "X-Loto-Signature": base64.b64encode(self._key.sign(text)).decode(),
                "Content-Type": "application/json"}

    def _verifies(self, signature_b64: str, text: bytes) -> bool:
        try:
            self._operator.verify(base64.b64decode(signature_b64, validate=True), text)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    def answer_is_operators(self, headers: Mapping[str, str], path: str, body: bytes) -> bool:
        """True when the operator signed this answer to a request on ``path``, recently."""
        stamp, nonce = headers.get("x-loto-timestamp", ""), headers.get("x-loto-nonce", "")
        if headers.get("x-loto-key-id") != OPERATOR_KEY_ID or not (stamp.isascii() and stamp.isdigit()
                                                                  and len(stamp) <= 12 and 16 <= len(nonce) <= 64):
            return False
        if abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
            return False
        text = _signed_text("LOTO-V1", "RESPONSE", path, stamp, nonce, hashlib.sha256(body).hexdigest())
        return self._verifies(headers.get("x-loto-signature", ""), text)

    def settlement_is_operators(self, day: str, count: int, total: int, digest: str, signature_b64: str) -> bool:
        return self._verifies(signature_b64, _signed_text("LOTO-V1-SETTLEMENT", day, str(count), str(total), digest))
