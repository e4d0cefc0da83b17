"""An app's encryption, applied: requests opened, answers and webhooks sealed and signed.

Opt-in per app: once its developers register an encryption public key (``apps.
register_encryption_key``), every request body it sends must be an envelope sealed to the
bank's encryption key, and every answer and webhook body is an envelope sealed to its key,
with the named sensitive fields inside sealed once more (``SENSITIVE_FIELDS``). Pure logic
over bytes; ``bff/openapi`` and the webhook worker call it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from openplatform import envelope, errors
from openplatform.envelope import BankKeys
from openplatform.models import OpenAppSettings
from openplatform.signing import sign_sm2

# Keys whose string values are sealed to the partner's key by themselves, wherever they appear in an
# answer, so the partner's server can pass the rest on (to a log, a queue, a front end) without exposing
# them (WeChat Pay v3's encrypted fields). Today only `POST /sessions` answers one, `sessionKey`; the
# personal numbers are here for the consented channel that will answer them.
SENSITIVE_FIELDS = frozenset({"sessionKey", "phoneNumber", "idNumber", "bankCardNumber"})
ENVELOPE_HEADER = "x-superapp-envelope"  # the answer's or webhook's alg, when its body is an envelope
SIGNATURE_HEADER = "x-superapp-envelope-signature"  # the bank's SM2-SM3 signature of a sealed body


@dataclass(frozen=True, slots=True)
class Sealed:
    body: bytes
    headers: dict[str, str]


async def encryption_key_of(app_id: str) -> str | None:
    """The app's registered encryption public key: None while it has not opted in."""
    found = await OpenAppSettings.filter(app_id=app_id).values_list("encryption_public_key", flat=True)
    key = found[0] if found else None
    return key if isinstance(key, str) else None


def open_request(body: bytes, *, keys: BankKeys) -> envelope.Opened:
    """The plaintext of a request body of an app that opted in (an empty body stays empty)."""
    if not body:
        return envelope.Opened(b"", envelope.SM4_GCM)
    if len(body) > envelope.MAX_ENVELOPE_BYTES:
        raise errors.EnvelopeTooLarge()
    if not envelope.is_envelope(body):
        raise errors.EnvelopeRequired()
    return envelope.open_envelope(body, private_key=keys.encryption_private)


def seal_answer(answer: dict[str, object], *, status: int, nonce: str, partner_key: str, keys: BankKeys,
                alg: str = envelope.SM4_GCM) -> Sealed:
    """An answer as the partner receives it: an envelope to its key, signed by the bank over status and nonce."""
    plain = _json(envelope.seal_fields(answer, names=SENSITIVE_FIELDS, public_key=partner_key))
    body = envelope.seal(plain, public_key=partner_key, alg=alg)
    return Sealed(body, {ENVELOPE_HEADER: alg,
                         SIGNATURE_HEADER: envelope.sign_response(keys, status=status, nonce=nonce, body=body)})


def seal_webhook(payload: dict[str, object], *, timestamp: str, partner_key: str, keys: BankKeys) -> Sealed:
    """A webhook body as an envelope; the bank's SM2 signature covers ``timestamp + "." + body`` as the HMAC does."""
    body = envelope.seal(_json(envelope.seal_fields(payload, names=SENSITIVE_FIELDS, public_key=partner_key)),
                         public_key=partner_key)
    message = timestamp.encode() + b"." + body
    return Sealed(body, {ENVELOPE_HEADER: envelope.SM4_GCM,
                         SIGNATURE_HEADER: sign_sm2(keys.signing_private, keys.signing_public, message)})


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
