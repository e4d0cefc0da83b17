"""The partner's side of the protocol: the headers of a signed open-API request.

Used by the tests and the benchmark, and a reference for partners writing their own client
(openplatform/PROTOCOL.md shows the same steps with nothing but hashlib and gmssl).
"""

from __future__ import annotations

import secrets
import time

from openplatform.signing import HMAC_SHA256, SM2_SM3, canonical_request, hmac_key, sign_hmac, sign_sm2


def signed_headers(
    *, app_id: str, method: str, path: str, body: bytes = b"", app_secret: str | None = None,
    sm2_private_key: str | None = None, sm2_public_key: str | None = None, access_token: str | None = None,
    timestamp: int | None = None, nonce: str | None = None,
) -> dict[str, str]:
    """Sign with SM2 when a key pair is given, else with HMAC-SHA256 keyed by the app secret."""
    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    message = canonical_request(method=method, path=path, timestamp=timestamp_text, nonce=nonce, body=body)
    if sm2_private_key is not None:
        algorithm, signature = SM2_SM3, sign_sm2(sm2_private_key, sm2_public_key, message)
    elif app_secret is not None:
        algorithm, signature = HMAC_SHA256, sign_hmac(hmac_key(app_secret), message)
    else:
        raise ValueError("give the app secret or an SM2 key pair")
    headers = {
        "x-app-id": app_id, "x-timestamp": timestamp_text, "x-nonce": nonce,
        "x-signature-method": algorithm, "x-signature": signature,
    }
    if access_token is not None:
        headers["authorization"] = f"Bearer {access_token}"
    return headers
