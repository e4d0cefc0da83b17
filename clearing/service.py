"""The clearing domain as the rest of the app sees it: ``runtime.clearing``.

Customers' top-ups and withdrawals (``top_up``, ``withdraw``, ``movement``), the network's
notifications (``receive_notification``, behind the callback route), the background step
that asks about late results (``sweep_once``, ``running``) and the daily settlement
(``reconcile_day``). Other packages import only this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import httpx
import redis.asyncio as aioredis

from infra import outbound
from infra.pubsub import EventBroker
from infra.settings import Settings
from ledger.service import Customer, LedgerService

from clearing.books import Books
from clearing.config import ClearingConfig, embedded_network_seed
from clearing.errors import (
    CallbackCode, CallbackRefused, ClearingError, InvalidMovement, MovementConflict, MovementNotFound,
    NetworkNotConfigured, NetworkUnavailable, SettlementFileRejected,
)
from clearing.inbound import InboundCredits
from clearing.kinds import MovementKind, MovementStatus, QuarantineReason
from clearing.models import CardMovement
from clearing.movements import CardByToken, Movements
from clearing.network import NetworkClient
from clearing.notifications import CallbackGuard, Notification
from clearing.outcomes import Outcomes
from clearing.reconcile import Mismatch, MismatchKind, SettlementReport, reconcile_day
from clearing.signing import RESPONSE
from clearing.sweep import Sweep

__all__ = [
    "CallbackAnswer", "CallbackCode", "CardByToken", "CallbackRefused", "CardMovementView", "ClearingConfig", "ClearingError",
    "ClearingService", "InvalidMovement", "Mismatch", "MismatchKind", "MovementConflict", "MovementKind",
    "MovementNotFound", "MovementStatus", "NetworkNotConfigured", "NetworkUnavailable", "SettlementFileRejected",
    "SettlementReport", "StartedMovement", "embedded_network_seed",
]


@dataclass(frozen=True, slots=True)
class CardMovementView:
    """A top-up, withdrawal or inbound credit as its customer sees it."""

    id: str  # the request id
    kind: MovementKind
    status: MovementStatus
    amount: int
    currency: str
    account_id: int | None
    card_account_id: int | None
    card_masked: str | None
    decline_reason: str | None
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, row: CardMovement) -> CardMovementView:
        return cls(row.request_id, row.kind, row.status, row.amount, row.currency, row.account_id,
                   row.card_account_id, row.card_masked, row.decline_reason, row.created_at, row.settled_at)


@dataclass(frozen=True, slots=True)
class StartedMovement:
    movement: CardMovementView
    replayed: bool  # a retry with the same key: nothing new was asked of the network


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the callback route answers the network: status, JSON body and signature headers."""

    status: int
    body: bytes
    headers: dict[str, str]


