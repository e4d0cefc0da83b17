"""The digital envelope: a body encrypted with a fresh SM4-GCM (or AES-256-GCM) key, the key
wrapped with the receiver's SM2 public key. Pure logic, no HTTP; PROTOCOL.md has the format.

One envelope is compact JSON (UTF-8), every binary value in standard base64 with padding::

    {"v":1,"alg":"SM4-GCM","wrap":"SM2","wrappedKey":"...","iv":"...","ciphertext":"...","tag":"..."}

- ``alg``: ``SM4-GCM`` (16-byte key) or ``AES-256-GCM`` (32-byte key); a 12-byte ``iv``, a
  16-byte ``tag``, no associated data. A new key and iv for every message.
- ``wrappedKey``: the key, SM2-encrypted (GB/T 32918.4) to the receiver's public key, in the
  ASN.1 form of GB/T 35276 (``SEQUENCE {x INTEGER, y INTEGER, hash OCTET STRING(32),
  ciphertext OCTET STRING}``, i.e. C1C3C2), which is what ``openssl pkeyutl -encrypt`` makes.

Field-level encryption (``seal_field``) is SM2 alone, the way WeChat Pay v3 encrypts a
sensitive field with RSA-OAEP: the UTF-8 value SM2-encrypted to the partner's public key, in
the same ASN.1 form, base64. ``openssl pkeyutl -decrypt`` opens it.

SM2 encryption runs in Tongsuo through tongsuopy's bindings (its Python API signs but does
not encrypt, so ``EVP_PKEY_encrypt``/``EVP_PKEY_decrypt`` are called directly); SM4-GCM is
tongsuopy's ``SM4GCM``, AES-GCM the ``cryptography`` package's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag as AesInvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tongsuopy.backends.tongsuo.backend import backend as _tongsuo
from tongsuopy.crypto.ciphers.aead import SM4GCM
from tongsuopy.crypto.exceptions import InvalidTag as Sm4InvalidTag

from infra.i18n import Text
from openplatform import errors
from openplatform.signing import _N, normalise_public_key, sign_sm2, verify_sm2
from openplatform.signing import _private_key as _private
from openplatform.signing import _public_key as _public

VERSION = 1
SM4_GCM, AES_256_GCM = "SM4-GCM", "AES-256-GCM"
ALGORITHMS = {SM4_GCM: 16, AES_256_GCM: 32}  # algorithm -> key length in bytes
WRAP = "SM2"
IV_BYTES, TAG_BYTES = 12, 16
MAX_PLAINTEXT_BYTES = 512 * 1024  # its envelope, about 4/3 of it in base64, stays under the app's MAX_BODY_BYTES
MAX_ENVELOPE_BYTES = MAX_PLAINTEXT_BYTES * 4 // 3 + 4096
MAX_WRAPPED_KEY_BYTES = 160  # C1 (two 33-byte INTEGERs), C3 (32) and a 32-byte key, with their DER headers
MAX_FIELD_BYTES = 4096  # a sealed field's plaintext: a phone or ID number, an address
FIELDS = ("v", "alg", "wrap", "wrappedKey", "iv", "ciphertext", "tag")
RESPONSE_PREFIX = "SUPERAPP-OPENAPI-V1-RESPONSE"

_lib, _ffi = _tongsuo._lib, _tongsuo._ffi


class _Aead(Protocol):
    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...
    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Opened:
    plaintext: bytes
    alg: str


# -- SM2 encryption of a short value (the content key, or a sensitive field) -----------------



def _pkey_call(pkey: object, data: bytes, *, encrypt: bool) -> bytes | None:
    """EVP_PKEY_encrypt or _decrypt on an SM2 key; None when OpenSSL refuses (its error queue emptied)."""
    ctx = _ffi.gc(_lib.EVP_PKEY_CTX_new(pkey, _ffi.NULL), _lib.EVP_PKEY_CTX_free)
    init, call = ((_lib.EVP_PKEY_encrypt_init, _lib.EVP_PKEY_encrypt) if encrypt
                  else (_lib.EVP_PKEY_decrypt_init, _lib.EVP_PKEY_decrypt))
    size = _ffi.new("size_t *")
    if init(ctx) != 1 or call(ctx, _ffi.NULL, size, data, len(data)) != 1:
        _tongsuo._consume_errors()
        return None
    out = _ffi.new("unsigned char[]", size[0])
    if call(ctx, out, size, data, len(data)) != 1:
        _tongsuo._consume_errors()
        return None
    return bytes(_ffi.buffer(out)[: size[0]])


def sm2_encrypt(public_key: str, data: bytes) -> bytes:
    """SM2-encrypt ``data`` to ``public_key`` (hex x||y): the GB/T 35276 ASN.1 (C1C3C2) ciphertext."""
    key = normalise_public_key(public_key)
    wrapped = _pkey_call(_public(key)._evp_pkey, data, encrypt=True)  # type: ignore[attr-defined]
    if wrapped is None:
        raise ValueError("SM2 encryption failed")
    return wrapped


def sm2_decrypt(private_key: str, ciphertext: bytes) -> bytes | None:
    """The plaintext, or None when it was not encrypted to this key (or was altered, or is not SM2's ASN.1)."""
    return _pkey_call(_private(private_key)._evp_pkey, ciphertext, encrypt=False)  # type: ignore[attr-defined]


# -- the envelope --------------------------------------------------------------------------

def _cipher(alg: str, key: bytes) -> _Aead:
    return SM4GCM(key) if alg == SM4_GCM else AESGCM(key)


def seal(plaintext: bytes, *, public_key: str, alg: str = SM4_GCM) -> bytes:
    """The envelope (compact JSON bytes) of ``plaintext`` for the holder of ``public_key``."""
    if alg not in ALGORITHMS:
        raise ValueError(f"unknown envelope algorithm {alg!r}")
    if len(plaintext) > MAX_PLAINTEXT_BYTES:
        raise errors.EnvelopeTooLarge()
    key, iv = secrets.token_bytes(ALGORITHMS[alg]), secrets.token_bytes(IV_BYTES)
    sealed = _cipher(alg, key).encrypt(iv, plaintext, None)
    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return json.dumps({
        "v": VERSION, "alg": alg, "wrap": WRAP, "wrappedKey": b64(sm2_encrypt(public_key, key)), "iv": b64(iv),
        "ciphertext": b64(sealed[:-TAG_BYTES]), "tag": b64(sealed[-TAG_BYTES:]),
    }, separators=(",", ":")).encode()


def is_envelope(body: bytes) -> bool:
    """Whether ``body`` looks like an envelope (a JSON object naming ``wrappedKey``), sound or not."""
    try:
        parsed = json.loads(body) if len(body) <= MAX_ENVELOPE_BYTES else None
    except ValueError:
        return False
    return isinstance(parsed, dict) and "wrappedKey" in parsed


def _b64(value: object, name: str) -> bytes:
    if not isinstance(value, str):
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_field", name=name))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_base64", name=name)) from None


