"""SM2-with-SM3 signatures agree with two independent implementations: the machine's
OpenSSL 3 command line (SM2 is in its default provider) and gmssl, the pure-Python code
that signed and checked before, so partners' existing signatures still verify."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gmssl import sm2 as gmssl_sm2

from openplatform.signing import new_sm2_key_pair, normalise_public_key, sign_sm2, verify_sm2

# GB/T 32918's default user id; OpenSSL 3.0's command line uses an empty one unless told.
DISTID = "distid:1234567812345678"
MESSAGE = b"SUPERAPP-OPENAPI-V1\nPOST\n/openapi/v1/payments\n1764547200\nn-1\n" + b"0" * 64


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def public_hex_of(pem: Path) -> str:
    text = openssl("pkey", "-pubin", "-in", str(pem), "-text", "-noout", cwd=pem.parent).stdout
    block = text.split("pub:", 1)[1].split("ASN1 OID", 1)[0]
    return normalise_public_key(re.sub(r"[^0-9a-f]", "", block))


def der_to_raw(der: bytes) -> str:
    at, values = 2, []
    for _ in range(2):
        length = der[at + 1]
        values.append(int.from_bytes(der[at + 2:at + 2 + length], "big"))
        at += 2 + length
    return f"{values[0]:064x}{values[1]:064x}"


def raw_to_der(raw: str) -> bytes:
    def integer(value: int) -> bytes:
        body = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
        return b"\x02" + bytes([len(body)]) + body
    inner = integer(int(raw[:64], 16)) + integer(int(raw[64:], 16))
    return b"\x30" + bytes([len(inner)]) + inner


def test_a_signature_made_by_openssl_verifies_and_ours_verifies_in_openssl(tmp_path):
    assert openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "key.pem",
                   cwd=tmp_path).returncode == 0
    openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path)
    (tmp_path / "message").write_bytes(MESSAGE)
    assert openssl("dgst", "-sm3", "-sign", "key.pem", "-sigopt", DISTID, "-out", "openssl.sig", "message",
                   cwd=tmp_path).returncode == 0
    public = public_hex_of(tmp_path / "pub.pem")
    private_text = openssl("pkey", "-in", "key.pem", "-text", "-noout", cwd=tmp_path).stdout
    private = re.sub(r"[^0-9a-f]", "", private_text.split("priv:", 1)[1].split("pub:", 1)[0])[-64:]

    theirs = der_to_raw((tmp_path / "openssl.sig").read_bytes())
    ours = sign_sm2(private, public, MESSAGE)
    (tmp_path / "ours.sig").write_bytes(raw_to_der(ours))
    checked = openssl("dgst", "-sm3", "-verify", "pub.pem", "-sigopt", DISTID, "-signature", "ours.sig", "message",
                      cwd=tmp_path)

    assert verify_sm2(public, MESSAGE, theirs)
    assert not verify_sm2(public, MESSAGE + b"!", theirs)
    assert checked.returncode == 0 and "Verified OK" in checked.stdout, checked.stdout + checked.stderr


def test_signatures_of_the_old_pure_python_code_still_verify_and_ours_verify_there():
    private, public = new_sm2_key_pair()
    old = gmssl_sm2.CryptSM2(private_key=private, public_key="")
    old.public_key = public

    by_old_code = old.sign_with_sm3(MESSAGE)
    by_new_code = sign_sm2(private, public, MESSAGE)

    assert verify_sm2(public, MESSAGE, by_old_code)
    assert old.verify_with_sm3(by_new_code, MESSAGE)
    assert not verify_sm2(public, MESSAGE, by_old_code[:-1] + ("0" if by_old_code[-1] != "0" else "1"))


def test_malformed_signatures_and_keys_are_simply_invalid():
    _, public = new_sm2_key_pair()

    assert not verify_sm2(public, MESSAGE, "zz" * 64)
    assert not verify_sm2(public, MESSAGE, "00" * 64)  # r = s = 0
    assert not verify_sm2(public, MESSAGE, "ff" * 64)  # r, s beyond the group order
    assert not verify_sm2(public, MESSAGE, "ab")
