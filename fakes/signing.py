"""Request signing as the outside parties faked here do it: Ed25519 over one canonical text.

A ``Scheme`` names the protocol's prefix (``CNET-V1``, ``LOTO-V1``) and its header family
(``X-Cnet-*``, ``X-Loto-*``): ``<Family>-Key-Id``, ``-Timestamp`` (Unix seconds), ``-Nonce``
and ``-Signature`` (base64) over six lines joined by "\\n": the prefix, the method
(``RESPONSE`` for an answer), the path with its query, the timestamp, the nonce and the
SHA-256 hex of the body.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAX_SKEW_SECONDS = 300


def private_key(seed_b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64, validate=True))


def public_key(raw_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64, validate=True))


@dataclass(frozen=True, slots=True)
class Scheme:
    prefix: str  # first line of the signed text
    family: str  # header family: "Cnet" -> X-Cnet-Signature

    def canonical(self, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
        return "\n".join((self.prefix, method.upper(), path, timestamp, nonce,
                          hashlib.sha256(body).hexdigest())).encode()

    def signed_headers(self, key: Ed25519PrivateKey, key_id: str, method: str, path: str,
                       body: bytes) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = key.sign(self.canonical(method, path, timestamp, nonce, body))
        return {
            f"X-{self.family}-Key-Id": key_id,
            f"X-{self.family}-Timestamp": timestamp,
            f"X-{self.family}-Nonce": nonce,
            f"X-{self.family}-Signature": base64.b64encode(signature).decode(),
            "Content-Type": "application/json",
        }

    def verify(self, key: Ed25519PublicKey, headers: Mapping[str, str], method: str, path: str, body: bytes, *,
               now: float | None = None) -> str | None:
        """None when the request is signed by ``key`` and fresh; otherwise why not."""
        family = f"x-{self.family.lower()}"
        timestamp, nonce = headers.get(f"{family}-timestamp", ""), headers.get(f"{family}-nonce", "")
        if not timestamp.isdigit() or not 16 <= len(nonce) <= 64:
            return f"missing or malformed X-{self.family}-Timestamp / X-{self.family}-Nonce"
        if abs((now or time.time()) - int(timestamp)) > MAX_SKEW_SECONDS:
            return "timestamp outside the allowed window"
        try:
            key.verify(base64.b64decode(headers.get(f"{family}-signature", ""), validate=True),
                       self.canonical(method, path, timestamp, nonce, body))
        except (InvalidSignature, ValueError):
            return "signature does not verify"
        return None


class Nonces:
    """Nonces seen in the last two skew windows: a replayed request is refused."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def fresh(self, nonce: str) -> bool:
        now = time.time()
        for seen, at in list(self._seen.items()):
            if now - at > MAX_SKEW_SECONDS * 2:
                del self._seen[seen]
        first = nonce not in self._seen
        self._seen[nonce] = now
        return first
