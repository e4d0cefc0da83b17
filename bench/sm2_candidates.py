"""SM2-with-SM3 verifications per second, one core, for each implementation at hand, in one run.

    .venv/bin/python bench/sm2_candidates.py [--seconds 2]

Candidates: gmssl (pure Python, what the open API used before), tongsuopy (Tongsuo, an
OpenSSL fork with the SM suites, through cryptography-style bindings: what it uses now), and
smcryptopy (Rust, through a C ABI) when installed (`pip install smcryptopy`). Every candidate
checks the same signature made by gmssl with the default user id, so each is shown to agree
with today's signatures before it is timed.
"""

from __future__ import annotations

import argparse
import os
import time

from gmssl import func, sm2

DEFAULT_ID = b"1234567812345678"


def rate(check, seconds: float) -> float:
    assert check()
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(20):
            check()
        done += 20
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    curve = sm2.default_ecc_table
    private = func.random_hex(64)
    public = sm2.CryptSM2(private_key=private, public_key="")._kg(int(private, 16), curve["g"])
    message = os.urandom(256)
    signer = sm2.CryptSM2(private_key=private, public_key="")
    signer.public_key = public
    signature = signer.sign_with_sm3(message)
    r, s = int(signature[:64], 16), int(signature[64:], 16)

    figures: dict[str, float] = {}
    verifier = sm2.CryptSM2(private_key=None, public_key="")
    verifier.public_key = public
    figures["gmssl 3.2.2 (pure Python)"] = rate(lambda: verifier.verify_with_sm3(signature, message), seconds)

    from tongsuopy.crypto import hashes
    from tongsuopy.crypto.asymciphers import ec, utils
    from tongsuopy.crypto.exceptions import InvalidSignature

    key = ec.EllipticCurvePublicNumbers(int(public[:64], 16), int(public[64:], 16), ec.SM2()).public_key()
    der = utils.encode_dss_signature(r, s)

    def tongsuo() -> bool:
        try:
            key.verify(der, message, ec.ECDSA(hashes.SM3()))
        except InvalidSignature:
            return False
        return True

    figures["tongsuopy 1.0.1 (Tongsuo, C)"] = rate(tongsuo, seconds)
    try:
        from smcryptopy import sm2 as rust_sm2
    except ImportError:
        print("smcryptopy: not installed (pip install smcryptopy to compare it)")
    else:
        # smcryptopy takes DER; a malformed signature panics in Rust and aborts the process
        # (seen here with raw r||s): one reason it is not the one in use.
        figures["smcryptopy 0.2.1 (Rust)"] = rate(lambda: rust_sm2.verify(DEFAULT_ID, message, der, public), seconds)

    base = figures["gmssl 3.2.2 (pure Python)"]
    print(f"{'implementation':34} {'verifications/s':>16} {'vs gmssl':>9}")
    for name, figure in figures.items():
        print(f"{name:34} {figure:16,.0f} {figure / base:8.1f}x")


if __name__ == "__main__":
    main()
