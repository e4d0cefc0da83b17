"""Inbox and push placements: sent once to a live campaign's audience, page by page.

The audience is the segment's precomputed members (or every customer), less the holdout.
Each page moves the campaign's ``delivered_through`` cursor after it is sent, so a worker
that dies mid-way is resumed by the next from the last finished page (a page may be sent
twice, never skipped); a Redis lock keeps two workers off one campaign at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Protocol

import redis.asyncio as aioredis

from identity.service import user_ids_page
from marketing.bucketing import HOLDOUT, assign
from marketing.models import Campaign, PushOutbox, SegmentMember

PAGE = 500
_LOCK_SECONDS = 300
TellCustomer = Callable[..., Awaitable[None]]  # openplatform.service.tell_customer


class PushGateway(Protocol):
    async def send(self, *, user_id: int, campaign_id: int, title: str, body: str, link: str | None) -> None: ...


class OutboxPushGateway:
    """Development and tests: each push is a row of ``marketing_push_outbox``."""

    async def send(self, *, user_id: int, campaign_id: int, title: str, body: str, link: str | None) -> None:
        await PushOutbox.create(user_id=user_id, campaign_id=campaign_id, title=title[:64], body=body[:256], link=link)


async def _page(campaign: Campaign, after: int) -> list[int]:
    if campaign.segment_id is None:
        return await user_ids_page(after_id=after, limit=PAGE)
    return await SegmentMember.filter(segment_id=campaign.segment_id, user_id__gt=after).order_by(
        "user_id").limit(PAGE).values_list("user_id", flat=True)


async def deliver(*, redis: aioredis.Redis, tell: TellCustomer, push: PushGateway) -> int:
    """Send what live campaigns still owe their audience; how many messages went out."""
    sent = 0
    for campaign in await Campaign.filter(state="live", delivered_at__isnull=True).order_by("id"):
        messages = [p for p in campaign.placements if p["kind"] in ("INBOX", "PUSH")]
        if not messages:
            await Campaign.filter(id=campaign.id).update(delivered_at=datetime.now(timezone.utc))
            continue
        lock = f"mkt:deliver:{campaign.id}"
        if not await redis.set(lock, "1", nx=True, ex=_LOCK_SECONDS):
            continue  # another worker is on it
        try:
            sent += await _deliver_one(campaign, messages, tell, push)
        finally:
            await redis.delete(lock)
    return sent


async def _deliver_one(campaign: Campaign, messages: list[dict], tell: TellCustomer, push: PushGateway) -> int:
    sent, after = 0, campaign.delivered_through
    while users := await _page(campaign, after):
        for user_id in users:
            variant = assign(campaign_id=campaign.id, user_id=user_id, variants=campaign.variants,
                             holdout_percent=campaign.holdout_percent)
            if variant == HOLDOUT:
                continue
            title = next((v.get("title") for v in campaign.variants if v["key"] == variant), None)
            for placement in messages:
                text = title or placement["title"]
                if placement["kind"] == "INBOX":
                    await tell(user_id=user_id, topic=f"campaign.{campaign.id}", title=text,
                               body=placement.get("body") or text)
                else:
                    await push.send(user_id=user_id, campaign_id=campaign.id, title=text,
                                    body=placement.get("body", ""), link=placement.get("link"))
                sent += 1
        after = users[-1]
        await Campaign.filter(id=campaign.id).update(delivered_through=after)
    await Campaign.filter(id=campaign.id).update(delivered_at=datetime.now(timezone.utc))
    return sent
