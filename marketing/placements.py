"""What a customer is shown now: the placements of live campaigns for them.

For the home this is a fixed number of round trips whatever the number of campaigns: the
customer's segments among the live campaigns' (one query), one Redis script that checks the
worker's cached live list is current, finds the campaigns not yet assigned to this customer
and checks and moves the frequency caps, then, only on a first showing, the new assignments
(one insert that ignores rows already there) and one pipelined call remembering them. The
live list itself is read from the database only after a campaign changed (``VERSION_KEY``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import redis.asyncio as aioredis
from tortoise import connections

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


VERSION_KEY = "mkt:campaigns:version"  # moved by every change to a campaign; the live list is cached against it

# One round trip for a showing: the live list's version checked, the campaigns not yet assigned
# to this customer found, and each frequency cap checked and moved, atomically, so two showings
# at once never pass a cap. A stale version answers {version} alone and changes nothing.
_SHOW = """
local version = redis.call('GET', KEYS[1]) or '0'
if version ~= ARGV[1] then return {version} end
local m = tonumber(ARGV[2])
local new = {}
if m > 0 then
  local flags = redis.call('SMISMEMBER', KEYS[2], unpack(ARGV, 3, 2 + m))
  for i = 1, m do if flags[i] == 0 then new[#new + 1] = ARGV[2 + i] end end
end
local over, at = {}, 2 + m
for k = 3, #KEYS do
  local cap, ttl = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  at = at + 2
  local seen = tonumber(redis.call('GET', KEYS[k]) or '0')
  if seen >= cap then over[#over + 1] = k - 2
  else
    redis.call('INCR', KEYS[k])
    if seen == 0 then redis.call('EXPIRE', KEYS[k], ttl) end
  end
end
return {version, new, over}
"""


async def campaigns_changed(redis: aioredis.Redis) -> None:
    """After a campaign's change is committed: every worker's cached live list is stale."""
    await redis.incr(VERSION_KEY)


class LiveCampaigns:
    """The live campaigns, read from the database once per version of ``VERSION_KEY`` (a worker's
    cache; the showing script checks the version in the same round trip as the caps)."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis
        self.version: str | None = None
        self.rows: list[Campaign] = []
        self._show = redis.register_script(_SHOW)

    async def load(self, version: str | None = None) -> None:
        # The version is read before the rows: a change committed meanwhile moves it again.
        self.version = version if version is not None else (await self.redis.get(VERSION_KEY) or b"0").decode()
        self.rows = await Campaign.filter(state="live").order_by("-id").limit(100)

    async def targeting(self, *, user_id: int, now: datetime) -> list[tuple[Campaign, str]]:
        """Live campaigns showing now that target this customer, with the variant they get."""
        if self.version is None:
            await self.load()
        live = [c for c in self.rows
                if showing(starts_at=c.starts_at, ends_at=c.ends_at, cron=c.cron, minutes=c.occurrence_minutes, now=now)]
        segment_ids = sorted({c.segment_id for c in live if c.segment_id is not None})
        mine = await segments_of(user_id=user_id, among=segment_ids) if segment_ids else frozenset()
        return [(c, assign(campaign_id=c.id, user_id=user_id, variants=c.variants, holdout_percent=c.holdout_percent))
                for c in live if c.segment_id is None or c.segment_id in mine]

    async def shown_to(self, *, user_id: int, now: datetime, kinds: frozenset[str]) -> list[Shown]:
        for _ in range(3):  # a campaign changed since this worker read them: read them again
            targeted = await self.targeting(user_id=user_id, now=now)
            visible = [(c, v) for c, v in targeted if v != HOLDOUT and any(p["kind"] in kinds for p in c.placements)]
            capped = [c for c, _ in visible if c.cap_count]
            args: list[object] = [self.version, len(targeted), *(c.id for c, _ in targeted)]
            for campaign in capped:
                args += [campaign.cap_count, (campaign.cap_hours or 1) * 3600]
            answer = await self._show(keys=[VERSION_KEY, _assigned_key(user_id),
                                            *(cap_key(c, user_id, now) for c in capped)], args=args)
            if len(answer) == 1:
                await self.load(answer[0].decode())
                continue
            _, new_ids, over_at = answer
            break
        else:
            raise RuntimeError("campaigns kept changing while showing them")
        new = {int(raw) for raw in new_ids}
        if new:  # the first showing of a campaign to this customer is its assignment (the report's)
            await _record_assignments(user_id, [(c.id, v) for c, v in targeted if c.id in new], now)
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.sadd(_assigned_key(user_id), *new)
                pipe.expire(_assigned_key(user_id), _ASSIGNED_SECONDS)
                await pipe.execute()
        over = {capped[int(n) - 1].id for n in over_at}
        shown = []
        for campaign, variant in visible:
            if campaign.id in over:
                continue
            title = next((v.get("title") for v in campaign.variants if v["key"] == variant), None)
            for p in campaign.placements:
                if p["kind"] in kinds:
                    shown.append(Shown(campaign.id, variant, p["kind"], title or p["title"], p.get("body", ""),
                                       p.get("imageUrl"), p.get("link")))
        return shown


_ASSIGN_PG = """
INSERT INTO marketing_assignment (campaign_id, user_id, variant, created_at)
SELECT c, $2, v, $3 FROM json_to_recordset($1::text::json) AS t(c bigint, v text)
ON CONFLICT (campaign_id, user_id) DO NOTHING
"""  # rows as JSON text: asyncpg would introspect array types once per pooled connection


async def _record_assignments(user_id: int, assigned: list[tuple[int, str]], now: datetime) -> None:
    """One statement on PostgreSQL (no transaction around it: it is one), rows already there kept."""
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        rows = json.dumps([{"c": c, "v": v} for c, v in assigned])
        await db.execute_query(_ASSIGN_PG, [rows, user_id, now])
    else:
        await Assignment.bulk_create([Assignment(campaign_id=c, user_id=user_id, variant=v) for c, v in assigned],
                                     ignore_conflicts=True)


def _assigned_key(user_id: int) -> str:
    return f"mkt:assigned:{user_id}"


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
