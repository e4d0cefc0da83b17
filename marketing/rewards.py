"""Cash rewards: credited from the campaign's budget account through the ledger's one entry point.

One ledger transfer per (campaign, customer), idempotent by key: a second claim replays the
first entry and moves nothing. The reward row and the campaign's counters are written by
the ledger's ``also_write`` inside the entry's own transaction, under its lock on the budget
account, so concurrent claims queue there: never past the stock or the budget, and a refusal
(out of stock) writes nothing at all, the money included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from infra.i18n import Text
from ledger.service import EntryKind, InsufficientFunds, InternalService, LedgerService, PostedEntry, class_two_account_of
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Campaign, Reward

BY = InternalService("marketing")


@dataclass(frozen=True, slots=True)
class CreditedReward:
    id: int
    campaign_id: int
    user_id: int
    amount_fen: int
    entry_id: int
    account_id: int
    created_at: datetime


def _refusal(code: ErrorCode, message: Text) -> MarketingError:
    return MarketingError(code, message, field="campaignId")


async def credit(*, ledger: LedgerService, campaign: Campaign, user_id: int, variant: str) -> CreditedReward:
    if campaign.reward_fen is None or campaign.budget_account_id is None:
        raise _refusal(ErrorCode.NOT_ELIGIBLE, Text("marketing.no_rewards"))
    account = await class_two_account_of(owner_user_id=user_id)
    if account is None:
        raise _refusal(ErrorCode.NOT_ELIGIBLE, Text("marketing.needs_class_two"))
    if await Reward.exists(campaign_id=campaign.id, user_id=user_id):
        raise _refusal(ErrorCode.ALREADY_CLAIMED, Text("marketing.already_claimed"))
    amount = campaign.reward_fen
    written: list[Reward] = []

    async def with_entry(entry: PostedEntry) -> None:
        try:
            written.append(await Reward.create(campaign_id=campaign.id, user_id=user_id, amount_fen=amount,
                                               entry_id=entry.id, variant=variant))
        except IntegrityError:
            raise _refusal(ErrorCode.ALREADY_CLAIMED, Text("marketing.already_claimed")) from None
        taken = await Campaign.filter(id=campaign.id, state="live").filter(
            issued__lt=F("stock"), spent_fen__lte=F("budget_fen") - amount,
        ).update(issued=F("issued") + 1, spent_fen=F("spent_fen") + amount)
        if not taken:
            fresh = await Campaign.get(id=campaign.id)
            raise (_refusal(ErrorCode.OUT_OF_STOCK, Text("marketing.out_of_stock")) if fresh.issued >= fresh.stock
                   else _refusal(ErrorCode.BUDGET_EXHAUSTED, Text("marketing.budget_exhausted")))

    try:
        entry = await ledger.transfer(
            by=BY, from_account_id=campaign.budget_account_id, to_account_id=account.id, amount=amount,
            idempotency_key=f"marketing-reward:{campaign.id}:{user_id}", memo=campaign.name[:64],
            kind=EntryKind.REWARD, also_write=with_entry,
        )
    except InsufficientFunds:
        raise _refusal(ErrorCode.BUDGET_EXHAUSTED, Text("marketing.budget_exhausted")) from None
    if entry.replayed or not written:
        raise _refusal(ErrorCode.ALREADY_CLAIMED, Text("marketing.already_claimed"))
    row = written[0]
    return CreditedReward(row.id, campaign.id, user_id, amount, entry.id, account.id, row.created_at)
