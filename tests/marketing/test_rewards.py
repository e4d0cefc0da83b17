"""Cash rewards move money only through the ledger: once per customer, never past the stock or
the budget account's balance, under concurrency; the books still balance."""

from __future__ import annotations

import asyncio

import pytest

from ledger.service import AccountKind, accounts_of, get_account, open_account
from marketing.models import Campaign, Reward
from marketing.service import ErrorCode, MarketingError
from tests.ledger.support import deposit, funded_account
from tests.marketing.campaigns import MAKER, banner, live


async def budget_account(runtime, amount: int) -> int:
    account = await open_account(owner_user_id=None, kind=AccountKind.ENTERPRISE, name="营销预算",
                                 idempotency_key="test-marketing-budget")
    await deposit(runtime, account.id, amount)
    return account.id


def rewards(stock: int, account_id: int, *, reward_fen: int = 8_88, **overrides):
    return banner(stock=stock, reward_fen=reward_fen, budget_fen=stock * reward_fen, budget_account_id=account_id,
                  **overrides)


async def customers(runtime, n: int) -> list[int]:
    users = list(range(5001, 5001 + n))
    for user_id in users:
        await funded_account(runtime, user_id, 0)
    return users


async def test_a_reward_of_stock_one_is_paid_once_to_64_concurrent_claimants(runtime):
    budget = await budget_account(runtime, 100_00)
    campaign = await live(runtime.marketing, rewards(1, budget))
    users = await customers(runtime, 64)

    results = await asyncio.gather(*(runtime.marketing.claim_reward(user_id=u, campaign_id=campaign.id)
                                     for u in users), return_exceptions=True)

    paid = [r for r in results if not isinstance(r, BaseException)]
    assert len(paid) == 1, [r for r in results if not isinstance(r, MarketingError)]
    assert {r.code for r in results if isinstance(r, MarketingError)} == {ErrorCode.OUT_OF_STOCK}
    assert (await get_account(account_id=budget)).balance == 100_00 - 8_88
    [winner] = paid
    assert (await get_account(account_id=winner.account_id)).balance == 8_88
    assert (await Campaign.get(id=campaign.id)).issued == 1 and await Reward.all().count() == 1


async def test_one_customer_claiming_at_once_is_paid_once(runtime):
    budget = await budget_account(runtime, 100_00)
    campaign = await live(runtime.marketing, rewards(5, budget))
    [user] = await customers(runtime, 1)

    results = await asyncio.gather(*(runtime.marketing.claim_reward(user_id=user, campaign_id=campaign.id)
                                     for _ in range(32)), return_exceptions=True)

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert {r.code for r in results if isinstance(r, MarketingError)} == {ErrorCode.ALREADY_CLAIMED}
    [account] = await accounts_of(owner_user_id=user)
    assert account.balance == 8_88


async def test_an_empty_budget_account_pays_nothing_and_says_so(runtime):
    budget = await budget_account(runtime, 10_00)  # one reward of 8.88 fits, a second does not
    campaign = await live(runtime.marketing, rewards(5, budget))
    first, second = await customers(runtime, 2)
    await runtime.marketing.claim_reward(user_id=first, campaign_id=campaign.id)
    with pytest.raises(MarketingError) as empty:
        await runtime.marketing.claim_reward(user_id=second, campaign_id=campaign.id)
    assert empty.value.code is ErrorCode.BUDGET_EXHAUSTED
    [account] = await accounts_of(owner_user_id=second)
    assert account.balance == 0 and (await Campaign.get(id=campaign.id)).issued == 1


async def test_rewards_need_a_class_two_account_and_a_bank_budget_account(runtime):
    budget = await budget_account(runtime, 10_00)
    campaign = await live(runtime.marketing, rewards(5, budget))
    with pytest.raises(MarketingError) as no_account:
        await runtime.marketing.claim_reward(user_id=777, campaign_id=campaign.id)
    assert no_account.value.code is ErrorCode.NOT_ELIGIBLE
    customers_own = await funded_account(runtime, 778, 50_00)
    with pytest.raises(MarketingError) as theirs:
        await runtime.marketing.create_campaign(by_user_id=MAKER, data=rewards(5, customers_own.id))
    assert (theirs.value.code, theirs.value.field) == (ErrorCode.INVALID_INPUT, "budgetAccountId")
