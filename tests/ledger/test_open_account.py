"""Opening accounts through the domain service, as other packages (KYC, payroll) do (both engines)."""

import pytest

from ledger import errors
from ledger.models import Account
from ledger.service import AccountKind, open_account


async def test_a_class_two_account_opens_empty_and_active(ledger_db):
    account = await open_account(owner_user_id=7, kind=AccountKind.CLASS_TWO, name="Class II")

    stored = await Account.get(id=account.id)
    assert (stored.owner_user_id, stored.kind, stored.balance, stored.currency, stored.status.value) == (
        7, AccountKind.CLASS_TWO, 0, "CNY", "active",
    )


async def test_opening_again_with_the_same_key_returns_the_same_account(ledger_db):
    first = await open_account(owner_user_id=7, kind=AccountKind.CLASS_TWO, name="ETC", idempotency_key="kyc:42")
    again = await open_account(owner_user_id=7, kind=AccountKind.CLASS_TWO, name="ETC", idempotency_key="kyc:42")

    assert again.id == first.id
    assert await Account.filter(owner_user_id=7).count() == 1


async def test_the_same_opening_key_for_another_customer_is_a_conflict(ledger_db):
    await open_account(owner_user_id=7, kind=AccountKind.CLASS_TWO, name="ETC", idempotency_key="kyc:42")

    with pytest.raises(errors.IdempotencyConflict):
        await open_account(owner_user_id=8, kind=AccountKind.CLASS_TWO, name="ETC", idempotency_key="kyc:42")
    assert await Account.filter(owner_user_id=8).count() == 0


async def test_a_customer_account_needs_an_owner_but_an_internal_one_does_not(ledger_db):
    with pytest.raises(errors.InvalidRequest) as caught:
        await open_account(owner_user_id=None, kind=AccountKind.CLASS_TWO, name="nobody's")
    assert caught.value.field == "owner_user_id"

    settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="UnionPay settlement")
    assert settlement.kind.is_internal
