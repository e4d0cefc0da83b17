"""CNET-V1 signatures: Ed25519 over one canonical text, the same scheme in both directions.

Requests carry ``X-Cnet-Key-Id``, ``X-Cnet-Timestamp`` (Unix seconds), ``X-Cnet-Nonce`` and
``X-Cnet-Signature`` (base64). The signed text is six lines joined by "\\n"::

    CNET-V1
    <METHOD>
    <path with query>
    <timestamp>
    <nonce>
    <sha256 hex of the body>
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "CNET-V1"
MAX_SKEW_SECONDS = 300


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join((PREFIX, method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def private_key(seed_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))


def public_key(raw_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64, validate=True))


def signed_headers(key: Ed25519PrivateKey, key_id: str, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = key.sign(canonical(method, path, timestamp, nonce, body))
    return {
        "X-Cnet-Key-Id": key_id,
        "X-Cnet-Timestamp": timestamp,
        "X-Cnet-Nonce": nonce,
        "X-Cnet-Signature": base64.b64encode(signature).decode(),
        "Content-Type": "application/json",
    }


def verify(key: Ed25519PublicKey, headers, method: str, path: str, body: bytes, *, now: float | None = None) -> str | None:
    """None when the request is signed by ``key`` and fresh; otherwise why not."""
    timestamp, nonce = headers.get("x-cnet-timestamp", ""), headers.get("x-cnet-nonce", "")
    if not timestamp.isdigit() or not 16 <= len(nonce) <= 64:
        return "missing or malformed X-Cnet-Timestamp / X-Cnet-Nonce"
    if abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
        return "timestamp outside the allowed window"
    try:
        key.verify(base64.b64decode(headers.get("x-cnet-signature", ""), validate=True),
                   canonical(method, path, timestamp, nonce, body))
    except (InvalidSignature, ValueError):
        return "signature does not verify"
    return None
