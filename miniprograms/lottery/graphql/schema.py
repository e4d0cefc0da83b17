"""``claimLotteryPrize`` and ``lotteryClaims`` for customers, ``lotterySettlement`` for operators."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.permissions import requires
from bff.services import app_service
from identity.roles import Role
from infra.i18n import t
from miniprograms.lottery import service as lottery
from miniprograms.lottery.graphql.types import (
    ClaimLotteryPrizeInput, LotteryAccountUnavailable, LotteryClaimList, LotteryAttemptsExhausted, LotteryClaimExpired,
    LotteryClaimPending, LotteryNotAWinner, LotteryOfflineRedemption, LotteryOperatorUnavailable,
    LotteryPaidElsewhere, LotteryPrizeClaim, LotteryPrizePaid, LotterySettlement, LotterySettlementFileRejected,
    LotteryTicketAlreadyClaimed, LotteryUnknownTicket, LotteryVerificationRequired, LotteryWrongSecurityCode,
)

ClaimLotteryPrizeResult = Annotated[
    LotteryPrizePaid | LotteryOfflineRedemption | LotteryClaimPending | LotteryClaimExpired
    | LotteryTicketAlreadyClaimed | LotteryUnknownTicket | LotteryWrongSecurityCode | LotteryAttemptsExhausted
    | LotteryNotAWinner | LotteryPaidElsewhere | LotteryVerificationRequired | LotteryAccountUnavailable
    | LotteryOperatorUnavailable | InvalidInput,
    strawberry.union("ClaimLotteryPrizeResult"),
]
LotterySettlementResult = Annotated[
    LotterySettlement | LotterySettlementFileRejected | LotteryOperatorUnavailable,
    strawberry.union("LotterySettlementResult"),
]
LotteryClaimsResult = Annotated[LotteryClaimList | InvalidInput, strawberry.union("LotteryClaimsResult")]
MAX_LISTED = 100


def service(info: Info) -> lottery.LotteryService:
    """This app's service, as the composition root lent it to the transport."""
    return app_service(info.context.runtime, "lottery", lottery.LotteryService)


def refusal(exc: lottery.LotteryError):
    """The schema's type for a domain refusal, with its message in the reader's language."""
    message, code = str(exc), exc.code
    match exc:
        case lottery.InvalidClaim():
            return InvalidInput(message=message, field=exc.field)
        case lottery.ClaimExpired():
            return LotteryClaimExpired(message=message, code=code, draw_date=exc.draw_date, deadline=exc.deadline)
        case lottery.AlreadyClaimed():
            return LotteryTicketAlreadyClaimed(message=message, code=code, claimed_at=exc.claimed_at,
                                               claimant_masked_name=exc.claimant_masked, by_you=exc.by_you)
        case lottery.UnknownTicket():
            return LotteryUnknownTicket(message=message, code=code, attempts_left=exc.attempts_left)
        case lottery.WrongSecurityCode():
            return LotteryWrongSecurityCode(message=message, code=code, attempts_left=exc.attempts_left)
        case lottery.AttemptsExhausted():
            return LotteryAttemptsExhausted(message=message, code=code, retry_after_seconds=exc.retry_after_seconds)
    plain = {
        lottery.NotAWinner: LotteryNotAWinner, lottery.PaidElsewhere: LotteryPaidElsewhere,
        lottery.NotVerified: LotteryVerificationRequired, lottery.AccountUnavailable: LotteryAccountUnavailable,
        lottery.SettlementFileRejected: LotterySettlementFileRejected,
    }.get(type(exc), LotteryOperatorUnavailable)
    return plain(message=message, code=code)


def _position_refusal(input: ClaimLotteryPrizeInput) -> InvalidInput | None:
    for name, value, bound in (("latitude", input.latitude, 90), ("longitude", input.longitude, 180)):
        if value is not None and not (math.isfinite(value) and -bound <= value <= bound):
            return InvalidInput(message=t("lottery.position_range", name=name, bound=bound), field=name)
    if (input.latitude is None) != (input.longitude is None):
        return InvalidInput(message=t("lottery.position_pair"), field="longitude")
    return None


@strawberry.type
class LotteryMutation:
    @strawberry.mutation(
        extensions=requires(Role.CUSTOMER),
        description="Claim a welfare-lottery prize by ticket number and security code. Up to 500 yuan it is paid "
                    "to your Class II account, once whatever the retries; above, you are sent to a redemption centre.",
    )
    async def claim_lottery_prize(self, info: Info, input: ClaimLotteryPrizeInput) -> ClaimLotteryPrizeResult:
        refused = _position_refusal(input)
        if refused is not None:
            return refused
        try:
            outcome = await service(info).claim(
                user_id=info.context.principal.user_id, ticket_number=input.ticket_number,
                security_code=input.security_code, latitude=input.latitude, longitude=input.longitude,
            )
        except lottery.LotteryError as exc:
            return refusal(exc)
        if isinstance(outcome, lottery.OfflineRedemption):
            return LotteryOfflineRedemption.of(outcome)
        if isinstance(outcome, lottery.ClaimPending):
            return LotteryClaimPending(claim=LotteryPrizeClaim.of(outcome.claim))
        return LotteryPrizePaid(claim=LotteryPrizeClaim.of(outcome.claim), replayed=outcome.replayed)


@strawberry.type
class LotteryQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER), description="Your prize claims, newest first.")
    async def lottery_claims(self, info: Info, limit: int = 20) -> LotteryClaimsResult:
        if not 1 <= limit <= MAX_LISTED:
            return InvalidInput(message=t("lottery.limit_range", most=MAX_LISTED), field="limit")
        claims = await service(info).claims_of(user_id=info.context.principal.user_id, limit=limit)
        return LotteryClaimList(claims=[LotteryPrizeClaim.of(c) for c in claims])

    @strawberry.field(
        extensions=requires(Role.OPERATOR),
        description="Operators: a China Standard Time day's prize payouts against the lottery operator's signed "
                    "settlement file (fetched now, after claims in doubt are resolved), every mismatch by kind.",
    )
    async def lottery_settlement(self, info: Info, day: date) -> LotterySettlementResult:
        try:
            report = await service(info).reconcile_day(day)
        except lottery.LotteryError as exc:
            return refusal(exc)
        return LotterySettlement.of(report)
