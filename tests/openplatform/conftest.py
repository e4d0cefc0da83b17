from __future__ import annotations

import pytest

from tests.openplatform.support import register_partner_app


@pytest.fixture
async def partner(gql, sign_in):
    """A registered app with its secret, as its developer received it."""
    return await register_partner_app(gql, sign_in)


@pytest.fixture
async def customer(sign_in):
    return await sign_in("13900000001")
