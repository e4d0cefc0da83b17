"""Clients to other parties share one TLS context (infra.outbound), and it still verifies."""

from __future__ import annotations

import ssl

from infra import outbound


async def test_every_outbound_client_verifies_with_the_one_shared_context():
    context = outbound.tls_context()
    assert context is outbound.tls_context()
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # a CA bundle is loaded
    clients = [outbound.http_client(timeout=1.0), outbound.http_client()]
    try:
        for client in clients:
            assert client._transport._pool._ssl_context is context  # httpx keeps it on the pool
    finally:
        for client in clients:
            await client.aclose()
