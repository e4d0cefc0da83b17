"""Each monitoring rule, driven both ways on the running app's ledger: it triggers, and it does not."""

import asyncio

import pytest

from ledger import errors
from ledger.models import Account, JournalEntry
from ledger.service import EntryKind
from tests.ledger.support import deposit, funded_account
from tests.monitoring.support import acting, key, set_rule, two_accounts

PIN = "246810"


async def move(runtime, by, source, target, amount, idempotency_key=None, **extra):
    return await runtime.ledger.transfer(by=by, from_account_id=source.id, to_account_id=target.id, amount=amount,
                                         idempotency_key=idempotency_key or key(), **extra)


async def test_velocity_holds_the_movement_past_the_count_and_not_before(runtime, sign_in):
    alice = await sign_in("13900000101")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 1_000_00)
    await set_rule(runtime, "velocity", max_movements=3, window_seconds=600)
    # three movements in ten minutes pass
    for _ in range(3):
        await move(runtime, by, source, target, 10_00)
    # the fourth is held, naming the rule and the count
    with pytest.raises(errors.MovementHeldForReview) as held:
        await move(runtime, by, source, target, 10_00)
    assert held.value.rule == "velocity"
    assert str(held.value.reason) == "10分钟内已有4笔交易"
    assert (await Account.get(id=target.id)).balance == 30_00
    # the amount is reserved on the paying account, not moved
    assert (await runtime.ledger.available_balances(account_ids=[source.id]))[source.id] == 1_000_00 - 40_00
    # and another customer is not slowed by Alice's pace
    bob = await sign_in("13900000102")
    bob_source, bob_target = await two_accounts(runtime, bob.user_id, 100_00)
    await move(runtime, await acting(runtime, bob), bob_source, bob_target, 10_00)


async def test_an_amount_far_above_the_history_is_held_and_one_in_line_is_not(runtime, sign_in):
    alice = await sign_in("13900000111")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 5_000_00)
    await set_rule(runtime, "amount_above_history", multiple=5, min_history=3, min_amount=100_00)
    for _ in range(3):
        await move(runtime, by, source, target, 50_00)  # a history of 50 yuan movements
    await move(runtime, by, source, target, 240_00)  # under 5 x the mean: in line
    with pytest.raises(errors.MovementHeldForReview) as held:
        await move(runtime, by, source, target, 800_00)  # far above the mean (97.50 yuan)
    assert held.value.rule == "amount_above_history"
    assert "97.50" in str(held.value.reason)
    assert (await Account.get(id=target.id)).balance == 390_00


async def test_a_large_transfer_soon_after_a_new_device_is_held_but_not_from_the_usual_one(runtime, sign_in):
    usual = await sign_in("13900000121", device_id="alice-usual-phone")
    new = await sign_in("13900000121", device_id="alice-new-phone")
    source, target = await two_accounts(runtime, usual.user_id, 3_000_00)
    await set_rule(runtime, "new_device_large", device_age_seconds=3600, min_amount=500_00)
    # from her usual phone (her first device) a large transfer goes through
    await move(runtime, await acting(runtime, usual), source, target, 600_00)
    # from the phone signed in minutes ago a small one goes through, a large one is held
    from_new = await acting(runtime, new)
    await move(runtime, from_new, source, target, 100_00)
    with pytest.raises(errors.MovementHeldForReview) as held:
        await move(runtime, from_new, source, target, 600_00)
    assert held.value.rule == "new_device_large"
    assert (await Account.get(id=target.id)).balance == 700_00


async def test_repeated_wrong_pins_block_movements_and_new_devices_but_fewer_do_not(runtime, sign_in, gql):
    alice = await sign_in("13900000131", device_id="alice-phone-0001")
    await runtime.ledger.pins.set_pin(user_id=alice.user_id, pin=PIN)
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 1_000_00)
    await set_rule(runtime, "wrong_pins", action="block", max_wrong=3, window_seconds=3600)
    for _ in range(2):
        with pytest.raises(errors.WrongPin):
            await runtime.ledger.pins.verify(user_id=alice.user_id, session_id=by.session_id, pin="135790")
    await move(runtime, by, source, target, 10_00)  # two wrong PINs: still allowed
    with pytest.raises(errors.WrongPin):  # a third, typed with a payment
        await move(runtime, await acting(runtime, alice, pin="135790"), source, target, 10_00, kind=EntryKind.TRANSFER)
    with pytest.raises(errors.MovementBlocked) as blocked:
        await move(runtime, by, source, target, 10_00)
    assert blocked.value.rule == "wrong_pins"
    assert str(blocked.value.reason) == "60分钟内输错支付密码3次"
    # signing in again on her own phone works; on a phone never seen, it is refused
    await sign_in("13900000131", device_id="alice-phone-0001")
    await gql("mutation { requestLoginCode(phone: \"13900000131\") { __typename } }")
    code = await sign_in.latest_code("13900000131")
    refused = (await gql(
        """mutation($code: String!) { login(phone: "13900000131", code: $code,
             device: {id: "stolen-phone-0001", name: "x", platform: ANDROID}) {
             __typename ... on SignInRefused { rule reason message } } }""", {"code": code}))["data"]["login"]
    assert refused["__typename"] == "SignInRefused"
    assert refused["rule"] == "wrong_pins"
    assert (await Account.get(id=target.id)).balance == 10_00


