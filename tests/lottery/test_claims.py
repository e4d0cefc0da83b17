"""Claiming a prize through the service: paid online up to 500 yuan, exactly once, against a
real operator process; timeouts resolved by query, never by paying again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from ledger.service import freeze_account, unfreeze_account
from miniprograms.lottery import service as lottery
from openplatform.models import InboxMessage
from tests.lottery.support import CODE, balance, claim_rows, payouts, verified_customers
from tests.lottery_operator import today


async def test_a_small_prize_is_paid_to_the_class_two_account_and_confirmed(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=2_000)
    pool = await balance(await desk.lottery.prize_pool())

    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)

    assert isinstance(outcome, lottery.PrizePaid) and not outcome.replayed
    assert outcome.claim.state is lottery.ClaimState.CONFIRMED
    assert await balance(winner.account_id) == 2_000
    assert await balance(await desk.lottery.prize_pool()) == pool - 2_000
    assert await payouts() == 1
    assert await desk.operator.ticket_state(ticket) == "PAID"
    [confirmed] = await desk.operator.confirmed()
    assert confirmed["reservationId"] == outcome.claim.reservation_id
    [message] = await InboxMessage.filter(user_id=winner.user_id, topic="lottery.prize_paid")
    assert "20.00" in message.title and ticket[-4:] in message.body


async def test_claiming_again_pays_nothing_more_and_another_customer_is_told_when_and_by_whom(desk):
    winner, other = await desk.winner(), await desk.winner("13900000002", "王*")
    ticket = await desk.operator.ticket(prize=500)
    await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)

    again = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert isinstance(again, lottery.PrizePaid) and again.replayed
    with pytest.raises(lottery.AlreadyClaimed) as refused:
        await desk.lottery.claim(user_id=other.user_id, ticket_number=ticket, security_code=CODE)
    assert refused.value.claimant_masked == "张*" and not refused.value.by_you
    assert "张*" in str(refused.value) and "兑奖" in str(refused.value)
    assert await payouts() == 1 and await balance(other.account_id) == 0


async def test_a_prize_above_500_yuan_is_sent_to_the_nearest_redemption_centre(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=50_001)

    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE,
                                       latitude=22.54, longitude=113.93)  # Nanshan

    assert isinstance(outcome, lottery.OfflineRedemption)
    assert "南山" in str(outcome.centre.name) and "身份证" in str(outcome.what_to_bring)
    assert outcome.deadline.date() == today() + timedelta(days=60)
    assert await payouts() == 0 and await claim_rows() == []
    assert await desk.operator.ticket_state(ticket) == "UNCLAIMED"
    exactly = await desk.operator.ticket(prize=50_000)  # 500 yuan itself is paid online
    assert isinstance(await desk.lottery.claim(user_id=winner.user_id, ticket_number=exactly, security_code=CODE),
                      lottery.PrizePaid)


async def test_sixty_days_after_the_draw_a_claim_is_expired(desk):
    winner = await desk.winner()
    expired = await desk.operator.ticket(prize=1_000, drawn=today() - timedelta(days=61))
    last_day = await desk.operator.ticket(prize=1_000, drawn=today() - timedelta(days=60))

    with pytest.raises(lottery.ClaimExpired) as refused:
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=expired, security_code=CODE)
    assert refused.value.deadline == today() - timedelta(days=1)
    assert refused.value.code is lottery.LotteryErrorCode.CLAIM_EXPIRED
    assert isinstance(await desk.lottery.claim(user_id=winner.user_id, ticket_number=last_day, security_code=CODE),
                      lottery.PrizePaid)
    assert await payouts() == 1


async def test_wrong_security_codes_are_limited_per_ticket_and_per_customer(open_desk):
    desk = await open_desk(LOTTERY_WRONG_CODES_PER_TICKET="3", LOTTERY_WRONG_CODES_PER_USER="4")
    guesser, owner = await desk.winner(), await desk.winner("13900000002", "王*")
    ticket = await desk.operator.ticket(prize=1_000)

    lefts = []
    for guess in ("000001", "000002"):
        with pytest.raises(lottery.WrongSecurityCode) as wrong:
            await desk.lottery.claim(user_id=guesser.user_id, ticket_number=ticket, security_code=guess)
        lefts.append(wrong.value.attempts_left)
    assert lefts == [2, 1]
    with pytest.raises(lottery.WrongSecurityCode):
        await desk.lottery.claim(user_id=owner.user_id, ticket_number=ticket, security_code="000003")
    # the ticket has taken three wrong codes: even the right one waits, from anyone
    with pytest.raises(lottery.AttemptsExhausted):
        await desk.lottery.claim(user_id=owner.user_id, ticket_number=ticket, security_code=CODE)
    # the guesser's fourth miss is on another ticket; then they are stopped on every ticket
    other = await desk.operator.ticket(prize=1_000)
    with pytest.raises(lottery.UnknownTicket):
        await desk.lottery.claim(user_id=guesser.user_id, ticket_number="20991231000000000001", security_code=CODE)
    with pytest.raises(lottery.WrongSecurityCode):
        await desk.lottery.claim(user_id=guesser.user_id, ticket_number=other, security_code="999999")
    with pytest.raises(lottery.AttemptsExhausted):
        await desk.lottery.claim(user_id=guesser.user_id, ticket_number=other, security_code=CODE)
    assert await payouts() == 0 and await desk.operator.ticket_state(ticket) == "UNCLAIMED"


async def test_only_a_customer_verified_with_a_class_two_account_may_claim(desk):
    unverified = await desk.sign_in("13900000009")
    ticket = await desk.operator.ticket(prize=1_000)
    with pytest.raises(lottery.NotVerified):
        await desk.lottery.claim(user_id=unverified.user_id, ticket_number=ticket, security_code=CODE)
    assert await payouts() == 0


async def test_a_ticket_paid_at_a_shop_meanwhile_is_refused_and_nothing_is_paid(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=1_000)
    await desk.operator.fault("paid_elsewhere", step="reserve", ticket=ticket)

    with pytest.raises(lottery.PaidElsewhere):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert await payouts() == 0 and await claim_rows() == []
    with pytest.raises(lottery.PaidElsewhere):  # and it stays so
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)


async def test_a_ticket_the_operator_does_not_know_is_refused(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=1_000)
    await desk.operator.fault("unknown_ticket", step="lookup", ticket=ticket)
    with pytest.raises(lottery.UnknownTicket):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    with pytest.raises(lottery.NotAWinner):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=await desk.operator.ticket(prize=0),
                                 security_code=CODE)
    assert await payouts() == 0


@pytest.mark.parametrize("step,processed", [("reserve", True), ("reserve", False), ("confirm", True),
                                            ("confirm", False)])
async def test_a_timeout_is_resolved_by_query_and_pays_once(desk, step, processed):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await desk.operator.configure(hang_ms=2_000)  # the bank gives up after 1 s
    await desk.operator.fault("timeout", step=step, ticket=ticket, processed=processed)

    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)

    assert isinstance(outcome, lottery.PrizePaid)
    assert outcome.claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1 and await balance(winner.account_id) == 3_000
    assert len(await desk.operator.confirmed()) == 1


async def test_a_duplicate_confirmation_answer_is_checked_by_query(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await desk.operator.fault("duplicate_confirmation", step="confirm", ticket=ticket)
    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert isinstance(outcome, lottery.PrizePaid) and outcome.claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1


async def test_a_confirmation_left_in_doubt_is_finished_by_the_sweep_without_paying_again(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await desk.operator.configure(hang_ms=1_500)
    await desk.operator.fault("timeout", step="confirm", ticket=ticket, processed=True)
    await desk.operator.fault("timeout", step="query", ticket=ticket)

    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert isinstance(outcome, lottery.PrizePaid)  # the money is in the account
    assert outcome.claim.state is lottery.ClaimState.PAID  # the operator's books not known yet

    # the customer retries meanwhile: the same claim, resumed; nothing more moves
    again = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert isinstance(again, lottery.PrizePaid) and again.replayed
    assert await desk.lottery.resolve_in_doubt() == 0  # already confirmed by the retry
    [claim] = await claim_rows()
    assert claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1 and await balance(winner.account_id) == 3_000


async def test_a_reservation_in_doubt_stays_pending_until_the_sweep_resolves_it(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await desk.operator.configure(hang_ms=1_500)
    await desk.operator.fault("timeout", step="reserve", ticket=ticket, processed=True)
    await desk.operator.fault("timeout", step="query", ticket=ticket)

    outcome = await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert isinstance(outcome, lottery.ClaimPending)
    assert await payouts() == 0

    assert await desk.lottery.resolve_in_doubt() == 1
    [claim] = await claim_rows()
    assert claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1 and await balance(winner.account_id) == 3_000


async def test_a_frozen_account_gets_nothing_until_it_is_unfrozen(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await freeze_account(account_id=winner.account_id)

    with pytest.raises(lottery.AccountUnavailable):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert await payouts() == 0 and await claim_rows() == []

    await unfreeze_account(account_id=winner.account_id)
    assert isinstance(await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE),
                      lottery.PrizePaid)
    assert await payouts() == 1


async def test_a_payout_the_ledger_declines_gives_the_reservation_back(open_desk):
    desk = await open_desk(pool=0)  # the operator has not funded the prize pool
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)

    with pytest.raises(lottery.OperatorUnavailable):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert await payouts() == 0 and await claim_rows() == []
    assert await desk.operator.ticket_state(ticket) == "UNCLAIMED"
    [cancelled] = (await desk.operator.books())["reservations"]
    assert cancelled["state"] == "CANCELLED"

    await desk.lottery.fund_prize_pool(amount=3_000, idempotency_key="tests:late-funding")
    assert isinstance(await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE),
                      lottery.PrizePaid)
    assert await payouts() == 1


async def test_answers_not_signed_by_the_operator_are_not_believed(open_desk):
    from tests.card_network import _public
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    desk = await open_desk(LOTTERY_OPERATOR_PUBLIC_KEY=_public(Ed25519PrivateKey.generate()))
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=1_000)
    with pytest.raises(lottery.OperatorUnavailable):
        await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE)
    assert await payouts() == 0


async def test_a_thousand_concurrent_claims_of_one_ticket_make_one_payout(desk):
    users = await verified_customers(1_000)
    ticket = await desk.operator.ticket(prize=10_000)

    async def claim(user_id: int):
        try:
            return await desk.lottery.claim(user_id=user_id, ticket_number=ticket, security_code=CODE)
        except lottery.LotteryError as refused:
            return refused

    outcomes = await asyncio.gather(*(claim(u) for u in users))

    paid = [o for o in outcomes if isinstance(o, lottery.PrizePaid)]
    refused = {type(o).__name__ for o in outcomes if not isinstance(o, lottery.PrizePaid)}
    assert len(paid) == 1 and refused == {"AlreadyClaimed"}
    assert await payouts() == 1 and len(await desk.operator.confirmed()) == 1
    [claim_row] = await claim_rows()
    assert await balance(claim_row.account_id) == 10_000


async def test_the_servers_sweep_finishes_a_claim_left_in_doubt(open_desk):
    desk = await open_desk(LOTTERY_SWEEP_SECONDS="1")
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=3_000)
    await desk.operator.configure(hang_ms=1_500)
    await desk.operator.fault("timeout", step="reserve", ticket=ticket, processed=True)
    await desk.operator.fault("timeout", step="query", ticket=ticket)
    assert isinstance(await desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE),
                      lottery.ClaimPending)

    for _ in range(200):  # the app's own background sweep, not the test, finishes it
        [claim] = await claim_rows()
        if claim.state is lottery.ClaimState.CONFIRMED:
            break
        await asyncio.sleep(0.05)
    assert claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1 and await balance(winner.account_id) == 3_000


async def test_one_customer_tapping_claim_on_many_devices_at_once_is_paid_once(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=4_000)

    outcomes = await asyncio.gather(*(
        desk.lottery.claim(user_id=winner.user_id, ticket_number=ticket, security_code=CODE) for _ in range(50)))

    assert {type(o).__name__ for o in outcomes} <= {"PrizePaid", "ClaimPending"}
    assert sum(isinstance(o, lottery.PrizePaid) and not o.replayed for o in outcomes) <= 1
    await desk.lottery.resolve_in_doubt()  # a tap left pending (its twin was in flight) is finished
    [claim] = await claim_rows()
    assert claim.state is lottery.ClaimState.CONFIRMED
    assert await payouts() == 1 and await balance(winner.account_id) == 4_000
