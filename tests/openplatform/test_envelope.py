"""The digital envelope against independent implementations and published vectors.

- The machine's OpenSSL 3 command line: SM2 encryption (``pkeyutl``) both ways, and SM4.
  Its ``enc`` has no GCM (``enc: Unknown cipher: sm4-gcm``, AEAD is not in ``enc`` at all), so
  the CLI side of SM4-GCM is built from the CLI's SM4 (``-sm4-ctr`` for the ciphertext,
  ``-sm4-ecb`` for the hash key and the tag mask) and GHASH written here from NIST SP 800-38D;
  that composition is first checked against RFC 8998's SM4-GCM vector.
- GB/T 32907 (SM4): its example block. GB/T 32918.5 Annex A (SM2 on the recommended curve):
  the key pair, the signature of "message digest" and the ciphertext of "encryption standard".
  Tongsuo draws its own k, so our encryption cannot reproduce the published ciphertext; the
  published one decrypts, and ours decrypt in OpenSSL.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest
from tongsuopy.crypto.ciphers import Cipher, algorithms, modes

from openplatform import envelope, errors
from openplatform.envelope import AES_256_GCM, SM4_GCM, open_envelope, open_field, seal, seal_field
from openplatform.signing import new_sm2_key_pair, normalise_public_key, sign_sm2, verify_sm2

# GB/T 32918.5-2017 Annex A, the recommended curve.
GBT_PRIVATE = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
GBT_PUBLIC = ("09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
              "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")
GBT_SIGNATURE = ("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
                 "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa")  # of "message digest", k fixed
GBT_CIPHERTEXT = bytes.fromhex(  # "encryption standard", C1C3C2 in the ASN.1 of GB/T 35276
    "307c022004ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73022100e858f9d81e5430a57b36daab"
    "8f950a3c64e6ee6a63094d99283aff767e124df0042059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0"
    "bd8766041321886ca989ca9c7d58087307ca93092d651efa")
# GB/T 32907-2016 Appendix A, example 1: one block, key = plaintext.
SM4_KEY = SM4_PLAIN = bytes.fromhex("0123456789abcdeffedcba9876543210")
SM4_CIPHER = bytes.fromhex("681edf34d206965e86b3e94f536e4246")
# RFC 8998 Appendix A.1: SM4-GCM.
RFC_IV = bytes.fromhex("00001234567800000000abcd")
RFC_AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
RFC_PLAIN = bytes.fromhex("aa" * 8 + "bb" * 8 + "cc" * 8 + "dd" * 8 + "ee" * 8 + "ff" * 8 + "ee" * 8 + "aa" * 8)
RFC_CIPHER = bytes.fromhex("17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
                           "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d")
RFC_TAG = bytes.fromhex("83de3541e4c2b58177e065a9bf7b62ec")
BODY = json.dumps({"orderId": "latte-0001", "amountFen": 1800, "description": "拿铁，大杯"}, ensure_ascii=False).encode()


# -- the OpenSSL side ----------------------------------------------------------------------

def openssl(*args: str, cwd: Path, data: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, input=data, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@pytest.fixture
def cli_key(tmp_path) -> tuple[Path, str, str]:
    """An SM2 key pair made by OpenSSL: (its directory, private hex, public hex)."""
    openssl("genpkey", "-algorithm", "SM2", "-out", "key.pem", cwd=tmp_path)
    openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path)
    text = openssl("pkey", "-in", "key.pem", "-text", "-noout", cwd=tmp_path).decode()
    private = re.sub(r"[^0-9a-f]", "", text.split("priv:", 1)[1].split("pub:", 1)[0])[-64:]
    public = normalise_public_key(re.sub(r"[^0-9a-f]", "", text.split("pub:", 1)[1].split("ASN1 OID", 1)[0]))
    return tmp_path, private, public


def cli_sm4_block(key: bytes, block: bytes, cwd: Path) -> bytes:
    return openssl("enc", "-sm4-ecb", "-K", key.hex(), "-nopad", cwd=cwd, data=block)


def _gf_multiply(x: int, y: int) -> int:
    """Multiplication in GF(2^128) with GCM's bit order (SP 800-38D, algorithm 1)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ (0xE1 << 120) if v & 1 else v >> 1
    return z


