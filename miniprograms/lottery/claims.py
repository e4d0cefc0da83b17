"""A prize claim, exactly once: reserve at the operator, pay in the ledger, confirm at the operator.

One row per ticket (``PrizeClaim``, unique ticket number) decides which of any number of
concurrent claims, in any worker, goes on; the others are told it is claimed. Each step is
a compare-and-set on the row's state, so a claim resumed later (by the customer's retry or
the in-doubt sweep) takes each step at most once. An answer that never came (a timeout) is
resolved by asking the operator about the reservation, never by paying again: the payout is
posted under the reservation's idempotency key, so even a repeated post is the same entry.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import DoesNotExist, IntegrityError

from infra.i18n import Text
from kyc.service import verified_masked_name
from ledger import service as ledger
from miniprograms.lottery import errors
from miniprograms.lottery.attempts import Attempts
from miniprograms.lottery.centres import WHAT_TO_BRING, RedemptionCentre, nearest_centre
from miniprograms.lottery.config import LotteryConfig
from miniprograms.lottery.kinds import CHINA_STANDARD_TIME, ClaimState, china_day
from miniprograms.lottery.models import PrizeClaim
from miniprograms.lottery.operator import InDoubt, OperatorClient, OperatorReservation, OperatorTicket, Refused
from miniprograms.lottery.signing import same_hash, security_code_hash

log = logging.getLogger("lottery.claims")
TICKET_NUMBER = re.compile(r"^[0-9]{8,32}$")
SECURITY_CODE = re.compile(r"^[0-9]{6,12}$")
PAYOUT = ledger.InternalService("lottery prize payout")
class Tell(Protocol):
    """Puts a message from the bank in a customer's inbox (openplatform's, lent by the root)."""

    async def __call__(self, *, user_id: int, topic: str, title: str, body: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PrizePaid:
    claim: PrizeClaim
    replayed: bool  # this customer's claim was already paid: nothing moved now


@dataclass(frozen=True, slots=True)
class ClaimPending:
    """The operator's answer is not known yet; the claim is resolved by query, never paid twice."""

    claim: PrizeClaim


@dataclass(frozen=True, slots=True)
class OfflineRedemption:
    prize: int
    game: str
    draw: str
    deadline: datetime
    centre: RedemptionCentre
    what_to_bring: Text = WHAT_TO_BRING


ClaimOutcome = PrizePaid | ClaimPending | OfflineRedemption


def check_input(ticket_number: object, security_code: object) -> tuple[str, str]:
    if not isinstance(ticket_number, str) or not TICKET_NUMBER.match(ticket_number):
        raise errors.InvalidClaim(Text("lottery.ticket_number_format"), field="ticketNumber")
    if not isinstance(security_code, str) or not SECURITY_CODE.match(security_code):
        raise errors.InvalidClaim(Text("lottery.security_code_format"), field="securityCode")
    return ticket_number, security_code


