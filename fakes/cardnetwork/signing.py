"""CNET-V1 signatures: Ed25519 over one canonical text, the same scheme in both directions.

Requests carry ``X-Cnet-Key-Id``, ``X-Cnet-Timestamp`` (Unix seconds), ``X-Cnet-Nonce`` and
``X-Cnet-Signature`` (base64). The signed text is six lines joined by "\\n"::

    CNET-V1
    <METHOD>
    <path with query>
    <timestamp>
    <nonce>
    <sha256 hex of the body>
"""

from __future__ import annotations

from fakes.signing import MAX_SKEW_SECONDS, Scheme, private_key, public_key

__all__ = ["MAX_SKEW_SECONDS", "PREFIX", "SCHEME", "canonical", "private_key", "public_key", "signed_headers", "verify"]

PREFIX = "CNET-V1"
SCHEME = Scheme(PREFIX, "Cnet")
canonical = SCHEME.canonical
signed_headers = SCHEME.signed_headers
verify = SCHEME.verify
