"""Given-steps for the lottery tests: many verified customers at once, and what the books hold."""

from __future__ import annotations

import asyncio

from ledger.models import Account, JournalEntry
from ledger.service import AccountKind, open_account
from miniprograms.lottery.models import PrizeClaim

CODE = "480613"


async def verified_customers(count: int, *, first_user_id: int = 100_000) -> list[int]:
    """``count`` customers (user ids) each with a Class II account opened through KYC."""
    from kyc.models import KycApplication, State

    ids = list(range(first_user_id, first_user_id + count))
    semaphore = asyncio.Semaphore(16)

    async def one(user_id: int) -> None:
        async with semaphore:
            account = await open_account(owner_user_id=user_id, kind=AccountKind.CLASS_TWO, name="class_two account")
            await KycApplication.create(user_id=user_id, state=State.OPENED, name_masked="李*", account_id=account.id)

    await asyncio.gather(*(one(i) for i in ids))
    return ids


async def payouts() -> int:
    return await JournalEntry.filter(kind="prize_payout").count()


async def balance(account_id: int) -> int:
    return (await Account.get(id=account_id)).balance


async def claim_rows() -> list[PrizeClaim]:
    return await PrizeClaim.all().order_by("id")
