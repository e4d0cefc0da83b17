"""The partner's side of the protocol: the headers of a signed open-API request.

Used by the tests and the benchmark, and a reference for partners writing their own client
(openplatform/PROTOCOL.md shows the same steps with nothing but hashlib and gmssl). An app with
an encryption key seals its bodies with ``envelope.seal`` and reads answers with ``open_answer``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

from openplatform.envelope import open_envelope, verify_response
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


def open_answer(*, status: int, body: bytes, headers: Mapping[str, str], nonce: str, private_key: str,
                bank_signing_public: str) -> bytes:
    """What a partner with an encryption key does with a sealed answer: check the bank's SM2 signature over
    the status, its own request's nonce and the envelope, then open the envelope (envelope.open_envelope's
    errors). ValueError when the signature does not verify."""
    signature = headers.get("x-superapp-envelope-signature", "")
    if not verify_response(bank_signing_public, status=status, nonce=nonce, body=body, signature=signature):
        raise ValueError("the bank's signature of the answer does not verify")
    return open_envelope(body, private_key=private_key).plaintext