async def test_amounts_kept_just_under_the_step_up_threshold_ask_for_the_pin(runtime, sign_in):
    alice = await sign_in("13900000141")
    await runtime.ledger.pins.set_pin(user_id=alice.user_id, pin=PIN)
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 5_000_00)
    await set_rule(runtime, "just_under_step_up", action="step_up", band_percent=10, max_count=3,
                   window_seconds=86400)
    await move(runtime, by, source, target, 950_00)
    await move(runtime, by, source, target, 500_00)  # not near the 1,000 yuan threshold: not counted
    await move(runtime, by, source, target, 990_00)  # the second just under: allowed
    third = key()
    with pytest.raises(errors.RiskStepUpRequired) as asked:
        await move(runtime, by, source, target, 999_00, idempotency_key=third)
    assert asked.value.rule == "just_under_step_up"
    assert "1,000.00" in str(asked.value.reason)
    # the same movement with the PIN typed for it goes through
    entry = await move(runtime, await acting(runtime, alice, pin=PIN), source, target, 999_00, idempotency_key=third)
    assert not entry.replayed
    assert (await Account.get(id=target.id)).balance == 950_00 + 500_00 + 990_00 + 999_00


async def test_many_payees_in_a_short_time_are_held_and_a_few_are_not(runtime, sign_in):
    alice = await sign_in("13900000151")
    await runtime.ledger.pins.set_pin(user_id=alice.user_id, pin=PIN)
    by = await acting(runtime, alice, pin=PIN)  # paying someone else: the PIN typed each time
    source = await funded_account(runtime, alice.user_id, 1_000_00)
    payees = [await funded_account(runtime, 9_000 + n, 0) for n in range(3)]
    await set_rule(runtime, "many_payees", max_payees=2, window_seconds=3600)
    for payee in payees[:2]:
        await move(runtime, by, source, payee, 10_00, kind=EntryKind.PAYMENT)
    await move(runtime, by, source, payees[0], 10_00, kind=EntryKind.PAYMENT)  # paying one again is no new payee
    with pytest.raises(errors.MovementHeldForReview) as held:
        await move(runtime, by, source, payees[2], 10_00, kind=EntryKind.PAYMENT)
    assert held.value.rule == "many_payees"
    assert str(held.value.reason) == "60分钟内向3个不同账户付款"
    # moving money between her own accounts never counts as paying someone
    own = await funded_account(runtime, alice.user_id, 0, name="savings")
    await move(runtime, await acting(runtime, alice), source, own, 10_00)


async def test_a_disabled_rule_does_not_trigger(runtime, sign_in):
    alice = await sign_in("13900000161")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 100_00)
    await set_rule(runtime, "velocity", enabled=False, max_movements=1)
    for _ in range(3):
        await move(runtime, by, source, target, 1_00)
    assert (await Account.get(id=target.id)).balance == 3_00


async def test_two_concurrent_transfers_are_each_checked(runtime, sign_in):
    alice = await sign_in("13900000171")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 100_00)
    await set_rule(runtime, "velocity", max_movements=1, window_seconds=600)
    results = await asyncio.gather(*(move(runtime, by, source, target, 10_00) for _ in range(2)),
                                   return_exceptions=True)
    # the window counted both: one posted, the other held for review
    assert sorted(type(r).__name__ for r in results) == ["MovementHeldForReview", "PostedEntry"]
    assert (await Account.get(id=target.id)).balance == 10_00
    assert (await runtime.ledger.available_balances(account_ids=[source.id]))[source.id] == 80_00


async def test_a_movement_its_caller_writes_rows_with_is_blocked_rather_than_held(runtime, sign_in):
    """A mini-program's order is marked paid with its entry: it cannot wait for an operator."""
    alice = await sign_in("13900000181")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 100_00)
    await set_rule(runtime, "velocity", max_movements=1)
    written = []

    async def order_paid(entry):
        written.append(entry.id)

    await move(runtime, by, source, target, 1_00, also_write=order_paid)
    with pytest.raises(errors.MovementBlocked) as blocked:
        await move(runtime, by, source, target, 1_00, also_write=order_paid)
    assert blocked.value.rule == "velocity"
    assert len(written) == 1
    assert await JournalEntry.filter(kind="transfer").count() == 1


async def test_the_banks_own_movements_are_not_judged_as_a_customers(runtime):
    account = await funded_account(runtime, 77, 0)
    await set_rule(runtime, "velocity", max_movements=1)
    for _ in range(3):  # money arriving from outside, by a bank service, three times in a row
        await deposit(runtime, account.id, 1_00)
    assert (await Account.get(id=account.id)).balance == 3_00


async def test_rules_still_count_after_redis_forgets_its_scripts(runtime, sign_in):
    # Redis restarted from its file or flushed its scripts: the screen loads its script again
    alice = await sign_in("13900000191")
    by = await acting(runtime, alice)
    source, target = await two_accounts(runtime, alice.user_id, 1_000_00)
    await set_rule(runtime, "velocity", max_movements=2, window_seconds=600)
    await move(runtime, by, source, target, 10_00)
    await runtime.redis.script_flush()
    await move(runtime, by, source, target, 10_00)  # counted in, with the movement before it
    with pytest.raises(errors.MovementHeldForReview) as held:
        await move(runtime, by, source, target, 10_00)
    assert held.value.rule == "velocity"
    assert (await Account.get(id=target.id)).balance == 20_00
