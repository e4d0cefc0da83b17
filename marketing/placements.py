"""What a customer is shown now: the placements of live campaigns for them.

For the home this is a fixed number of round trips whatever the number of campaigns: the
live campaigns (one query), the customer's segments among theirs (one query), one pipelined
Redis call reading the frequency counters and the campaigns already assigned to this
customer, then, only when there is something to write, the new assignments (one insert that
ignores rows already there) and one pipelined call counting the showing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import redis.asyncio as aioredis

from marketing.bucketing import HOLDOUT, assign
from marketing.models import Assignment, Campaign
from marketing.schedule import showing
from marketing.segments import segments_of


@dataclass(frozen=True, slots=True)
class Shown:
    campaign_id: int
    variant: str
    kind: str
    title: str
    body: str
    image_url: str | None
    link: str | None


FEED_SLOT_EVERY = 4  # one promotion after every 4 content items of a feed page
T = TypeVar("T")
P = TypeVar("P")  # a promotion: a Shown, or how a transport shows one

_ASSIGNED_SECONDS = 90 * 24 * 3600  # a lost set only costs one insert that finds the rows already there


def cap_key(campaign: Campaign, user_id: int, now: datetime) -> str:
    period = int(now.timestamp()) // ((campaign.cap_hours or 1) * 3600)
    return f"mkt:cap:{campaign.id}:{user_id}:{period}"


async def live_for(*, user_id: int, now: datetime) -> list[tuple[Campaign, str]]:
    """Live campaigns showing now that target this customer, with the variant they get."""
    live = [c for c in await Campaign.filter(state="live").order_by("-id").limit(100)
            if showing(starts_at=c.starts_at, ends_at=c.ends_at, cron=c.cron, minutes=c.occurrence_minutes, now=now)]
    segment_ids = sorted({c.segment_id for c in live if c.segment_id is not None})
    mine = await segments_of(user_id=user_id, among=segment_ids) if segment_ids else frozenset()
    out = []
    for campaign in live:
        if campaign.segment_id is not None and campaign.segment_id not in mine:
            continue
        out.append((campaign, assign(campaign_id=campaign.id, user_id=user_id, variants=campaign.variants,
                                     holdout_percent=campaign.holdout_percent)))
    return out


async def shown_to(*, redis: aioredis.Redis, user_id: int, now: datetime, kinds: frozenset[str]) -> list[Shown]:
    targeted = await live_for(user_id=user_id, now=now)
    visible = [(c, v) for c, v in targeted if v != HOLDOUT and any(p["kind"] in kinds for p in c.placements)]
    capped = [(c, v) for c, v in visible if c.cap_count]
    known_key = f"mkt:assigned:{user_id}"
    # One round trip reads which assignments are already recorded and the frequency counters.
    async with redis.pipeline(transaction=False) as pipe:
        pipe.smembers(known_key)
        for campaign, _ in capped:
            pipe.get(cap_key(campaign, user_id, now))
        known_raw, *counts = await pipe.execute()
    known = {int(raw) for raw in known_raw}
    new = [(c, v) for c, v in targeted if c.id not in known]
    if new:  # the first showing of a campaign to this customer is its assignment (the report's)
        await Assignment.bulk_create([Assignment(campaign_id=c.id, user_id=user_id, variant=v) for c, v in new],
                                     ignore_conflicts=True)
    over = {c.id for (c, _), n in zip(capped, counts, strict=True) if n is not None and int(n) >= (c.cap_count or 0)}
    visible = [(c, v) for c, v in visible if c.id not in over]
    counting = [c for c, _ in visible if c.cap_count]
    if counting or new:
        async with redis.pipeline(transaction=False) as pipe:
            for campaign in counting:
                key = cap_key(campaign, user_id, now)
                pipe.incr(key)
                pipe.expire(key, (campaign.cap_hours or 1) * 3600)
            if new:
                pipe.sadd(known_key, *[c.id for c, _ in new])
                pipe.expire(known_key, _ASSIGNED_SECONDS)
            await pipe.execute()
    shown = []
    for campaign, variant in visible:
        title = next((v.get("title") for v in campaign.variants if v["key"] == variant), None)
        for p in campaign.placements:
            if p["kind"] in kinds:
                shown.append(Shown(campaign.id, variant, p["kind"], title or p["title"], p.get("body", ""),
                                   p.get("imageUrl"), p.get("link")))
    return shown


def with_feed_slots(items: Sequence[T], promotions: Sequence[P], *,
                    every: int = FEED_SLOT_EVERY) -> list[T | P]:
    """A feed page with the campaigns' FEED_SLOT placements among its items: one after every
    ``every`` items, the rest after the last, so each promotion counted as shown (its frequency
    cap moved) is on the page, even on an empty feed."""
    if every < 1:
        raise ValueError("every >= 1")
    page: list[T | P] = []
    waiting = list(promotions)
    for n, item in enumerate(items, start=1):
        page.append(item)
        if n % every == 0 and waiting:
            page.append(waiting.pop(0))
    page.extend(waiting)
    return page