class ClearingService:
    def __init__(self, *, config: ClearingConfig, ledger: LedgerService, redis: aioredis.Redis,
                 broker: EventBroker, http: httpx.AsyncClient) -> None:
        self.config = config
        self.broker = broker
        self._http = http
        self.network = NetworkClient(config, http)
        self.books = Books()
        self.outcomes = Outcomes(ledger_service=ledger, books=self.books, published=self._published)
        self.movements = Movements(config=config, ledger_service=ledger, network=self.network,
                                   outcomes=self.outcomes, books=self.books, events=self._results)
        self.inbound = InboundCredits(ledger_service=ledger, books=self.books)
        self.guard = CallbackGuard(verifier=self.network.verifier, redis=redis, namespace=config.namespace,
                                   max_bytes=config.max_notification_bytes)
        self.sweep = Sweep(config=config, movements=self.movements)

    @classmethod
    def build(cls, settings: Settings, *, ledger: LedgerService, redis: aioredis.Redis,
              broker: EventBroker) -> ClearingService:
        config = ClearingConfig.from_settings(settings)
        http = outbound.http_client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
        return cls(config=config, ledger=ledger, redis=redis, broker=broker, http=http)

    async def close(self) -> None:
        await self._http.aclose()

    # --- customers -------------------------------------------------------------------
    async def top_up(self, *, by: Customer, account_id: int | None, card_account_id: int | None, amount: int,
                     idempotency_key: str, card_token: CardByToken | None = None) -> StartedMovement:
        """Debit the customer's bound card into their Class II account, through the network (by
        default their Class II account and their one bound card).

        Ledger refusals propagate (StepUpRequired, WrongPin, LimitExceeded, AccountFrozen,
        AccountNotFound, InvalidRequest, ...); MovementConflict when the key was used for
        another request. A mini-program's or partner's request names the card by ``card_token``
        (the app's token, ledger.service.card_token_for) instead of ``card_account_id``:
        CardTokenNotFound, CardTokenNotForThisApp, CardTokenSuspended."""
        started = await self.movements.top_up(by=by, account_id=account_id, card_account_id=card_account_id,
                                              amount=amount, client_key=idempotency_key, card_token=card_token)
        return StartedMovement(CardMovementView.of(started.row), started.replayed)

    async def withdraw(self, *, by: Customer, account_id: int | None, card_account_id: int | None, amount: int,
                       idempotency_key: str, card_token: CardByToken | None = None) -> StartedMovement:
        """Send money from the customer's Class II account to their bound card, through the network
        (the card named as for ``top_up``)."""
        started = await self.movements.withdraw(by=by, account_id=account_id, card_account_id=card_account_id,
                                                amount=amount, client_key=idempotency_key, card_token=card_token)
        return StartedMovement(CardMovementView.of(started.row), started.replayed)

    async def movement(self, *, user_id: int, movement_id: str) -> CardMovementView:
        row = await CardMovement.get_or_none(request_id=movement_id[:64], user_id=user_id)
        if row is None:
            raise MovementNotFound()
        return CardMovementView.of(row)

    # --- the network -------------------------------------------------------------------
    async def receive_notification(self, *, headers: Mapping[str, str], path: str, body: bytes) -> CallbackAnswer:
        """Check and book one notification; a refusal is a typed 4xx and moves nothing."""
        try:
            note = await self.guard.admit(headers=headers, path=path, body=body)
            if note.inbound:
                status = await self.inbound.receive(note)
            else:
                status = await self._result(note)
        except CallbackRefused as refusal:
            return self._answer(path, refusal.status, {"error": {"code": refusal.code.value, "message": str(refusal)}})
        return self._answer(path, 200, {"acknowledged": True, "requestId": note.movement.request_id,
                                        "status": status.value.upper()})

    async def _result(self, note: Notification) -> MovementStatus:
        row = await CardMovement.get_or_none(request_id=note.movement.request_id)
        if row is None or row.kind is MovementKind.INBOUND:
            raise CallbackRefused(CallbackCode.UNKNOWN_MOVEMENT, "the bank did not ask for this movement")
        if note.type != ("DEBIT_RESULT" if row.kind is MovementKind.TOPUP else "CREDIT_RESULT"):
            return await self.outcomes.quarantine(row, QuarantineReason.KIND_DIFFERS, note.movement,
                                                  source="notification")
        return await self.outcomes.apply(row, note.movement, source="notification")

    def _answer(self, path: str, status: int, payload: dict[str, object]) -> CallbackAnswer:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return CallbackAnswer(status, body, self.network.signer.headers(RESPONSE, path, body))

    async def _published(self, request_id: str, status: MovementStatus) -> None:
        await self.broker.publish(f"clearing:{request_id}", {"status": status.value})

    def _results(self, request_id: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[dict[str, object]]]:
        return self.broker.subscribe(f"clearing:{request_id}")

    # --- the background step -----------------------------------------------------------------
    async def sweep_once(self) -> int:
        """Ask the network about every movement whose result is late; how many were asked about."""
        return await self.sweep.once()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The background step as a task for the life of the block (the server in embedded mode)."""
        stop = asyncio.Event()
        task = asyncio.create_task(self.sweep.run(stop), name="clearing-sweep")
        try:
            yield
        finally:
            stop.set()
            await task

    # --- settlement ------------------------------------------------------------------------
    async def reconcile_day(self, day: date, *, limit: int = 1_000) -> SettlementReport:
        """The day's movements against the network's signed settlement file, fetched as a stream.

        SettlementFileRejected when the file does not prove itself; NetworkUnavailable when it
        cannot be fetched."""
        return await reconcile_day(
            day=day, chunks=self.network.settlement_file(day.isoformat()), verifier=self.network.verifier,
            books=self.books, pending_max_age=timedelta(seconds=self.config.pending_max_age_seconds), limit=limit,
        )