class Claims:
    def __init__(self, *, config: LotteryConfig, operator: OperatorClient, attempts: Attempts,
                 ledger_service: ledger.LedgerService, pool: Callable[[], Awaitable[int]], tell: Tell) -> None:
        self.config = config
        self.operator = operator
        self.attempts = attempts
        self.ledger = ledger_service
        self.pool = pool  # the prize pool's merchant account id
        self.tell = tell

    async def claim(self, *, user_id: int, ticket_number: str, security_code: str,
                    latitude: float | None = None, longitude: float | None = None) -> ClaimOutcome:
        ticket_number, security_code = check_input(ticket_number, security_code)
        claimant = await verified_masked_name(user_id=user_id)
        account = await ledger.class_two_account_of(owner_user_id=user_id)
        if claimant is None:
            raise errors.NotVerified()
        if account is None:  # verified, but their Class II account is frozen or closed
            raise errors.AccountUnavailable()
        existing = await PrizeClaim.get_or_none(ticket_number=ticket_number)
        if existing is not None:
            return await self._claimed_before(existing, user_id)
        await self.attempts.check(user_id=user_id, ticket_number=ticket_number)
        ticket = await self._verified_ticket(user_id, ticket_number, security_code)
        if ticket.state != "UNCLAIMED":
            existing = await PrizeClaim.get_or_none(ticket_number=ticket_number)
            if existing is not None:  # reserved or paid through us, by a claim that won a race
                return await self._claimed_before(existing, user_id)
            raise errors.PaidElsewhere()
        if ticket.prize == 0:
            raise errors.NotAWinner()
        if datetime.now(timezone.utc) > self._deadline(ticket):
            raise errors.ClaimExpired(draw_date=ticket.draw_date,
                                      deadline=ticket.draw_date + timedelta(days=self.config.claim_days))
        if ticket.prize > self.config.online_limit:
            return OfflineRedemption(prize=ticket.prize, game=ticket.game, draw=ticket.draw,
                                     deadline=self._deadline(ticket), centre=nearest_centre(latitude, longitude))
        try:
            claim = await PrizeClaim.create(
                ticket_number=ticket_number, reservation_id=f"LP-{ticket_number}-{secrets.token_hex(4)}",
                user_id=user_id, account_id=account.id, claimant_masked=claimant, game=ticket.game,
                draw=ticket.draw, draw_date=ticket.draw_date, prize=ticket.prize,
            )
        except IntegrityError:  # another claim of this ticket got there first, in this worker or another
            existing = await PrizeClaim.get_or_none(ticket_number=ticket_number)
            if existing is None:
                raise errors.OperatorUnavailable() from None  # it failed and was released meanwhile: try again
            return await self._claimed_before(existing, user_id)
        return await self.advance(claim, code_hash=ticket.security_code_hash, asked_now=True)

    async def _claimed_before(self, claim: PrizeClaim, user_id: int) -> ClaimOutcome:
        if claim.user_id != user_id:
            raise errors.AlreadyClaimed(claimed_at=claim.created_at, claimant_masked=claim.claimant_masked,
                                        by_you=False)
        if claim.state is ClaimState.CONFIRMED:
            return PrizePaid(claim, replayed=True)
        return await self.advance(claim)  # the customer's retry resumes their own claim

    def _deadline(self, ticket: OperatorTicket) -> datetime:
        """The end of the draw day plus the claim days, China Standard Time (the regulation's 60 days)."""
        last_day = ticket.draw_date + timedelta(days=self.config.claim_days)
        return datetime.combine(last_day, datetime.max.time(), CHINA_STANDARD_TIME).replace(microsecond=0)

    async def _verified_ticket(self, user_id: int, ticket_number: str, security_code: str) -> OperatorTicket:
        found = await self.operator.lookup(ticket_number)
        if isinstance(found, InDoubt):
            log.warning("ticket look-up in doubt: %s", found.why)
            raise errors.OperatorUnavailable()
        if isinstance(found, Refused):
            if found.code != "UNKNOWN_TICKET":
                raise errors.OperatorUnavailable()
            raise errors.UnknownTicket(attempts_left=await self.attempts.failed(user_id=user_id,
                                                                                ticket_number=ticket_number))
        if not same_hash(found.security_code_hash, security_code_hash(ticket_number, security_code)):
            raise errors.WrongSecurityCode(attempts_left=await self.attempts.failed(user_id=user_id,
                                                                                    ticket_number=ticket_number))
        return found

    # --- the steps, each taken once whoever resumes the claim ---------------------------

    async def advance(self, claim: PrizeClaim, *, code_hash: str | None = None,
                      asked_now: bool = False) -> ClaimOutcome:
        """Take the claim as far as it can go now: reserved, paid, confirmed."""
        paid_now = False
        if claim.state is ClaimState.RESERVING:
            reserved = await self._reserve(claim, code_hash, asked_now)
            if reserved is None:
                return ClaimPending(claim)
        if claim.state is ClaimState.CANCELLING:
            await self._cancel(claim)
            raise errors.AccountUnavailable()
        if claim.state is ClaimState.RESERVED:
            paid_now = await self._pay(claim)
        if claim.state is ClaimState.PAID:
            await self._confirm(claim)
        if claim.state is ClaimState.RESERVED:  # the payout's row moved under us and back: not paid yet
            return ClaimPending(claim)
        return PrizePaid(claim, replayed=not paid_now)

    async def _move(self, claim: PrizeClaim, to: ClaimState, **changes) -> bool:
        """Compare-and-set: only the caller that finds the claim in its state moves it on."""
        moved = await PrizeClaim.filter(id=claim.id, state=claim.state).update(state=to, **changes)
        if moved:
            claim.state = to
            for name, value in changes.items():
                setattr(claim, name, value)
        else:
            await _reread(claim)
        return bool(moved)

    async def _release(self, claim: PrizeClaim) -> None:
        """No money moved and the operator holds nothing: the ticket may be claimed again."""
        await PrizeClaim.filter(id=claim.id, state=claim.state).delete()

    async def _reserve(self, claim: PrizeClaim, code_hash: str | None, asked_now: bool) -> OperatorReservation | None:
        answer: OperatorReservation | Refused | InDoubt
        if asked_now and code_hash is not None:
            answer = await self.operator.reserve(reservation_id=claim.reservation_id,
                                                 ticket_number=claim.ticket_number, code_hash=code_hash,
                                                 amount=claim.prize)
        else:
            answer = InDoubt("resumed")
        if isinstance(answer, InDoubt):
            answer = await self.operator.query(claim.reservation_id)
            if isinstance(answer, Refused) and answer.code == "NOT_FOUND" and code_hash is not None:
                # It never reached the operator: asking again under the same id is safe.
                answer = await self.operator.reserve(reservation_id=claim.reservation_id,
                                                     ticket_number=claim.ticket_number, code_hash=code_hash,
                                                     amount=claim.prize)
        if isinstance(answer, InDoubt):
            log.warning("reservation %s in doubt: %s", claim.reservation_id, answer.why)
            return None
        if isinstance(answer, Refused):
            if answer.code == "NOT_FOUND":
                # Resumed without the code and the operator never booked it. Only once the first
                # request has certainly ended (our own timeout, twice over) is the ticket given back:
                # before that, a double tap's second request would free a reservation in flight.
                age = (datetime.now(timezone.utc) - claim.created_at).total_seconds()
                if age <= 2 * self.config.request_timeout_seconds:
                    return None
                await self._release(claim)
                raise errors.OperatorUnavailable()
            await self._release(claim)
            if answer.code in ("ALREADY_PAID", "ALREADY_RESERVED"):
                raise errors.PaidElsewhere()
            if answer.code == "UNKNOWN_TICKET":
                raise errors.UnknownTicket(attempts_left=await self.attempts.failed(
                    user_id=claim.user_id, ticket_number=claim.ticket_number))
            log.warning("reservation %s refused: %s", claim.reservation_id, answer.code)
            raise errors.OperatorUnavailable()
        if answer.state == "CANCELLED":
            await self._release(claim)
            raise errors.OperatorUnavailable()
        if answer.amount != claim.prize or answer.ticket_number != claim.ticket_number:
            log.error("reservation %s does not match the claim", claim.reservation_id)
            return None  # left in doubt for an operator: paying a different amount is never right
        if answer.state == "CONFIRMED":  # a confirmation of ours in doubt would have needed a payment first
            log.error("reservation %s confirmed before it was paid", claim.reservation_id)
            return None
        await self._move(claim, ClaimState.RESERVED)
        return answer

    async def _pay(self, claim: PrizeClaim) -> bool:
        """Post the payout (once, under the reservation's key); True when this call posted it."""
        pool = await self.pool()

        async def mark_paid(entry) -> None:  # in the ledger's transaction: the claim is paid with the entry
            moved = await PrizeClaim.filter(id=claim.id, state=ClaimState.RESERVED).update(
                state=ClaimState.PAID, entry_id=entry.id)
            if not moved:
                raise errors.OperatorUnavailable()  # someone else moved it on: this entry is not written
            await self.tell(user_id=claim.user_id, topic="lottery.prize_paid",
                            title=str(Text("lottery.paid_title", amount=_yuan(claim.prize))),
                            body=str(Text("lottery.paid_body", game=claim.game, draw=claim.draw,
                                          amount=_yuan(claim.prize), last4=claim.ticket_number[-4:])))

        try:
            entry = await self.ledger.transfer(
                by=PAYOUT, from_account_id=pool, to_account_id=claim.account_id, amount=claim.prize,
                idempotency_key=f"lottery:{claim.reservation_id}", memo=f"lottery {claim.game} {claim.draw}",
                kind=ledger.EntryKind.PRIZE_PAYOUT, also_write=mark_paid,
            )
        except errors.OperatorUnavailable:  # another request of this claim paid it meanwhile
            await _reread(claim)
            return False
        except (ledger.AccountFrozen, ledger.AccountClosed, ledger.AccountNotFound, ledger.InsufficientFunds) as exc:
            log.warning("payout of %s declined: %s", claim.reservation_id, type(exc).__name__)
            if await self._move(claim, ClaimState.CANCELLING):
                await self._cancel(claim)
            if isinstance(exc, ledger.InsufficientFunds):
                raise errors.OperatorUnavailable() from None
            raise errors.AccountUnavailable() from None
        if entry.replayed:  # posted before, by a step whose claim row did not follow: catch it up
            await self._move(claim, ClaimState.PAID, entry_id=entry.id)
            return False
        await _reread(claim)
        return True

    async def _cancel(self, claim: PrizeClaim) -> None:
        answer = await self.operator.cancel(claim.reservation_id)
        if isinstance(answer, InDoubt):
            return  # stays CANCELLING: the sweep asks again
        if isinstance(answer, Refused) and answer.code == "ALREADY_CONFIRMED":
            log.error("reservation %s was confirmed though its payout was declined", claim.reservation_id)
            return
        await self._release(claim)

    async def _confirm(self, claim: PrizeClaim) -> None:
        answer = await self.operator.confirm(claim.reservation_id, bank_ref=f"entry-{claim.entry_id}")
        if isinstance(answer, Refused) and answer.code == "ALREADY_CONFIRMED" or isinstance(answer, InDoubt):
            answer = await self.operator.query(claim.reservation_id)  # the operator's books decide
            if isinstance(answer, OperatorReservation) and answer.state == "RESERVED":
                answer = await self.operator.confirm(claim.reservation_id, bank_ref=f"entry-{claim.entry_id}")
        if isinstance(answer, OperatorReservation) and answer.state == "CONFIRMED":
            confirmed_at = answer.confirmed_at or datetime.now(timezone.utc)
            await self._move(claim, ClaimState.CONFIRMED, confirmed_at=confirmed_at,
                             business_day=china_day(confirmed_at))
            return
        why = answer.why if isinstance(answer, InDoubt) else getattr(answer, "code", getattr(answer, "state", ""))
        log.warning("confirmation of %s not known yet: %s", claim.reservation_id, why)

    async def resolve_in_doubt(self, *, older_than_seconds: int = 0, limit: int = 500) -> int:
        """Take every claim left between steps (a timeout, a crash) as far as it goes; how many moved."""
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than_seconds)
        waiting = await PrizeClaim.filter(state__not=ClaimState.CONFIRMED, updated_at__lte=cutoff).order_by(
            "updated_at").limit(limit)
        settled = 0
        for claim in waiting:
            try:
                outcome = await self.advance(claim)
            except errors.LotteryError:
                settled += 1  # released: nothing was paid
                continue
            settled += isinstance(outcome, PrizePaid) and claim.state is ClaimState.CONFIRMED
        return settled


async def _reread(claim: PrizeClaim) -> None:
    """The claim as another request left it; gone means it was released: nothing was paid."""
    try:
        await claim.refresh_from_db()
    except DoesNotExist:
        raise errors.OperatorUnavailable() from None


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
