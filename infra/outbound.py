"""HTTP clients for calls to other parties (card network, lottery operator, partners' webhooks).

Every client shares one TLS context: httpx builds a new one for each client otherwise, and
loading the CA bundle into it costs about 65 ms, twice for every app a process starts. The
context verifies as httpx's default does: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set,
else certifi's bundle.
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache
from typing import Any

import certifi
import httpx


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """The process's one verifying TLS context (an SSLContext is shared safely between clients)."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())


def http_client(**options: Any) -> httpx.AsyncClient:
    """``httpx.AsyncClient(**options)`` verifying with the shared TLS context."""
    return httpx.AsyncClient(verify=tls_context(), **options)