def _ghash(h: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    def blocks(data: bytes) -> list[bytes]:
        padded = data + b"\0" * (-len(data) % 16)
        return [padded[i:i + 16] for i in range(0, len(padded), 16)]
    lengths = (8 * len(aad)).to_bytes(8, "big") + (8 * len(ciphertext)).to_bytes(8, "big")
    y, key = 0, int.from_bytes(h, "big")
    for block in [*blocks(aad), *blocks(ciphertext), lengths]:
        y = _gf_multiply(y ^ int.from_bytes(block, "big"), key)
    return y.to_bytes(16, "big")


def cli_sm4_gcm_encrypt(key: bytes, iv: bytes, plaintext: bytes, aad: bytes, cwd: Path) -> tuple[bytes, bytes]:
    """SM4-GCM with a 96-bit iv from the CLI's SM4: CTR from iv||2, tag = E(iv||1) xor GHASH."""
    ciphertext = openssl("enc", "-sm4-ctr", "-K", key.hex(), "-iv", (iv + b"\0\0\0\x02").hex(), cwd=cwd,
                         data=plaintext)
    h = cli_sm4_block(key, b"\0" * 16, cwd)
    mask = cli_sm4_block(key, iv + b"\0\0\0\x01", cwd)
    return ciphertext, bytes(a ^ b for a, b in zip(mask, _ghash(h, aad, ciphertext), strict=True))


def cli_sm4_gcm_decrypt(key: bytes, iv: bytes, ciphertext: bytes, tag: bytes, cwd: Path) -> bytes:
    plaintext = openssl("enc", "-d", "-sm4-ctr", "-K", key.hex(), "-iv", (iv + b"\0\0\0\x02").hex(), cwd=cwd,
                        data=ciphertext)
    _, expected = cli_sm4_gcm_encrypt(key, iv, plaintext, b"", cwd)
    assert expected == tag, "the tag does not match"
    return plaintext


# -- published vectors ---------------------------------------------------------------------

def test_sm4_gives_the_gb_t_32907_example_block_in_tongsuo_and_in_openssl(tmp_path):
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert encryptor.update(SM4_PLAIN) + encryptor.finalize() == SM4_CIPHER
    assert cli_sm4_block(SM4_KEY, SM4_PLAIN, tmp_path) == SM4_CIPHER


def test_sm4_gcm_gives_the_rfc_8998_vector_here_and_from_the_cli_composition(tmp_path):
    sealed = envelope._cipher(SM4_GCM, SM4_KEY).encrypt(RFC_IV, RFC_PLAIN, RFC_AAD)
    assert (sealed[:-16], sealed[-16:]) == (RFC_CIPHER, RFC_TAG)
    assert envelope._cipher(SM4_GCM, SM4_KEY).decrypt(RFC_IV, RFC_CIPHER + RFC_TAG, RFC_AAD) == RFC_PLAIN
    assert cli_sm4_gcm_encrypt(SM4_KEY, RFC_IV, RFC_PLAIN, RFC_AAD, tmp_path) == (RFC_CIPHER, RFC_TAG)


def test_the_gb_t_32918_key_pair_signature_and_ciphertext():
    assert envelope.public_key_of(GBT_PRIVATE) == GBT_PUBLIC
    assert verify_sm2(GBT_PUBLIC, b"message digest", GBT_SIGNATURE)
    assert not verify_sm2(GBT_PUBLIC, b"message digest!", GBT_SIGNATURE)
    assert verify_sm2(GBT_PUBLIC, b"message digest", sign_sm2(GBT_PRIVATE, GBT_PUBLIC, b"message digest"))
    assert envelope.sm2_decrypt(GBT_PRIVATE, GBT_CIPHERTEXT) == b"encryption standard"
    altered_hash = bytearray(GBT_CIPHERTEXT)
    altered_hash[80] ^= 1  # inside C3, SM3(x2 || M || y2)
    assert envelope.sm2_decrypt(GBT_PRIVATE, bytes(altered_hash)) is None
    assert envelope.sm2_decrypt(new_sm2_key_pair()[0], GBT_CIPHERTEXT) is None


# -- OpenSSL both ways ---------------------------------------------------------------------

def test_an_envelope_built_with_the_openssl_cli_opens_here(cli_key):
    """The partner's side done by OpenSSL: it wraps a fresh SM4 key to our key and encrypts with it."""
    directory, _, _ = cli_key
    ours_private, ours_public = new_sm2_key_pair()
    (directory / "bank.pem").write_bytes(envelope_public_pem(ours_public))
    key, iv = openssl("rand", "16", cwd=directory), openssl("rand", "12", cwd=directory)
    wrapped = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", "bank.pem", cwd=directory, data=key)
    ciphertext, tag = cli_sm4_gcm_encrypt(key, iv, BODY, b"", directory)
    built = json.dumps({"v": 1, "alg": "SM4-GCM", "wrap": "SM2", **{
        name: base64.b64encode(value).decode()
        for name, value in (("wrappedKey", wrapped), ("iv", iv), ("ciphertext", ciphertext), ("tag", tag))}})

    assert open_envelope(built.encode(), private_key=ours_private) == envelope.Opened(BODY, SM4_GCM)


def test_an_envelope_sealed_here_opens_with_the_openssl_cli(cli_key):
    directory, _, public = cli_key
    sealed = json.loads(seal(BODY, public_key=public))
    for name in ("wrappedKey", "iv", "ciphertext", "tag"):
        (directory / name).write_bytes(base64.b64decode(sealed[name]))

    key = openssl("pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "wrappedKey", cwd=directory)
    plain = cli_sm4_gcm_decrypt(key, (directory / "iv").read_bytes(), (directory / "ciphertext").read_bytes(),
                                (directory / "tag").read_bytes(), directory)

    assert (sealed["alg"], len(key), plain) == ("SM4-GCM", 16, BODY)
    assert openssl("asn1parse", "-inform", "DER", "-in", "wrappedKey", cwd=directory).count(b"INTEGER") == 2


def test_sensitive_fields_open_with_the_openssl_cli_and_theirs_open_here(cli_key):
    directory, private, public = cli_key
    (directory / "field").write_bytes(base64.b64decode(seal_field("13812345678", public_key=public)))
    theirs = openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", cwd=directory,
                     data="110101199003077777".encode())

    assert openssl("pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "field", cwd=directory) == b"13812345678"
    assert open_field(base64.b64encode(theirs).decode(), private_key=private) == "110101199003077777"


def test_named_fields_are_sealed_wherever_they_are_and_the_rest_left_alone():
    private, public = new_sm2_key_pair()
    answer = {"openid": "o1", "phoneNumber": "13812345678", "holders": [{"idNumber": "110101199003077777"}]}

    sealed = envelope.seal_fields(answer, names=frozenset({"phoneNumber", "idNumber"}), public_key=public)

    assert sealed["openid"] == "o1" and "1381234" not in json.dumps(sealed)
    assert open_field(sealed["phoneNumber"], private_key=private) == "13812345678"
    assert open_field(sealed["holders"][0]["idNumber"], private_key=private) == "110101199003077777"


def envelope_public_pem(public: str) -> bytes:
    from tongsuopy.crypto import serialization

    key = envelope._public(public)
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


# -- each fault its own code ---------------------------------------------------------------

@pytest.mark.parametrize("alg", [SM4_GCM, AES_256_GCM])
def test_a_round_trip_in_each_algorithm_uses_a_fresh_key_and_iv(alg):
    private, public = new_sm2_key_pair()
    first, second = json.loads(seal(BODY, public_key=public, alg=alg)), json.loads(seal(BODY, public_key=public,
                                                                                        alg=alg))
    assert first["iv"] != second["iv"] and first["wrappedKey"] != second["wrappedKey"]
    assert first["ciphertext"] != second["ciphertext"]
    assert open_envelope(json.dumps(first).encode(), private_key=private) == envelope.Opened(BODY, alg)


def _altered(public: str, **changes) -> bytes:
    sealed = json.loads(seal(BODY, public_key=public))
    for name, change in changes.items():
        sealed[name] = change(sealed[name]) if callable(change) else change
    return json.dumps(sealed).encode()


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def test_every_bad_envelope_has_its_code():
    private, public = new_sm2_key_pair()
    _, someone_else = new_sm2_key_pair()
    cases = {
        "ENVELOPE_TAMPERED": [_altered(public, tag=_flip), _altered(public, ciphertext=_flip),
                              _altered(public, iv=_flip)],
        "ENVELOPE_KEY_MISMATCH": [seal(BODY, public_key=someone_else), _altered(public, wrappedKey=_flip),
                                  _altered(public, wrappedKey=base64.b64encode(b"\x30" * 400).decode())],
        "ENVELOPE_ALGORITHM": [_altered(public, alg="SM4-CBC"), _altered(public, v=2), _altered(public, wrap="RSA"),
                               _altered(public, alg=["SM4-GCM"]), _altered(public, v=True)],
        "ENVELOPE_MALFORMED": [b"not json", b"[1]", _altered(public, iv="not base64!"), _altered(public, tag=7),
                               _altered(public, iv=base64.b64encode(b"\0" * 8).decode()),
                               _altered(public, tag=base64.b64encode(b"\0" * 12).decode()),
                               json.dumps({"v": 1, "alg": "SM4-GCM"}).encode()],
        "ENVELOPE_TOO_LARGE": [b"{" + b" " * envelope.MAX_ENVELOPE_BYTES + b"}"],
    }
    for code, bodies in cases.items():
        for body in bodies:
            with pytest.raises(errors.EnvelopeError) as refused:
                open_envelope(body, private_key=private)
            assert refused.value.code == code, (code, body[:80])
    with pytest.raises(errors.EnvelopeTooLarge):
        seal(b"x" * (envelope.MAX_PLAINTEXT_BYTES + 1), public_key=public)


def test_every_envelope_refusal_reads_in_both_languages():
    for cls in (errors.EnvelopeRequired, errors.EnvelopeMalformed, errors.EnvelopeAlgorithm, errors.EnvelopeTooLarge,
                errors.EnvelopeKeyMismatch, errors.EnvelopeTampered):
        zh, en = cls.message.render("zh-CN"), cls.message.render("en")
        assert zh and en and zh != en and not zh.startswith("openplatform."), cls


def test_the_bank_keys_derive_from_the_secret_and_differ_by_purpose():
    keys, again = envelope.BankKeys.derive("secret-1"), envelope.BankKeys.derive("secret-1")
    other = envelope.BankKeys.derive("secret-2")
    assert keys == again and keys.encryption_public != other.encryption_public
    assert keys.encryption_private != keys.signing_private
    opened = open_envelope(seal(BODY, public_key=keys.encryption_public), private_key=keys.encryption_private)
    assert opened.plaintext == BODY
    signature = envelope.sign_response(keys, status=201, nonce="n-1", body=b"{}")
    assert envelope.verify_response(keys.signing_public, status=201, nonce="n-1", body=b"{}", signature=signature)
    assert not envelope.verify_response(keys.signing_public, status=200, nonce="n-1", body=b"{}",
                                        signature=signature)


def test_the_bank_keys_can_be_given_and_a_malformed_one_is_refused_at_start(environ):
    from infra.settings import Settings, SettingsError
    from openplatform.config import OpenPlatformConfig

    given = new_sm2_key_pair()[0]
    environ["OPENAPI_ENVELOPE_ENCRYPTION_KEY"] = given.upper()
    keys = OpenPlatformConfig.from_settings(Settings.from_env(environ)).bank_keys
    assert keys.encryption_private == given and keys.encryption_public == envelope.public_key_of(given)
    assert keys.signing_private != given  # still derived from SECRET_KEY
    assert given not in repr(OpenPlatformConfig.from_settings(Settings.from_env(environ)))
    for bad in ("ab" * 31, "zz" * 32, "ff" * 32):  # short, not hex, beyond the group order
        environ["OPENAPI_ENVELOPE_ENCRYPTION_KEY"] = bad
        with pytest.raises(SettingsError, match="OPENAPI_ENVELOPE_ENCRYPTION_KEY"):
            OpenPlatformConfig.from_settings(Settings.from_env(environ))