def open_envelope(body: bytes, *, private_key: str) -> Opened:
    """The plaintext of an envelope sealed to our key; each fault has its own error, checked in this order:
    EnvelopeTooLarge, EnvelopeMalformed (not JSON, a field missing or not base64, a wrong length),
    EnvelopeAlgorithm (version, alg or wrap not ours), EnvelopeKeyMismatch (the key was not wrapped for
    this private key), EnvelopeTampered (the tag does not match: ciphertext, iv or tag altered)."""
    if len(body) > MAX_ENVELOPE_BYTES:
        raise errors.EnvelopeTooLarge()
    try:
        parsed = json.loads(body)
    except ValueError:
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_not_json")) from None
    if not isinstance(parsed, dict):
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_not_json"))
    missing = [name for name in FIELDS if name not in parsed]
    if missing:
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_field", name=missing[0]))
    alg, version = parsed["alg"], parsed["v"]
    known = isinstance(alg, str) and alg in ALGORITHMS and type(version) is int and version == VERSION
    if not known or parsed["wrap"] != WRAP:  # (JSON's true is not version 1, nor a list an algorithm)
        raise errors.EnvelopeAlgorithm()
    wrapped, iv = _b64(parsed["wrappedKey"], "wrappedKey"), _b64(parsed["iv"], "iv")
    ciphertext, tag = _b64(parsed["ciphertext"], "ciphertext"), _b64(parsed["tag"], "tag")
    if len(iv) != IV_BYTES:
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_length", name="iv", bytes=IV_BYTES))
    if len(tag) != TAG_BYTES:
        raise errors.EnvelopeMalformed(Text("openplatform.envelope_length", name="tag", bytes=TAG_BYTES))
    if len(wrapped) > MAX_WRAPPED_KEY_BYTES:
        raise errors.EnvelopeKeyMismatch()
    key = sm2_decrypt(private_key, wrapped)
    if key is None or len(key) != ALGORITHMS[alg]:
        raise errors.EnvelopeKeyMismatch()
    try:
        plaintext = _cipher(alg, key).decrypt(iv, ciphertext + tag, None)
    except (Sm4InvalidTag, AesInvalidTag):
        raise errors.EnvelopeTampered() from None
    return Opened(plaintext, alg)


