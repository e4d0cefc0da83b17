"""Top-ups and withdrawals as a customer starts them, and how each learns its result.

The movement's row is written before the request leaves, so a notification that beats
the answer (or the answer to a retry) always finds it. A withdrawal's money leaves the
Class II account in the same transaction as its row: it cannot be spent twice while the
network decides. A top-up is credited only when the network confirms it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from infra.i18n import Text
from ledger.service import (
    Account, AccountKind, AccountNotFound, AccountStatus, Customer, EntryKind, LedgerService, accounts_of, class_two_account_of,
)

from clearing.books import Books, settlement_day
from clearing.config import ClearingConfig
from clearing.errors import InvalidMovement, MovementConflict, NetworkNotConfigured
from clearing.kinds import MovementKind, MovementStatus
from clearing.models import CardMovement
from clearing.network import Accepted, NetworkClient, NetworkMovement, NotFound, Refused
from clearing.outcomes import Outcomes

CURRENCY = "CNY"
_CLIENT_KEY = range(8, 65)


@dataclass(frozen=True, slots=True)
class CardByToken:
    """A card named as a mini-program or partner knows it: the app's token, and which app sent it."""

    app_id: str
    token: str


@dataclass(frozen=True, slots=True)
class Started:
    row: CardMovement
    replayed: bool


class Movements:
    def __init__(self, *, config: ClearingConfig, ledger_service: LedgerService, network: NetworkClient,
                 outcomes: Outcomes, books: Books, events) -> None:
        self.config = config
        self.ledger = ledger_service
        self.network = network
        self.outcomes = outcomes
        self.books = books
        self.events = events  # (request_id) -> async context manager yielding an async iterator of events

    async def top_up(self, *, by: Customer, account_id: int | None, card_account_id: int | None, amount: int,
                     client_key: str, card_token: CardByToken | None = None) -> Started:
        """Debit the customer's bound card into their Class II account, once per key. The card is
        named by its account, or by an app's token for it (detokenised by the ledger)."""
        self._check_network()
        _check_key(client_key)
        named = await self._card_of_token(by, card_token)
        account_id, card_account_id = await _own_accounts(by.user_id, account_id,
                                                          named[0].id if named else card_account_id)
        fingerprint = _fingerprint(MovementKind.TOPUP, account_id, card_account_id, amount)
        existing = await _replay(by.user_id, client_key, fingerprint)
        if existing is not None:
            return Started(existing, replayed=True)
        try:
            await self.ledger.check_incoming(by=by, to_account_id=account_id, amount=amount, kind=EntryKind.TOPUP)
        except AccountNotFound:
            raise _no_such("account_id") from None
        card, number = named or await self._card(by, card_account_id)
        try:
            row = await CardMovement.create(**self._new_row(MovementKind.TOPUP, by.user_id, account_id, card,
                                                            amount, client_key, fingerprint))
        except IntegrityError:  # the same key twice at once: one row, the other is a replay
            return Started(await _replay(by.user_id, client_key, fingerprint, must_exist=True), replayed=True)
        return Started(await self._ask(row, number), replayed=False)

    async def withdraw(self, *, by: Customer, account_id: int | None, card_account_id: int | None, amount: int,
                       client_key: str, card_token: CardByToken | None = None) -> Started:
        """Send money from the customer's Class II account to their bound card, once per key."""
        self._check_network()
        _check_key(client_key)
        named = await self._card_of_token(by, card_token)
        account_id, card_account_id = await _own_accounts(by.user_id, account_id,
                                                          named[0].id if named else card_account_id)
        fingerprint = _fingerprint(MovementKind.WITHDRAWAL, account_id, card_account_id, amount)
        existing = await _replay(by.user_id, client_key, fingerprint)
        if existing is not None:
            return Started(existing, replayed=True)
        card, number = named or await self._card(by, card_account_id)
        accounts = await self.books.accounts()
        fields = self._new_row(MovementKind.WITHDRAWAL, by.user_id, account_id, card, amount, client_key, fingerprint)
        created: list[CardMovement] = []

        async def record(entry) -> None:
            created.append(await CardMovement.create(pending_entry_id=entry.id, **fields))

        # The customer's own act: the ledger checks ownership, the PIN above the threshold and the limits.
        try:
            entry = await self.ledger.transfer(
                by=by, from_account_id=account_id, to_account_id=accounts.in_transit, amount=amount,
                kind=EntryKind.WITHDRAWAL, idempotency_key=f"clearing:withdrawal:{by.user_id}:{client_key}",
                memo=f"withdrawal to card {card.card_masked}", also_write=record,
            )
        except IntegrityError:  # the key is this customer's top-up's
            raise MovementConflict() from None
        except AccountNotFound:
            raise _no_such("account_id") from None
        if entry.replayed or not created:
            return Started(await _replay(by.user_id, client_key, fingerprint, must_exist=True), replayed=True)
        return Started(await self._ask(created[0], number), replayed=False)

    async def _card(self, by: Customer, card_account_id: int):
        try:
            return await self.ledger.bound_card_number(owner_user_id=by.user_id, account_id=card_account_id)
        except AccountNotFound:
            raise _no_such("card_account_id") from None

    async def _card_of_token(self, by: Customer, named: CardByToken | None) -> tuple[Account, str] | None:
        """The card an app's token names, for this customer: the ledger alone maps it back
        (CardTokenNotFound, CardTokenNotForThisApp, CardTokenSuspended propagate)."""
        if named is None:
            return None
        return await self.ledger.card_number_for_token(owner_user_id=by.user_id, app_id=named.app_id,
                                                       token=named.token)

    def _check_network(self) -> None:
        if self.config.embedded:  # refused before any row is written: nothing is left pending
            raise NetworkNotConfigured()

    def _new_row(self, kind: MovementKind, user_id: int, account_id: int, card, amount: int, client_key: str,
                 fingerprint: str) -> dict:
        now = datetime.now(timezone.utc)
        return {
            "request_id": f"{'T' if kind is MovementKind.TOPUP else 'W'}{secrets.token_hex(12)}", "kind": kind,
            "user_id": user_id, "account_id": account_id, "card_account_id": card.id, "card_masked": card.card_masked,
            "amount": amount, "currency": CURRENCY, "client_key": client_key, "fingerprint": fingerprint,
            "business_day": settlement_day(now),
            "next_query_at": now + timedelta(seconds=self.config.notification_grace_seconds),
        }

    async def _ask(self, row: CardMovement, card_number: str) -> CardMovement:
        """Send the request and book what the answer says; wait a little for the result."""
        async with self.events(row.request_id) as results:  # listening before asking: the result can come first
            answer = await self.network.submit(
                kind=row.kind.network_kind, request_id=row.request_id, card=card_number, amount=row.amount,
                currency=row.currency, description="top-up" if row.kind is MovementKind.TOPUP else "withdrawal",
            )
            if isinstance(answer, Accepted):
                await self.outcomes.apply(row, answer.movement, source="answer")
            elif isinstance(answer, Refused):
                await self.outcomes.decline(row, answer.code, at_network=False)
            elif answer.unreachable:
                await self.outcomes.decline(row, "NETWORK_UNREACHABLE", at_network=False)
            else:
                await self.resolve(row)
            row = await CardMovement.get(id=row.id)
            if row.status is MovementStatus.PENDING and self.config.answer_wait_seconds > 0:
                try:
                    async with asyncio.timeout(self.config.answer_wait_seconds):
                        async for _ in results:
                            break
                except TimeoutError:
                    pass
                row = await CardMovement.get(id=row.id)
        return row

    async def resolve(self, row: CardMovement) -> MovementStatus:
        """Ask the network how a pending movement stands, and book the answer."""
        result = await self.network.query(row.request_id)
        if isinstance(result, NetworkMovement):
            return await self.outcomes.apply(row, result, source="query")
        if isinstance(result, NotFound):
            age = datetime.now(timezone.utc) - row.created_at
            if age >= timedelta(seconds=self.config.not_found_after_seconds):
                # The request ended long ago and the network has no trace of it: it never arrived.
                return await self.outcomes.decline(row, "NOT_AT_NETWORK", at_network=False)
        return row.status  # in doubt, or not found yet: asked again later


