from __future__ import annotations

import pytest

from tests.openplatform.support import register_partner_app


@pytest.fixture
def environ(environ):
    """Webhooks go to a receiver on loopback, and retries come quickly."""
    environ.update(WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true", WEBHOOK_BACKOFF_SECONDS="0.05",
                   WEBHOOK_BACKOFF_MAX_SECONDS="0.2", WEBHOOK_TIMEOUT_SECONDS="5")
    return environ


@pytest.fixture
async def partner(gql, sign_in):
    """A registered app with its secret, as its developer received it."""
    return await register_partner_app(gql, sign_in)


@pytest.fixture
async def customer(sign_in):
    return await sign_in("13900000001")
