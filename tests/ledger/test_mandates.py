"""Direct-debit mandates: only the named service debits, only the mandate's account, within its
ceiling, until revoked; concurrent debits never overdraw."""

from __future__ import annotations

import asyncio

import pytest

from ledger.service import (
    AccountKind, Customer, DebitNotAllowed, EntryKind, InsufficientFunds, InternalService, InvalidRequest,
    MandateCeilingExceeded, MandateNotFound, MandateRevoked, StepUpRequired, get_account, open_account,
)
from tests.ledger.support import funded_account, paying_customer

ETC = InternalService("etc")


@pytest.fixture
async def mandate(runtime):
    account = await funded_account(runtime, 51, 10_000)
    merchant = await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name="toll")
    granted = await runtime.ledger.grant_mandate(by=await paying_customer(runtime, 51), account_id=account.id,
                                                 service="etc", reference="card-1", per_debit_max=2_000)
    return granted, account, merchant


async def test_the_named_service_debits_within_the_ceiling(runtime, mandate):
    granted, account, merchant = mandate
    entry = await runtime.ledger.direct_debit(by=ETC, mandate_id=granted.id, to_account_id=merchant.id, amount=2_000,
                                              idempotency_key="dd-1")
    assert entry.kind == "direct_debit"
    assert (await get_account(account_id=account.id)).balance == 8_000
    with pytest.raises(MandateCeilingExceeded):
        await runtime.ledger.direct_debit(by=ETC, mandate_id=granted.id, to_account_id=merchant.id, amount=2_001,
                                          idempotency_key="dd-2")


async def test_granting_needs_the_pin_typed_for_it(runtime):
    account = await funded_account(runtime, 52, 0)
    with pytest.raises(StepUpRequired):
        await runtime.ledger.grant_mandate(by=Customer(52, "s"), account_id=account.id, service="etc",
                                           reference="x", per_debit_max=100)
    stranger = await paying_customer(runtime, 53)
    from ledger.service import AccountNotFound

    with pytest.raises(AccountNotFound):
        await runtime.ledger.grant_mandate(by=stranger, account_id=account.id, service="etc", reference="y",
                                           per_debit_max=100)


async def test_another_service_or_no_mandate_cannot_debit(runtime, mandate):
    granted, account, merchant = mandate
    with pytest.raises(MandateNotFound):
        await runtime.ledger.direct_debit(by=InternalService("lottery"), mandate_id=granted.id,
                                          to_account_id=merchant.id, amount=100, idempotency_key="dd-3")
    with pytest.raises(DebitNotAllowed):  # the old way round the mandate stays closed
        await runtime.ledger.transfer(by=ETC, from_account_id=account.id, to_account_id=merchant.id, amount=100,
                                      idempotency_key="dd-4", kind=EntryKind.DIRECT_DEBIT)
    with pytest.raises(InvalidRequest):  # a customer never posts a direct debit
        await runtime.ledger.transfer(by=await paying_customer(runtime, 51), from_account_id=account.id,
                                      to_account_id=merchant.id, amount=100, idempotency_key="dd-5",
                                      kind=EntryKind.DIRECT_DEBIT)
    assert (await get_account(account_id=account.id)).balance == 10_000


async def test_a_mandate_pays_only_into_the_bank_or_merchants(runtime, mandate):
    granted, account, _ = mandate
    other = await funded_account(runtime, 54, 0)
    with pytest.raises(DebitNotAllowed):
        await runtime.ledger.direct_debit(by=ETC, mandate_id=granted.id, to_account_id=other.id, amount=100,
                                          idempotency_key="dd-6")


async def test_a_revoked_mandate_debits_nothing(runtime, mandate):
    granted, account, merchant = mandate
    await runtime.ledger.revoke_mandate(by=await paying_customer(runtime, 51), mandate_id=granted.id)
    with pytest.raises(MandateRevoked):
        await runtime.ledger.direct_debit(by=ETC, mandate_id=granted.id, to_account_id=merchant.id, amount=100,
                                          idempotency_key="dd-7")
    with pytest.raises(MandateNotFound):  # nobody else revokes it
        await runtime.ledger.revoke_mandate(by=InternalService("other"), mandate_id=granted.id)


async def test_concurrent_direct_debits_never_overdraw(runtime, mandate):
    granted, account, merchant = mandate
    outcomes = await asyncio.gather(*(
        runtime.ledger.direct_debit(by=ETC, mandate_id=granted.id, to_account_id=merchant.id, amount=1_500,
                                    idempotency_key=f"dd-c-{i}") for i in range(20)), return_exceptions=True)
    paid = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(paid) == 6 and all(isinstance(o, InsufficientFunds) for o in outcomes if o not in paid)
    assert (await get_account(account_id=account.id)).balance == 1_000
    assert (await get_account(account_id=merchant.id)).balance == 9_000


async def test_credit_listeners_hear_of_new_money_once(runtime):
    heard = []

    async def listener(entry):
        heard.append(entry.id)

    runtime.ledger.on_credit(listener)
    from tests.ledger.support import deposit

    account = await funded_account(runtime, 55, 0)
    await deposit(runtime, account.id, 500)
    assert len(heard) == 1
