"""The lottery mini-program's refusals, each with a stable code and a message from the catalogue."""

from __future__ import annotations

from datetime import date, datetime

from infra.i18n import Text

from miniprograms.lottery.kinds import CHINA_STANDARD_TIME, LotteryErrorCode as Code


class LotteryError(Exception):
    code: Code

    def __init__(self, message: Text) -> None:
        super().__init__(message)
        self.text = message

    def __str__(self) -> str:
        return str(self.text)


class InvalidClaim(LotteryError):
    code = Code.INVALID_INPUT

    def __init__(self, message: Text, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class NotVerified(LotteryError):
    code = Code.NOT_VERIFIED

    def __init__(self) -> None:
        super().__init__(Text("lottery.not_verified"))


class AttemptsExhausted(LotteryError):
    code = Code.ATTEMPTS_EXHAUSTED

    def __init__(self, *, retry_after_seconds: int) -> None:
        super().__init__(Text("lottery.attempts_exhausted"))
        self.retry_after_seconds = retry_after_seconds


class UnknownTicket(LotteryError):
    code = Code.UNKNOWN_TICKET

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(Text("lottery.unknown_ticket", left=attempts_left))
        self.attempts_left = attempts_left


class WrongSecurityCode(LotteryError):
    code = Code.WRONG_SECURITY_CODE

    def __init__(self, *, attempts_left: int) -> None:
        super().__init__(Text("lottery.wrong_security_code", left=attempts_left))
        self.attempts_left = attempts_left


class NotAWinner(LotteryError):
    code = Code.NOT_A_WINNER

    def __init__(self) -> None:
        super().__init__(Text("lottery.not_a_winner"))


class ClaimExpired(LotteryError):
    code = Code.CLAIM_EXPIRED

    def __init__(self, *, draw_date: date, deadline: date) -> None:
        super().__init__(Text("lottery.claim_expired", drawn=draw_date.isoformat(), deadline=deadline.isoformat()))
        self.draw_date, self.deadline = draw_date, deadline


class AlreadyClaimed(LotteryError):
    code = Code.ALREADY_CLAIMED

    def __init__(self, *, claimed_at: datetime, claimant_masked: str, by_you: bool) -> None:
        when = claimed_at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")
        super().__init__(Text("lottery.already_claimed", when=when, claimant=claimant_masked))
        self.claimed_at, self.claimant_masked, self.by_you = claimed_at, claimant_masked, by_you


class PaidElsewhere(LotteryError):
    code = Code.PAID_ELSEWHERE

    def __init__(self) -> None:
        super().__init__(Text("lottery.paid_elsewhere"))


class AccountUnavailable(LotteryError):
    code = Code.ACCOUNT_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(Text("lottery.account_unavailable"))


class OperatorUnavailable(LotteryError):
    code = Code.OPERATOR_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__(Text("lottery.operator_unavailable"))


class SettlementFileRejected(LotteryError):
    code = Code.SETTLEMENT_FILE_REJECTED

    def __init__(self, why: Text) -> None:
        super().__init__(Text("lottery.settlement_rejected", why=why))

