"""Given-steps for ledger API tests: accounts opened and funded the way other packages do."""

from __future__ import annotations

from itertools import count

from ledger.service import AccountKind, Customer, EntryKind, InternalService, open_account

_funding = count(1)
DEPOSITS = InternalService("tests: money arriving from outside")


def luhn_card(prefix: str, length: int = 16) -> str:
    """A card number with a valid Luhn check digit."""
    body = prefix + "0" * (length - 1 - len(prefix))
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


async def funded_account(runtime, owner: int, amount: int, kind=AccountKind.CLASS_TWO, name: str | None = None):
    account = await open_account(owner_user_id=owner, kind=kind, name=name or f"{kind.value} account")
    if amount:
        await deposit(runtime, account.id, amount)
    return account


async def deposit(runtime, account_id: int, amount: int):
    """Money arriving from outside the ledger, credited to the account."""
    settlement = await open_account(
        owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement", idempotency_key="test-settlement"
    )
    return await runtime.ledger.transfer(
        by=DEPOSITS, from_account_id=settlement.id, to_account_id=account_id, amount=amount,
        idempotency_key=f"test-deposit-{next(_funding)}", kind=EntryKind.DEPOSIT,
    )


PIN = "135790"


async def paying_customer(runtime, user_id: int, *, pin: str | None = PIN) -> Customer:
    """A customer with a payment PIN, typing it for this payment as the container's sheet asks."""
    if not await runtime.ledger.pins.has_pin(user_id=user_id):
        await runtime.ledger.pins.set_pin(user_id=user_id, pin=PIN)
    return Customer(user_id=user_id, session_id=f"session-of-{user_id}", pin=pin)


async def opened_through_kyc(runtime, user_id: int, masked_name: str, amount: int = 0):
    """A Class II account as account opening leaves it: the account, and the verified name."""
    from kyc.models import KycApplication, State

    account = await funded_account(runtime, user_id, amount)
    await KycApplication.create(user_id=user_id, state=State.OPENED, name_masked=masked_name, account_id=account.id)
    return account
