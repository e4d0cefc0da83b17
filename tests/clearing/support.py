"""Given-steps and GraphQL documents for the clearing tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from fakes.cardnetwork import signing as network_signing
from ledger.models import Account, JournalEntry
from tests.ledger.support import PIN, funded_account, luhn_card

MOVEMENT = "__typename ... on CardMovementStarted { replayed movement { id kind status amount declineReason } } " \
           "... on Error { message } ... on InvalidInput { field } ... on LimitExceeded { limit remaining }"
TOP_UP = f"mutation($input: CardMovementInput!) {{ topUp(input: $input) {{ {MOVEMENT} }} }}"
WITHDRAW = f"mutation($input: CardMovementInput!) {{ withdraw(input: $input) {{ {MOVEMENT} }} }}"
CALLBACK = "/network/v1/notifications"


@dataclass
class Customer:
    session: object
    account: Account  # Class II
    card: Account  # Class I
    card_number: str

    @property
    def token(self) -> str:
        return self.session.access_token

    def money(self, amount: int, key: str, *, pin: str | None = None, **extra) -> dict:
        """Variables of a top-up or withdrawal between this customer's account and card."""
        return {"input": {"accountId": str(self.account.id), "cardAccountId": str(self.card.id), "amount": amount,
                          "idempotencyKey": key, "pin": pin, **extra}}

    async def balance(self) -> int:
        return (await Account.get(id=self.account.id)).balance


_cards = iter(range(1, 10_000))


async def customer_with_card(bank, phone: str, *, balance: int = 0) -> Customer:
    """A signed-in customer with a Class II account (``balance`` fen in it), a bound card and a PIN."""
    session = await bank.sign_in(phone)
    account = await funded_account(bank.runtime, session.user_id, balance)
    number = luhn_card(f"62220{next(_cards):05d}", 19)
    card = await bank.runtime.ledger.bind_card(owner_user_id=session.user_id, card_number=number)
    await bank.runtime.ledger.pins.set_pin(user_id=session.user_id, pin=PIN)
    return Customer(session, account, card, number)


async def entries(kind: str) -> int:
    return await JournalEntry.filter(kind=kind).count()


async def bank_balances(bank) -> tuple[int, int]:
    """The bank's network clearing and in-transit balances."""
    accounts = await bank.runtime.clearing.books.accounts()
    return tuple([(await Account.get(id=i)).balance for i in (accounts.network_clearing, accounts.in_transit)])


def signed_by_network(network, body: bytes, *, path: str = CALLBACK, seed: str | None = None) -> dict:
    """Headers the network would send with ``body`` (or another key's, with ``seed``)."""
    key = network_signing.private_key(seed or network.network_seed)
    return network_signing.signed_headers(key, "cnet-1", "POST", path, body)


def result_note(movement_id: str, amount: int, *, status: str = "SUCCEEDED", kind: str = "DEBIT_RESULT",
                currency: str = "CNY", ref: str = "N202612010000000042") -> bytes:
    return json.dumps({"type": kind, "networkRef": ref, "requestId": movement_id, "status": status,
                       "amount": amount, "currency": currency, "declineReason": None,
                       "settledAt": "2026-12-01T02:03:04.567Z"}).encode()


async def wait_until_final(bank, movement_id: str) -> str:
    """Wait for the movement's result event (published by whichever worker books it)."""
    from clearing.models import CardMovement

    async with bank.runtime.broker.subscribe(f"clearing:{movement_id}") as events:
        row = await CardMovement.get(request_id=movement_id)
        if row.status.value != "pending":
            return row.status.value.upper()
        async with asyncio.timeout(30):
            async for event in events:
                return event["status"].upper()
