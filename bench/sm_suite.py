"""SM2 and SM4 operations per second, old (gmssl, pure Python) vs new (Tongsuo through tongsuopy), one
core, in one run; then the digital envelope (openplatform/envelope.py) end to end.

    .venv/bin/python bench/sm_suite.py [--seconds 1.5] [--body 2048]

Rows, each checked for agreement before it is timed:
- SM2 sign and verify (SM3 with the default user id), old and new, on the same message;
- SM2 encrypt and decrypt of a 16-byte content key (the envelope's wrap and unwrap): gmssl's
  raw C1C3C2 vs Tongsuo's ASN.1 form, each opening its own;
- SM4 on a ``--body`` byte message: gmssl has ECB and CBC only, so its CBC is the "old" row;
  new: Tongsuo SM4-CBC and SM4-GCM, and AES-256-GCM (``cryptography``) beside them;
- the whole envelope: ``seal`` (fresh key, SM2 wrap, SM4-GCM) and ``open_envelope``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import time

from gmssl import sm2 as gmssl_sm2
from gmssl import sm4 as gmssl_sm4

from openplatform import envelope
from openplatform.signing import new_sm2_key_pair, sign_sm2, verify_sm2


CPU_RATES: dict[int, float] = {}  # id(operation) -> operations per second of this process's CPU time


def rate(operation, seconds: float, *, batch: int = 1) -> float:
    """Operations per wall-clock second; per CPU second in ``CPU_RATES`` (robust to a loaded machine)."""
    operation()
    done, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(batch):
            operation()
        done += batch
    CPU_RATES[id(operation)] = done / max(time.process_time() - cpu_started, 1e-9)
    return done / elapsed


def cpu_rate(operation, seconds: float, *, batch: int = 1) -> tuple[float, float]:
    """(wall, CPU) operations per second."""
    wall = rate(operation, seconds, batch=batch)
    return wall, CPU_RATES[id(operation)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--body", type=int, default=2048, help="bytes of the SM4 and envelope message")
    args = parser.parse_args()
    seconds, body = args.seconds, os.urandom(args.body)
    private, public = new_sm2_key_pair()
    message = os.urandom(256)
    old = gmssl_sm2.CryptSM2(private_key=private, public_key="")
    old.public_key = public  # set directly: gmssl mangles keys starting with "04"
    rows: list[tuple[str, str, float, float]] = []  # (operation, unit, old, new)

    # SM2 signatures.
    old_signature, new_signature = old.sign_with_sm3(message), sign_sm2(private, public, message)
    assert verify_sm2(public, message, old_signature) and old.verify_with_sm3(new_signature, message)
    signing = cpu_rate(lambda: sign_sm2(private, public, message), seconds, batch=20)
    verifying = cpu_rate(lambda: verify_sm2(public, message, new_signature), seconds, batch=20)
    rows.append(("SM2 sign", "signatures/s", rate(lambda: old.sign_with_sm3(message), seconds), signing[0]))
    rows.append(("SM2 verify", "verifications/s", rate(lambda: old.verify_with_sm3(old_signature, message), seconds),
                 verifying[0]))

    # SM2 encryption of a content key: the envelope's wrap and unwrap.
    content_key = secrets.token_bytes(16)
    old_wrapped, new_wrapped = old.encrypt(content_key), envelope.sm2_encrypt(public, content_key)
    assert old.decrypt(old_wrapped) == content_key == envelope.sm2_decrypt(private, new_wrapped)
    rows.append(("SM2 wrap a 16-byte key", "wraps/s", rate(lambda: old.encrypt(content_key), seconds),
                 rate(lambda: envelope.sm2_encrypt(public, content_key), seconds, batch=20)))
    rows.append(("SM2 unwrap", "unwraps/s", rate(lambda: old.decrypt(old_wrapped), seconds),
                 rate(lambda: envelope.sm2_decrypt(private, new_wrapped), seconds, batch=20)))

    # SM4 on one body.
    from tongsuopy.crypto.ciphers import Cipher, algorithms, modes

    sm4_key, iv16, iv12 = secrets.token_bytes(16), secrets.token_bytes(16), secrets.token_bytes(12)
    old_sm4 = gmssl_sm4.CryptSM4()
    old_sm4.set_key(sm4_key, gmssl_sm4.SM4_ENCRYPT)
    padded = body + bytes([16 - len(body) % 16]) * (16 - len(body) % 16)

    def new_cbc() -> bytes:
        encryptor = Cipher(algorithms.SM4(sm4_key), modes.CBC(iv16)).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    assert old_sm4.crypt_cbc(iv16, body) == new_cbc()  # gmssl pads with PKCS#7 itself
    gcm, aes = envelope._cipher(envelope.SM4_GCM, sm4_key), envelope._cipher(envelope.AES_256_GCM, os.urandom(32))
    old_cbc = rate(lambda: old_sm4.crypt_cbc(iv16, body), seconds)
    new_cbc_rate = rate(new_cbc, seconds, batch=50)
    sm4_gcm = rate(lambda: gcm.encrypt(iv12, body, None), seconds, batch=50)
    aes_gcm = rate(lambda: aes.encrypt(iv12, body, None), seconds, batch=50)
    unit = f"{args.body}-byte messages/s"
    rows.append(("SM4-CBC encrypt (old) vs SM4-CBC", unit, old_cbc, new_cbc_rate))
    rows.append(("SM4-CBC encrypt (old) vs SM4-GCM", unit, old_cbc, sm4_gcm))
    rows.append(("SM4-CBC encrypt (old) vs AES-256-GCM", unit, old_cbc, aes_gcm))

    print(f"one core, {seconds:g} s per figure; old = gmssl 3.2.2 (pure Python), new = tongsuopy 1.0.1 (Tongsuo)\n")
    print(f"{'operation':38} {'unit':24} {'old':>10} {'new':>12} {'new/old':>9}")
    for name, what, before, after in rows:
        print(f"{name:38} {what:24} {before:10,.0f} {after:12,.0f} {after / before:8.0f}x")
    print(f"\nnew SM2 by CPU time (load-robust): sign {signing[1]:,.0f}/s ({1000 / signing[1]:.3f} ms CPU each), "
          f"verify {verifying[1]:,.0f}/s ({1000 / verifying[1]:.3f} ms CPU each); target 2,000 verifications/s")
    mb = args.body / 1e6
    print(f"\nSM4 throughput on {args.body}-byte messages: gmssl CBC {old_cbc * mb:.2f} MB/s, Tongsuo CBC "
          f"{new_cbc_rate * mb:.0f} MB/s, SM4-GCM {sm4_gcm * mb:.0f} MB/s, AES-256-GCM {aes_gcm * mb:.0f} MB/s")
    big = os.urandom(1 << 20)
    started = time.perf_counter()
    for _ in range(20):
        gcm.encrypt(iv12, big, None)
    print(f"SM4-GCM on 1 MiB messages: {20 / (time.perf_counter() - started):.0f} MiB/s")

    sealed = envelope.seal(body, public_key=public)
    assert envelope.open_envelope(sealed, private_key=private).plaintext == body
    seal_rate = rate(lambda: envelope.seal(body, public_key=public), seconds, batch=20)
    open_rate = rate(lambda: envelope.open_envelope(sealed, private_key=private), seconds, batch=20)
    print(f"envelope of {args.body} bytes (SM2 wrap + SM4-GCM, JSON, base64): seal {seal_rate:,.0f}/s, "
          f"open {open_rate:,.0f}/s")


if __name__ == "__main__":
    main()
