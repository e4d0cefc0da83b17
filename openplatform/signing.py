"""Signatures of open-API requests: HMAC-SHA256 or SM2-with-SM3 over one canonical string.

The string to sign is six lines joined by "\\n" (no trailing newline)::

    SUPERAPP-OPENAPI-V1
    <METHOD>                 upper case
    <path>                   with the query string, exactly as sent ("/openapi/v1/payments/pay_1")
    <timestamp>              Unix seconds, as in X-Timestamp
    <nonce>                  as in X-Nonce
    <sha256 hex of the body> of the exact bytes sent (the empty body too)

HMAC-SHA256 is keyed with SHA-256(appSecret) (the raw 32 bytes): the host stores only that
digest of the secret (issue 5), and a leaked digest alone still cannot obtain an access
token, which needs the secret itself. SM2 signatures use the app's registered public key
and the default user id "1234567812345678" (GB/T 32918), as r||s in 128 hex characters.

SM2 runs in Tongsuo (an OpenSSL fork with the SM suites) through tongsuopy: about 70 times
gmssl's pure Python, which signed and checked before; `bench/sm2_candidates.py` measures
them side by side, and gmssl's signatures still verify (tests/openplatform).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache

from tongsuopy.crypto import hashes
from tongsuopy.crypto.asymciphers import ec, utils
from tongsuopy.crypto.exceptions import InvalidSignature

from infra.i18n import Text

PREFIX = "SUPERAPP-OPENAPI-V1"
HMAC_SHA256, SM2_SM3 = "HMAC-SHA256", "SM2-SM3"
METHODS = (HMAC_SHA256, SM2_SM3)

# The SM2 curve (GB/T 32918.5): field prime, a, b and the group order.
_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_SM2_WITH_SM3 = ec.ECDSA(hashes.SM3())  # on an SM2 key: the SM2 signature over SM3(Z || message)
_HEX = re.compile(r"^[0-9a-f]+$")


def canonical_request(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    return "\n".join(
        (PREFIX, method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest())
    ).encode()


def hmac_key(app_secret: str) -> bytes:
    """The HMAC key of an app: SHA-256 of its secret, which is also what the host stores (hex)."""
    return hashlib.sha256(app_secret.encode()).digest()


def sign_hmac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_hmac(key: bytes, message: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign_hmac(key, message), signature.lower() if isinstance(signature, str) else "")


def normalise_public_key(raw: str) -> str:
    """An SM2 public key as 128 hex characters (x||y); accepts the 04-prefixed form.

    Raises ValueError when the text is not a point on the SM2 curve.
    """
    key = (raw or "").strip().lower()
    if len(key) == 130 and key.startswith("04"):
        key = key[2:]
    if len(key) != 128 or not _HEX.match(key):
        raise ValueError(Text("openplatform.sm2_key_format"))
    x, y = int(key[:64], 16), int(key[64:], 16)
    if not (x < _P and y < _P) or (y * y - (x * x * x + _A * x + _B)) % _P != 0:
        raise ValueError(Text("openplatform.sm2_key_not_on_curve"))
    return key


@lru_cache(maxsize=4096)
def _public_key(public_key: str) -> ec.EllipticCurvePublicKey:
    return ec.EllipticCurvePublicNumbers(int(public_key[:64], 16), int(public_key[64:], 16), ec.SM2()).public_key()


@lru_cache(maxsize=64)
def _private_key(private_key: str) -> ec.EllipticCurvePrivateKey:
    # Deriving the key computes its public point, a scalar multiplication as dear as the signature itself.
    return ec.derive_private_key(int(private_key, 16), ec.SM2())


def sign_sm2(private_key: str, public_key: str, message: bytes) -> str:
    """What a partner does (and the bank, for sealed answers): SM2 over SM3(Z || message) with a private key (hex)."""
    normalise_public_key(public_key)
    r, s = _decode_der(_private_key(private_key).sign(message, _SM2_WITH_SM3))
    return f"{r:064x}{s:064x}"


def verify_sm2(public_key: str, message: bytes, signature: str) -> bool:
    """``public_key`` as stored (normalised). Malformed signatures are simply invalid."""
    if not isinstance(signature, str) or len(signature) != 128 or not _HEX.match(signature.lower()):
        return False
    r, s = int(signature[:64], 16), int(signature[64:], 16)
    if not (0 < r < _N and 0 < s < _N):
        return False
    try:
        _public_key(public_key).verify(utils.encode_dss_signature(r, s), message, _SM2_WITH_SM3)
    except InvalidSignature:
        return False
    return True


def new_sm2_key_pair() -> tuple[str, str]:
    """(private hex, public hex x||y): for tests, benchmarks and the protocol's example."""
    key = ec.derive_private_key(secrets.randbelow(_N - 2) + 1, ec.SM2())
    numbers = key.public_key().public_numbers()
    return f"{key.private_numbers().private_value:064x}", f"{numbers.x:064x}{numbers.y:064x}"


def _decode_der(der: bytes) -> tuple[int, int]:
    """(r, s) of a DER ``SEQUENCE { INTEGER r, INTEGER s }`` (tongsuopy encodes but cannot decode)."""
    if der[0] != 0x30:
        raise ValueError("not a DER sequence")
    at = 3 if der[1] & 0x80 else 2
    values = []
    for _ in range(2):
        if der[at] != 0x02:
            raise ValueError("not a DER integer")
        length = der[at + 1]
        values.append(int.from_bytes(der[at + 2:at + 2 + length], "big"))
        at += 2 + length
    return values[0], values[1]
