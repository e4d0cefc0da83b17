"""A prize claim, its outcomes and its refusals, as clients see them."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from bff.errors import Error
from bff.ledger.types import Fen
from miniprograms.lottery import service as lottery

LotteryClaimState = strawberry.enum(lottery.ClaimState, name="LotteryClaimState", description=(
    "RESERVING: the operator's answer is awaited; RESERVED: held for you, not paid yet; PAID: in your account, "
    "the operator's confirmation awaited; CONFIRMED: paid and confirmed; CANCELLING: not paid, being given back."
))
LotteryErrorCode = strawberry.enum(lottery.LotteryErrorCode, name="LotteryErrorCode")
LotterySettlementMismatchKind = strawberry.enum(lottery.MismatchKind, name="LotterySettlementMismatchKind")


@strawberry.type(description="Your claim of one ticket's prize.")
class LotteryPrizeClaim:
    ticket_number: str
    game: str
    draw: str
    draw_date: date
    prize: Fen
    state: LotteryClaimState
    claimed_at: datetime
    confirmed_at: datetime | None
    account_id: strawberry.ID = strawberry.field(description="Your Class II account the prize is paid to.")

    @classmethod
    def of(cls, claim: lottery.PrizeClaim) -> LotteryPrizeClaim:
        return cls(ticket_number=claim.ticket_number, game=claim.game, draw=claim.draw, draw_date=claim.draw_date,
                   prize=claim.prize, state=claim.state, claimed_at=claim.created_at,
                   confirmed_at=claim.confirmed_at, account_id=strawberry.ID(str(claim.account_id)))


@strawberry.type
class LotteryClaimList:
    claims: list[LotteryPrizeClaim]


@strawberry.type(description="The prize is in your Class II account, and a message in your inbox.")
class LotteryPrizePaid:
    claim: LotteryPrizeClaim
    replayed: bool = strawberry.field(description="You had claimed it already: nothing more was paid now.")


@strawberry.type(description="The lottery operator has not answered yet; the claim is finished by asking it, "
                             "never by paying twice. See `lotteryClaims`.")
class LotteryClaimPending:
    claim: LotteryPrizeClaim


@strawberry.type(description="Above the online limit (500 yuan): redeem it at a centre, in person, before the deadline.")
class LotteryOfflineRedemption:
    prize: Fen
    game: str
    draw: str
    redeem_by: datetime = strawberry.field(description="The end of the claim period (60 days after the draw).")
    centre_name: str
    centre_address: str
    what_to_bring: str

    @classmethod
    def of(cls, outcome: lottery.OfflineRedemption) -> LotteryOfflineRedemption:
        return cls(prize=outcome.prize, game=outcome.game, draw=outcome.draw, redeem_by=outcome.deadline,
                   centre_name=str(outcome.centre.name), centre_address=str(outcome.centre.address),
                   what_to_bring=str(outcome.what_to_bring))


@strawberry.interface(description="A claim refused: nothing was paid.")
class LotteryRefusal(Error):
    code: LotteryErrorCode


@strawberry.type(description="Only a customer with a Class II account opened through identity verification may claim.")
class LotteryVerificationRequired(LotteryRefusal):
    pass


@strawberry.type(description="Your Class II account is frozen or closed: nothing was paid.")
class LotteryAccountUnavailable(LotteryRefusal):
    pass


@strawberry.type(description="No such ticket at the lottery operator.")
class LotteryUnknownTicket(LotteryRefusal):
    attempts_left: int


@strawberry.type(description="The security code does not match the ticket.")
class LotteryWrongSecurityCode(LotteryRefusal):
    attempts_left: int


@strawberry.type(description="Too many wrong security codes, for this ticket or from you; try again later.")
class LotteryAttemptsExhausted(LotteryRefusal):
    retry_after_seconds: int


@strawberry.type(description="This ticket did not win a prize.")
class LotteryNotAWinner(LotteryRefusal):
    pass


@strawberry.type(description="CLAIM_EXPIRED: a prize must be claimed within 60 days of the draw.")
class LotteryClaimExpired(LotteryRefusal):
    draw_date: date
    deadline: date


@strawberry.type(description="Someone claimed this ticket already; `claimantMaskedName` is their verified name, masked.")
class LotteryTicketAlreadyClaimed(LotteryRefusal):
    claimed_at: datetime
    claimant_masked_name: str
    by_you: bool


@strawberry.type(description="The prize was paid (or is being paid) through another channel, such as a shop.")
class LotteryPaidElsewhere(LotteryRefusal):
    pass


@strawberry.type(description="The lottery operator cannot be reached or cannot take the claim now; nothing was paid.")
class LotteryOperatorUnavailable(LotteryRefusal):
    pass


@strawberry.type(description="The operator's settlement file was incomplete, altered or not signed by it.")
class LotterySettlementFileRejected(LotteryRefusal):
    pass


@strawberry.input
class ClaimLotteryPrizeInput:
    ticket_number: str = strawberry.field(description="8-32 digits, as printed on the ticket.")
    security_code: str = strawberry.field(description="6-12 digits, under the ticket's scratch-off panel.")
    latitude: float | None = strawberry.field(default=None, description="Where you are, to find the nearest centre.")
    longitude: float | None = None


@strawberry.type(description="One difference between our payouts and the operator's settlement file.")
class LotterySettlementMismatch:
    kind: LotterySettlementMismatchKind
    reservation_id: str
    ticket_number: str
    our_amount: Fen | None
    their_amount: Fen | None


@strawberry.type(description="A China Standard Time day's prize payouts against the operator's settlement file.")
class LotterySettlement:
    day: date
    balanced: bool
    operator_payouts: int
    operator_total: Fen
    our_payouts: int
    our_total: Fen
    mismatches: list[LotterySettlementMismatch]

    @classmethod
    def of(cls, report: lottery.SettlementReport) -> LotterySettlement:
        return cls(day=report.day, balanced=report.balanced, operator_payouts=report.operator_count,
                   operator_total=report.operator_total, our_payouts=report.bank_count, our_total=report.bank_total,
                   mismatches=[LotterySettlementMismatch(kind=m.kind, reservation_id=m.reservation_id,
                                                         ticket_number=m.ticket_number, our_amount=m.bank_amount,
                                                         their_amount=m.operator_amount)
                               for m in report.mismatches])
