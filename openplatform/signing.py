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
"""

from __future__ import annotations

import hashlib
import hmac
import re

from gmssl import sm2
from infra.i18n import Text

PREFIX = "SUPERAPP-OPENAPI-V1"
HMAC_SHA256, SM2_SM3 = "HMAC-SHA256", "SM2-SM3"
METHODS = (HMAC_SHA256, SM2_SM3)

_CURVE = sm2.default_ecc_table
_P, _A, _B, _N = (int(_CURVE[k], 16) for k in ("p", "a", "b", "n"))
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


def _crypt(private_key: str | None, public_key: str) -> sm2.CryptSM2:
    crypt = sm2.CryptSM2(private_key=private_key, public_key="")
    # gmssl strips leading "0" and "4" characters of any key starting with "04", which
    # breaks keys whose x begins so: set the normalised key directly.
    crypt.public_key = public_key
    return crypt


def sign_sm2(private_key: str, public_key: str, message: bytes) -> str:
    """What a partner does: SM2 over SM3(Z || message) with its private key (hex)."""
    return _crypt(private_key, normalise_public_key(public_key)).sign_with_sm3(message)


def verify_sm2(public_key: str, message: bytes, signature: str) -> bool:
    """``public_key`` as stored (normalised). Malformed signatures are simply invalid."""
    if not isinstance(signature, str) or len(signature) != 128 or not _HEX.match(signature.lower()):
        return False
    r, s = int(signature[:64], 16), int(signature[64:], 16)
    if not (0 < r < _N and 0 < s < _N):
        return False
    return bool(_crypt(None, public_key).verify_with_sm3(signature.lower(), message))


def new_sm2_key_pair() -> tuple[str, str]:
    """(private hex, public hex x||y): for tests, benchmarks and the protocol's example."""
    from gmssl import func

    private = func.random_hex(len(_CURVE["n"]))
    public = sm2.CryptSM2(private_key=private, public_key="")._kg(int(private, 16), _CURVE["g"])
    return private, public
