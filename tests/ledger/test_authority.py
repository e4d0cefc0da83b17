"""The ledger itself checks, for every caller: whose accounts money leaves, the payment PIN
(step-up), and the configured Class II limits. Callers only say who acts and how they proved it."""

import pytest

import ledger.service
from ledger import errors, posting
from ledger.models import Account, JournalEntry
from ledger.service import AccountKind, Customer, EntryKind, InternalService, Leg, open_account
from tests.ledger.support import PIN, funded_account, paying_customer

YUAN = 100
OPERATIONS = InternalService("tests: operations")


@pytest.fixture
def environ(environ):
    """Class II accounts may send 1,000 yuan a transaction; own transfers above 500 yuan need the PIN."""
    environ["LEDGER_CLASS_TWO_PER_TRANSACTION_FEN"] = str(1_000 * YUAN)
    environ["LEDGER_STEP_UP_ABOVE_FEN"] = str(500 * YUAN)
    return environ


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def merchant(name: str = "car wash"):
    return await open_account(owner_user_id=None, kind=AccountKind.MERCHANT, name=name)


async def test_no_call_path_moves_money_past_the_configured_limits(runtime):
    wallet = await funded_account(runtime, 1, 5_000 * YUAN)
    card = await funded_account(runtime, 1, 0, kind=AccountKind.CLASS_ONE)
    await runtime.ledger.pins.set_pin(user_id=1, pin=PIN)
    alice = Customer(user_id=1, session_id="phone", pin=PIN)
    over = 1_000 * YUAN + 1

    # ledger.service has no module-level function that moves money with built-in limits.
    assert not {"transfer", "post_entry", "reverse_entry"} & set(dir(ledger.service))
    with pytest.raises(errors.LimitExceeded):
        await runtime.ledger.transfer(by=alice, from_account_id=wallet.id, to_account_id=card.id, amount=over,
                                      idempotency_key="own-over")
    with pytest.raises(errors.LimitExceeded):
        await runtime.ledger.post_entry(by=alice, legs=[Leg(wallet.id, -over), Leg((await merchant()).id, over)],
                                        idempotency_key="paid-over", kind=EntryKind.PAYMENT)
    # Below LedgerService, the posting engine has no limits of its own to fall back to.
    request = posting.transfer_movement(from_account_id=wallet.id, to_account_id=card.id, amount=over,
                                        idempotency_key="raw-over")
    with pytest.raises(TypeError):
        await posting.post(request, authorize=None)
    assert await balance(wallet.id) == 5_000 * YUAN
    assert await JournalEntry.filter(idempotency_key__in=["own-over", "paid-over", "raw-over"]).count() == 0


async def test_a_large_transfer_between_own_accounts_needs_the_pin_in_that_session(runtime):
    wallet = await funded_account(runtime, 1, 2_000 * YUAN)
    card = await funded_account(runtime, 1, 0, kind=AccountKind.CLASS_ONE)
    await runtime.ledger.pins.set_pin(user_id=1, pin=PIN)
    phone, tablet = Customer(user_id=1, session_id="phone"), Customer(user_id=1, session_id="tablet")
    big = dict(from_account_id=wallet.id, to_account_id=card.id, amount=500 * YUAN + 1)

    with pytest.raises(errors.StepUpRequired) as asked:
        await runtime.ledger.transfer(by=phone, **big, idempotency_key="big-1")
    await runtime.ledger.pins.verify(user_id=1, session_id="phone", pin=PIN)
    done = await runtime.ledger.transfer(by=phone, **big, idempotency_key="big-1")
    with pytest.raises(errors.StepUpRequired):  # the step-up belongs to the session that entered the PIN
        await runtime.ledger.transfer(by=tablet, **big, idempotency_key="big-2")
    small = await runtime.ledger.transfer(by=tablet, **{**big, "amount": 500 * YUAN}, idempotency_key="small")

    assert (asked.value.above_amount, asked.value.each_payment) == (500 * YUAN, False)
    assert not done.replayed and not small.replayed
    assert await balance(card.id) == 1_000 * YUAN + 1


