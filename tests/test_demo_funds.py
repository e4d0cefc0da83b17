"""`superapp demo-funds PHONE`: a developer's own test customer gets the demo balance, once,
through the ledger; never outside embedded mode or DEBUG."""

from __future__ import annotations

import pytest

from infra.settings import Settings
from ledger.models import Account
from superapp.demo import OPENING_BALANCE, NotForProduction, fund_test_customer
from superapp.runtime import running


async def test_demo_funds_need_development_and_are_given_once(clean_state, environ):
    with pytest.raises(NotForProduction):
        await fund_test_customer(Settings.from_env(environ), "13700000042")

    development = Settings.from_env({**environ, "DEBUG": "true"})
    first = await fund_test_customer(development, "13700000042")
    again = await fund_test_customer(development, "13700000042")

    assert first == again == OPENING_BALANCE
    async with running(development):
        accounts = await Account.filter(kind="class_two", owner_user_id__isnull=False)
    assert [a.balance for a in accounts] == [OPENING_BALANCE]
