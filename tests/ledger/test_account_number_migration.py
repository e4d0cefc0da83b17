"""Accounts opened before account numbers existed get one from migration 0005, as new ones do."""

from __future__ import annotations

from tortoise import connections

from ledger.cards import luhn_valid
from ledger.models import Account
from ledger.service import AccountKind
from tests.ledger.test_decline_code_migration import _migrate_ledger_to, _opened, account_as_of_then, fresh_settings

__all__ = ["fresh_settings"]  # the fixture, shared with the decline-code migration's test


async def test_existing_class_two_enterprise_and_merchant_accounts_are_numbered(fresh_settings):
    await _migrate_ledger_to(fresh_settings, "ledger.0004_decline_codes")
    async with _opened(fresh_settings):
        conn = connections.get("default")
        wallets = [await account_as_of_then(conn, owner, AccountKind.CLASS_TWO, "wallet") for owner in (1, 2, 3)]
        shop = await account_as_of_then(conn, None, AccountKind.MERCHANT, "car wash")
        payroll = await account_as_of_then(conn, None, AccountKind.ENTERPRISE, "payroll")
        card = await account_as_of_then(conn, 1, AccountKind.CLASS_ONE, "card")
        settlement = await account_as_of_then(conn, None, AccountKind.SETTLEMENT, "settlement")

    await _migrate_ledger_to(fresh_settings, "ledger")

    async with _opened(fresh_settings):
        numbers = {a.id: a.number for a in await Account.all()}
        numbered = [numbers[i] for i in (*wallets, shop, payroll)]
        assert all(len(n) == 19 and n.startswith("623058") and luhn_valid(n) for n in numbered)
        assert len(set(numbered)) == len(numbered)
        assert (numbers[card], numbers[settlement]) == (None, None)
        assert {a.held for a in await Account.all()} == {0}