async def test_paying_someone_else_needs_the_pin_typed_for_that_payment(runtime):
    wallet = await funded_account(runtime, 1, 100 * YUAN)
    shop = await merchant()
    await runtime.ledger.pins.set_pin(user_id=1, pin=PIN)
    await runtime.ledger.pins.verify(user_id=1, session_id="phone", pin=PIN)  # a recent step-up is not enough
    pay = dict(from_account_id=wallet.id, to_account_id=shop.id, amount=1 * YUAN, kind=EntryKind.PAYMENT)

    with pytest.raises(errors.StepUpRequired) as asked:
        await runtime.ledger.transfer(by=Customer(user_id=1, session_id="phone"), **pay, idempotency_key="wash-1")
    with pytest.raises(errors.WrongPin):
        await runtime.ledger.transfer(by=Customer(user_id=1, session_id="phone", pin="246810"), **pay,
                                      idempotency_key="wash-1")
    paid = await runtime.ledger.transfer(by=Customer(user_id=1, session_id="phone", pin=PIN), **pay,
                                         idempotency_key="wash-1")

    assert asked.value.each_payment is True
    assert not paid.replayed
    assert (await balance(wallet.id), await balance(shop.id)) == (99 * YUAN, 1 * YUAN)


async def test_a_customer_cannot_move_money_out_of_another_customers_account(runtime):
    alices = await funded_account(runtime, 1, 100 * YUAN)
    bobs_card = await funded_account(runtime, 2, 0, kind=AccountKind.CLASS_ONE)
    bob = await paying_customer(runtime, 2)

    with pytest.raises(errors.AccountNotFound) as caught:
        await runtime.ledger.transfer(by=bob, from_account_id=alices.id, to_account_id=bobs_card.id, amount=1_00,
                                      idempotency_key="take-1")
    with pytest.raises(errors.AccountNotFound):
        await runtime.ledger.transfer(by=bob, from_account_id=alices.id, to_account_id=(await merchant()).id,
                                      amount=1_00, idempotency_key="take-2", kind=EntryKind.PAYMENT)

    assert caught.value.account_id == alices.id
    assert (await balance(alices.id), await balance(bobs_card.id)) == (100 * YUAN, 0)


async def test_a_customers_transfer_stays_between_their_own_accounts(runtime):
    alices = await funded_account(runtime, 1, 100 * YUAN)
    bobs = await funded_account(runtime, 2, 0)

    with pytest.raises(errors.AccountNotFound) as caught:
        await runtime.ledger.transfer(by=Customer(user_id=1, session_id="phone"), from_account_id=alices.id,
                                      to_account_id=bobs.id, amount=1_00, idempotency_key="gift-1")

    assert caught.value.account_id == bobs.id
    assert await balance(bobs.id) == 0


async def test_an_internal_service_never_takes_money_out_of_a_customers_account(runtime):
    wallet = await funded_account(runtime, 1, 100 * YUAN)
    shop = await merchant()

    with pytest.raises(errors.DebitNotAllowed):
        await runtime.ledger.transfer(by=OPERATIONS, from_account_id=wallet.id, to_account_id=shop.id, amount=1_00,
                                      idempotency_key="skim-1", kind=EntryKind.PAYMENT)
    paid = await runtime.ledger.transfer(by=await paying_customer(runtime, 1), from_account_id=wallet.id,
                                         to_account_id=shop.id, amount=1_00, idempotency_key="wash-1",
                                         kind=EntryKind.PAYMENT)
    # Reversing an entry is the bank's own act, and gives the customer their money back.
    await runtime.ledger.reverse_entry(by=OPERATIONS, entry_id=paid.id, idempotency_key="wash-1-undo")
    with pytest.raises(errors.InvalidRequest):
        await runtime.ledger.reverse_entry(by=Customer(user_id=1, session_id="phone"), entry_id=paid.id,
                                           idempotency_key="wash-1-undo-again")

    assert (await balance(wallet.id), await balance(shop.id)) == (100 * YUAN, 0)
