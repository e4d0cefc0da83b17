"""Personal data at rest: AES-GCM with a key id (so keys rotate) and keyed blind indexes.

Ciphertexts look like ``k1:<base64(nonce||ciphertext)>``; the first key of PII_KEYS
encrypts, every listed key decrypts. A blind index is an HMAC of the normalised value,
so rows can be found by ID or phone number without storing either in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infra.settings import Settings


class PiiCipher:
    @classmethod
    def from_settings(cls, settings: Settings) -> PiiCipher:
        return cls(str(settings.pii_keys), str(settings.secret_key))

    def __init__(self, keys: str, index_secret: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        self._active: str | None = None
        for item in keys.split(","):
            kid, _, raw = item.strip().partition(":")
            self._keys[kid] = AESGCM(base64.b64decode(raw))
            self._active = self._active or kid
        self._index_key = hashlib.sha256(b"blind-index:" + index_secret.encode()).digest()

    def encrypt(self, plaintext: str | bytes, *, context: str = "") -> str:
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        nonce = os.urandom(12)
        sealed = self._keys[self._active].encrypt(nonce, data, context.encode() or None)
        return f"{self._active}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt_bytes(self, token: str, *, context: str = "") -> bytes:
        kid, _, body = token.partition(":")
        raw = base64.b64decode(body)
        return self._keys[kid].decrypt(raw[:12], raw[12:], context.encode() or None)

    def decrypt(self, token: str, *, context: str = "") -> str:
        return self.decrypt_bytes(token, context=context).decode()

    def key_id(self, token: str) -> str:
        return token.partition(":")[0]

    def blind_index(self, value: str, *, purpose: str) -> str:
        """Keyed hash for equality lookups; ``purpose`` keeps phone and ID indexes apart."""
        message = f"{purpose}\x00{value.strip().upper()}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()
