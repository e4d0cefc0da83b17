"""The host's Ed25519 package signatures, with key ids so keys can be rotated.

What is signed is one line naming the app, the version and the package's SHA-256, so a
signature cannot be replayed onto another app or version:
``superapp-mp-v1:<appId>:<version>:<sha256 hex>`` (UTF-8). Clients fetch the public keys
from ``GET /mp/keys`` and verify before running a package.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from infra.settings import SettingsError


def signed_statement(*, app_id: str, version: str, digest: str) -> bytes:
    return f"superapp-mp-v1:{app_id}:{version}:{digest}".encode()


@dataclass(frozen=True, slots=True)
class PackageSignature:
    key_id: str
    signature: str  # base64


class SigningKeys:
    """The first key signs; every key is published so older signatures still verify."""

    def __init__(self, keys: list[tuple[str, Ed25519PrivateKey]]) -> None:
        if not keys:
            raise SettingsError("MP_SIGNING_KEYS needs at least one key")
        self._keys = keys

    @classmethod
    def from_config(cls, spec: str | None, data_dir: Path) -> SigningKeys:
        if spec is None:
            spec = _embedded_key(data_dir)
        keys = []
        for item in spec.split(","):
            kid, _, seed = item.strip().partition(":")
            try:
                raw = base64.b64decode(seed, validate=True)
            except binascii.Error:
                raw = b""
            if not kid or len(kid) > 32 or len(raw) != 32:
                raise SettingsError("MP_SIGNING_KEYS must be 'kid:base64(32-byte seed)' items separated by commas")
            keys.append((kid, Ed25519PrivateKey.from_private_bytes(raw)))
        return cls(keys)

    @property
    def current_key_id(self) -> str:
        return self._keys[0][0]

    def sign(self, *, app_id: str, version: str, digest: str) -> PackageSignature:
        kid, key = self._keys[0]
        signature = key.sign(signed_statement(app_id=app_id, version=version, digest=digest))
        return PackageSignature(kid, base64.b64encode(signature).decode())

    def public_keys(self) -> list[dict[str, str]]:
        return [
            {
                "kid": kid,
                "alg": "Ed25519",
                "publicKey": base64.b64encode(
                    key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
                ).decode(),
            }
            for kid, key in self._keys
        ]


def _embedded_key(data_dir: Path) -> str:
    """Embedded mode: a signing key generated once and kept under the data dir.

    `serve --workers N` builds the runtime in every worker at once, so the key is written
    to a temporary file and linked into place: exactly one worker's key wins, all read it.
    """
    import os
    import secrets
    import tempfile

    path = data_dir / "keys" / "mp_signing_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mp_signing_key-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write("mp1:" + base64.b64encode(secrets.token_bytes(32)).decode())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
