"""LOTO-V1 signatures (PROTOCOL.md): the card network's scheme with the operator's prefix and
``X-Loto-*`` headers, and the hash the operator keeps of a ticket's security code."""

from __future__ import annotations

import hashlib

from fakes.signing import MAX_SKEW_SECONDS, Scheme, private_key, public_key

__all__ = ["MAX_SKEW_SECONDS", "SCHEME", "code_hash", "private_key", "public_key", "signed_headers", "verify"]

PREFIX = "LOTO-V1"
SCHEME = Scheme(PREFIX, "Loto")
signed_headers = SCHEME.signed_headers
verify = SCHEME.verify


def code_hash(ticket_number: str, security_code: str) -> str:
    """What the operator keeps of a ticket's security code (it never keeps the code)."""
    return hashlib.sha256(f"{PREFIX}-CODE\n{ticket_number}\n{security_code}".encode()).hexdigest()