async def _own_accounts(user_id: int, account_id: int | None, card_account_id: int | None) -> tuple[int, int]:
    """The accounts named, or by default the customer's Class II account and their one bound card."""
    if account_id is None:
        account = await class_two_account_of(owner_user_id=user_id)
        if account is None:
            raise InvalidMovement(Text("clearing.open_class_two_first"), field="account_id")
        account_id = account.id
    if card_account_id is None:
        cards = [a.id for a in await accounts_of(owner_user_id=user_id)
                 if a.kind is AccountKind.CLASS_ONE and a.status is not AccountStatus.CLOSED]
        if len(cards) != 1:
            raise InvalidMovement("bind a card first" if not cards else "you have several cards: choose one",
                                  field="card_account_id")
        card_account_id = cards[0]
    return account_id, card_account_id


def _no_such(field: str) -> InvalidMovement:
    return InvalidMovement(Text("ledger.no_such_account_of_yours"), field=field)


def _check_key(client_key: str) -> None:
    if not isinstance(client_key, str) or len(client_key) not in _CLIENT_KEY:
        raise InvalidMovement(Text("ledger.client_key_length"), field="idempotency_key")


def _fingerprint(kind: MovementKind, account_id: int, card_account_id: int, amount: int) -> str:
    canonical = json.dumps([kind.value, account_id, card_account_id, amount], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _replay(user_id: int, client_key: str, fingerprint: str, *, must_exist: bool = False) -> CardMovement | None:
    """The movement this customer already started with this key; MovementConflict if it asked for another."""
    row = await CardMovement.get_or_none(user_id=user_id, client_key=client_key)
    if row is None and must_exist:
        raise MovementConflict()
    if row is not None and row.fingerprint != fingerprint:
        raise MovementConflict()
    return row