# -- sensitive fields ----------------------------------------------------------------------

def seal_field(value: str, *, public_key: str) -> str:
    """A sensitive value for the partner's eyes only: base64 of its SM2 ciphertext (GB/T 35276 ASN.1)."""
    raw = value.encode()
    if len(raw) > MAX_FIELD_BYTES:
        raise errors.EnvelopeTooLarge()
    return base64.b64encode(sm2_encrypt(public_key, raw)).decode()


def open_field(sealed: str, *, private_key: str) -> str:
    """What ``seal_field`` sealed, for the partner's side (and the tests): EnvelopeMalformed, EnvelopeKeyMismatch."""
    raw = _b64(sealed, "field")
    plain = sm2_decrypt(private_key, raw) if len(raw) <= MAX_FIELD_BYTES + 200 else None
    if plain is None:
        raise errors.EnvelopeKeyMismatch()
    return plain.decode()


def seal_fields(answer: object, *, names: frozenset[str], public_key: str) -> object:
    """``answer`` with the string value of every key in ``names`` (at any depth) sealed by ``seal_field``."""
    if isinstance(answer, dict):
        return {key: seal_field(value, public_key=public_key) if key in names and isinstance(value, str)
                else seal_fields(value, names=names, public_key=public_key) for key, value in answer.items()}
    if isinstance(answer, list):
        return [seal_fields(item, names=names, public_key=public_key) for item in answer]
    return answer


# -- the bank's own key pairs and its signature over an answer -------------------------------

@dataclass(frozen=True, slots=True)
class BankKeys:
    """The bank's SM2 key pairs: one to open envelopes sent to it, one to sign what it sends (GB/T 35276's
    separate encryption and signing keys). Hex; the public keys x||y as partners register theirs."""

    encryption_private: str
    encryption_public: str
    signing_private: str
    signing_public: str

    @classmethod
    def derive(cls, secret: str, *, encryption_private: str | None = None,
               signing_private: str | None = None) -> BankKeys:
        """From the server's secret key (so embedded mode needs nothing set), unless given."""
        enc = encryption_private or derived_private_key(secret, "envelope-encryption")
        sig = signing_private or derived_private_key(secret, "envelope-signing")
        return cls(enc, public_key_of(enc), sig, public_key_of(sig))


def derived_private_key(secret: str, purpose: str) -> str:
    """An SM2 private key in [1, n-1] from HMAC-SHA512(secret, purpose): 512 bits reduced, so no bias to speak of."""
    digest = hmac.new(secret.encode(), f"superapp openplatform {purpose} v1".encode(), hashlib.sha512).digest()
    return f"{int.from_bytes(digest, 'big') % (_N - 1) + 1:064x}"


def public_key_of(private_key: str) -> str:
    numbers = _private(private_key).public_key().public_numbers()
    return f"{numbers.x:064x}{numbers.y:064x}"


def response_message(*, status: int, nonce: str, body: bytes) -> bytes:
    """What the bank signs for a sealed answer: it names the request (its nonce), the status and the body."""
    return "\n".join((RESPONSE_PREFIX, str(status), nonce, hashlib.sha256(body).hexdigest())).encode()


def sign_response(keys: BankKeys, *, status: int, nonce: str, body: bytes) -> str:
    return sign_sm2(keys.signing_private, keys.signing_public,
                    response_message(status=status, nonce=nonce, body=body))


def verify_response(bank_signing_public: str, *, status: int, nonce: str, body: bytes, signature: str) -> bool:
    """The partner's check of an answer (and the tests')."""
    return verify_sm2(bank_signing_public, response_message(status=status, nonce=nonce, body=body), signature)
