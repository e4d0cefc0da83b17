"""Claiming a prize over /graphql as the mini-program's page does (through bankGraphql):
every outcome and every bad input is a typed answer; the settlement is for operators only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from identity.roles import Role
from tests.lottery.support import CODE, balance, payouts
from tests.lottery_operator import today

OUTCOME = """__typename
  ... on LotteryPrizePaid { replayed claim { ticketNumber prize state game draw drawDate } }
  ... on LotteryOfflineRedemption { prize redeemBy centreName centreAddress whatToBring }
  ... on LotteryRefusal { code }
  ... on LotteryClaimExpired { drawDate deadline }
  ... on LotteryTicketAlreadyClaimed { claimedAt claimantMaskedName byYou }
  ... on LotteryWrongSecurityCode { attemptsLeft }
  ... on InvalidInput { field }
  ... on Error { message }"""
CLAIM = f"mutation($input: ClaimLotteryPrizeInput!) {{ claimLotteryPrize(input: $input) {{ {OUTCOME} }} }}"
CLAIMS = "{ lotteryClaims { ... on LotteryClaimList { claims { ticketNumber prize state } } } }"
SETTLEMENT = """query($day: Date!) { lotterySettlement(day: $day) { __typename
  ... on LotterySettlement { balanced ourPayouts operatorPayouts ourTotal mismatches { kind } }
  ... on Error { message } } }"""


def claim_input(ticket: str, code: str = CODE, **extra) -> dict:
    return {"input": {"ticketNumber": ticket, "securityCode": code, **extra}}


async def claim(desk, token: str, ticket: str, code: str = CODE, *, headers: dict | None = None, **extra) -> dict:
    response = await desk.gql.post({"query": CLAIM, "variables": claim_input(ticket, code, **extra)}, token=token,
                                   headers=headers)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["claimLotteryPrize"]


async def test_a_customer_claims_a_small_prize_and_sees_it_in_their_claims(desk):
    winner = await desk.winner()
    ticket = await desk.operator.ticket(prize=12_000, game="双色球", draw="2026138")

    paid = await claim(desk, winner.token, ticket)

    assert paid["__typename"] == "LotteryPrizePaid" and paid["replayed"] is False
    assert paid["claim"] == {"ticketNumber": ticket, "prize": 12_000, "state": "CONFIRMED", "game": "双色球",
                             "draw": "2026138", "drawDate": today().isoformat()}
    assert await balance(winner.account_id) == 12_000
    again = await claim(desk, winner.token, ticket)
    assert again["__typename"] == "LotteryPrizePaid" and again["replayed"] is True
    listed = await desk.gql(CLAIMS, token=winner.token)
    assert listed["data"]["lotteryClaims"]["claims"] == [{"ticketNumber": ticket, "prize": 12_000,
                                                          "state": "CONFIRMED"}]
    too_many = await desk.gql("{ lotteryClaims(limit: 101) { ... on InvalidInput { field message } } }",
                              token=winner.token)
    assert too_many["data"]["lotteryClaims"]["field"] == "limit"
    assert await payouts() == 1


async def test_another_customer_is_told_when_and_by_whom_masked_in_chinese_or_english(desk):
    winner, late = await desk.winner(), await desk.winner("13900000002", "王*")
    ticket = await desk.operator.ticket(prize=1_000)
    await claim(desk, winner.token, ticket)

    refused = await claim(desk, late.token, ticket)
    assert refused["__typename"] == "LotteryTicketAlreadyClaimed" and refused["code"] == "ALREADY_CLAIMED"
    assert refused["claimantMaskedName"] == "张*" and refused["byYou"] is False
    assert "已于" in refused["message"] and "张*" in refused["message"]
    english = await claim(desk, late.token, ticket, headers={"accept-language": "en"})
    assert english["message"].startswith("this ticket was claimed on")
    listed = await desk.gql(CLAIMS, token=late.token)
    assert listed["data"]["lotteryClaims"]["claims"] == []  # the claim is the winner's alone


async def test_a_large_prize_points_to_a_redemption_centre_and_an_old_one_is_claim_expired(desk):
    winner = await desk.winner()
    large = await desk.operator.ticket(prize=1_000_000)
    old = await desk.operator.ticket(prize=1_000, drawn=today() - timedelta(days=90))

    offline = await claim(desk, winner.token, large)
    assert offline["__typename"] == "LotteryOfflineRedemption" and offline["prize"] == 1_000_000
    assert "福田" in offline["centreName"] and "身份证" in offline["whatToBring"]
    expired = await claim(desk, winner.token, old)
    assert expired["__typename"] == "LotteryClaimExpired" and expired["code"] == "CLAIM_EXPIRED"
    assert expired["deadline"] == (today() - timedelta(days=30)).isoformat()
    assert await payouts() == 0


@pytest.mark.parametrize("ticket,code,extra,typename,field", [
    ("12ab", CODE, {}, "InvalidInput", "ticketNumber"),
    ("1" * 33, CODE, {}, "InvalidInput", "ticketNumber"),
    ("", CODE, {}, "InvalidInput", "ticketNumber"),
    (None, "12345", {}, "InvalidInput", "securityCode"),
    (None, "1" * 13, {}, "InvalidInput", "securityCode"),
    (None, "48061３", {}, "InvalidInput", "securityCode"),  # a full-width digit
    (None, CODE, {"latitude": 91.0, "longitude": 114.0}, "InvalidInput", "latitude"),
    (None, CODE, {"latitude": 22.5}, "InvalidInput", "longitude"),
    ("20991231000000000001", CODE, {}, "LotteryUnknownTicket", None),
    (None, "000000", {}, "LotteryWrongSecurityCode", None),
])
async def test_bad_input_gets_its_own_typed_refusal_and_moves_nothing(desk, ticket, code, extra, typename, field):
    winner = await desk.winner()
    real = await desk.operator.ticket(prize=1_000)
    refused = await claim(desk, winner.token, real if ticket is None else ticket, code, **extra)
    assert refused["__typename"] == typename
    assert refused.get("field") == field
    assert refused["message"] and not refused["message"].isascii()  # said in Chinese by default
    assert await payouts() == 0 and await desk.operator.ticket_state(real) == "UNCLAIMED"


async def test_claiming_needs_a_signed_in_verified_customer(desk):
    ticket = await desk.operator.ticket(prize=1_000)
    anonymous = await desk.gql(CLAIM, claim_input(ticket))
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unverified = await desk.sign_in("13900000007")
    refused = await claim(desk, unverified.access_token, ticket)
    assert refused["__typename"] == "LotteryVerificationRequired" and refused["code"] == "NOT_VERIFIED"
    assert await payouts() == 0


async def test_the_settlement_is_for_operators_only(desk):
    winner = await desk.winner()
    await claim(desk, winner.token, await desk.operator.ticket(prize=800))
    variables = {"day": today().isoformat()}

    customer = await desk.gql(SETTLEMENT, variables, token=winner.token)
    assert customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    operator = await desk.sign_in("13800000003", Role.OPERATOR)
    report = await desk.gql(SETTLEMENT, variables, token=operator.access_token)
    assert report["data"]["lotterySettlement"] == {"__typename": "LotterySettlement", "balanced": True,
                                                   "ourPayouts": 1, "operatorPayouts": 1, "ourTotal": 800,
                                                   "mismatches": []}
