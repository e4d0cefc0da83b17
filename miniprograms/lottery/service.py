"""The lottery mini-program's public face: prize claims and the daily settlement.

Built once per process by the composition root (``LotteryService.build``); the GraphQL in
``miniprograms/lottery/graphql`` and the commands call only this module. Money moves only
through the ledger's entry point, from the prize pool's merchant account.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date

import httpx
import redis.asyncio as aioredis

from infra import outbound
from infra.settings import Settings
from ledger import service as ledger
from miniprograms.lottery.attempts import Attempts
from miniprograms.lottery.centres import CENTRES, RedemptionCentre
from miniprograms.lottery.claims import (
    ClaimOutcome, ClaimPending, Claims, OfflineRedemption, PrizePaid, Tell, check_input,
)
from miniprograms.lottery.config import LotteryConfig, embedded_operator_seed
from miniprograms.lottery.errors import (
    AccountUnavailable, AlreadyClaimed, AttemptsExhausted, ClaimExpired, InvalidClaim, LotteryError, NotAWinner,
    NotVerified, OperatorUnavailable, PaidElsewhere, SettlementFileRejected, UnknownTicket, WrongSecurityCode,
)
from miniprograms.lottery.kinds import ClaimState, LotteryErrorCode, MismatchKind
from miniprograms.lottery.models import PrizeClaim
from miniprograms.lottery.operator import OperatorClient
from miniprograms.lottery.settlement import Mismatch, SettlementReport, reconcile

__all__ = [
    "AccountUnavailable", "AlreadyClaimed", "AttemptsExhausted", "CENTRES", "ClaimExpired", "ClaimOutcome",
    "ClaimPending", "ClaimState", "InvalidClaim", "LotteryConfig", "LotteryError", "LotteryErrorCode",
    "LotteryService", "Mismatch", "MismatchKind", "NotAWinner", "NotVerified", "OfflineRedemption",
    "OperatorUnavailable", "PaidElsewhere", "PrizeClaim", "PrizePaid", "RedemptionCentre", "SettlementFileRejected",
    "SettlementReport", "UnknownTicket", "WrongSecurityCode", "embedded_operator_seed",
]

log = logging.getLogger("lottery")
PRIZE_POOL_KEY = "lottery:prize-pool"
POOL_FUNDING = ledger.InternalService("lottery prize pool funding")
MAX_LISTED = 100


class LotteryService:
    def __init__(self, *, config: LotteryConfig, redis: aioredis.Redis, ledger_service: ledger.LedgerService,
                 tell: Tell) -> None:
        self.config = config
        self.ledger = ledger_service
        self._http = outbound.http_client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
        self.operator = OperatorClient(config, self._http)
        self._pool: int | None = None
        self._pool_lock = asyncio.Lock()
        self.claims = Claims(
            config=config, operator=self.operator, ledger_service=ledger_service, pool=self.prize_pool, tell=tell,
            attempts=Attempts(redis=redis, namespace=config.namespace, per_ticket=config.wrong_codes_per_ticket,
                              per_user=config.wrong_codes_per_user),
        )

    @classmethod
    def build(cls, settings: Settings, *, redis: aioredis.Redis, ledger_service: ledger.LedgerService,
              tell: Tell) -> LotteryService:
        return cls(config=LotteryConfig.from_settings(settings), redis=redis, ledger_service=ledger_service,
                   tell=tell)

    async def close(self) -> None:
        await self._http.aclose()

    async def prize_pool(self) -> int:
        """The prize pool's merchant account (opened once, by key): where payouts come from."""
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    account = await ledger.open_account(owner_user_id=None, kind=ledger.AccountKind.MERCHANT,
                                                        name="Welfare lottery prize pool",
                                                        idempotency_key=PRIZE_POOL_KEY)
                    self._pool = account.id
        return self._pool

    async def fund_prize_pool(self, *, amount: int, idempotency_key: str) -> int:
        """The operator's money arriving for prizes (from outside the ledger); the pool's balance."""
        settlement = await ledger.open_account(owner_user_id=None, kind=ledger.AccountKind.SETTLEMENT,
                                               name="Lottery operator settlement",
                                               idempotency_key="lottery:operator-settlement")
        pool = await self.prize_pool()
        await self.ledger.transfer(by=POOL_FUNDING, from_account_id=settlement.id, to_account_id=pool, amount=amount,
                                   idempotency_key=idempotency_key, kind=ledger.EntryKind.DEPOSIT,
                                   memo="lottery prize pool")
        return int((await ledger.get_account(account_id=pool)).balance)

    async def claim(self, *, user_id: int, ticket_number: str, security_code: str, latitude: float | None = None,
                    longitude: float | None = None) -> ClaimOutcome:
        """Claim a ticket's prize for a verified customer: paid online up to the limit, exactly once."""
        return await self.claims.claim(user_id=user_id, ticket_number=ticket_number, security_code=security_code,
                                       latitude=latitude, longitude=longitude)

    async def claims_of(self, *, user_id: int, limit: int = 20) -> list[PrizeClaim]:
        limit = min(max(limit, 1), MAX_LISTED)
        return await PrizeClaim.filter(user_id=user_id).order_by("-created_at", "-id").limit(limit)

    async def claim_of(self, *, user_id: int, ticket_number: str) -> PrizeClaim | None:
        """The customer's own claim of this ticket; another's is None."""
        check_input(ticket_number, "000000")
        return await PrizeClaim.get_or_none(ticket_number=ticket_number, user_id=user_id)

    async def resolve_in_doubt(self, *, older_than_seconds: int = 0) -> int:
        """Resolve claims left between steps by asking the operator (the sweep)."""
        return await self.claims.resolve_in_doubt(older_than_seconds=older_than_seconds)

    @contextlib.asynccontextmanager
    async def sweeping(self) -> AsyncIterator[None]:
        """For the life of the block, every ``LOTTERY_SWEEP_SECONDS`` resolve claims left in doubt
        for that long (every worker may run it: each step is a compare-and-set on the claim)."""
        stop = asyncio.Event()

        async def sweep() -> None:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.config.sweep_seconds)
                except TimeoutError:
                    pass
                if stop.is_set():
                    return
                try:
                    await self.resolve_in_doubt(older_than_seconds=int(self.config.sweep_seconds))
                except Exception:  # the next round tries again; a claim in doubt waits, it is never paid twice
                    log.exception("lottery sweep failed")

        task = asyncio.create_task(sweep(), name="lottery-sweep")
        try:
            yield
        finally:
            stop.set()
            await task

    async def reconcile_day(self, day: date) -> SettlementReport:
        """Resolve what is in doubt, then compare the day's payouts with the operator's file."""
        await self.resolve_in_doubt()
        return await reconcile(self.operator, day)
