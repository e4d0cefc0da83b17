"""Interest profiles from what customers do: exposure, click, dwell, like, share, not interested.

Weights are kept by ``topic:<t>``, ``kind:<k>`` and ``author:<id>`` and halve every
``HALF_LIFE_MS`` (stored decayed to ``updated_ms``, decayed again when read). Only signals
whose user was vouched for reach here: the consumer reads tracking events that the user's
own token vouched for, and the GraphQL reactions carry the caller's token.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from tortoise.transactions import in_transaction

from content.models import ContentItem, InterestProfile, ItemStats

HALF_LIFE_MS = 7 * 24 * 3600 * 1000
POPULARITY_HALF_LIFE_MS = 3 * 24 * 3600 * 1000
MAX_WEIGHTS = 64
RECENT_POSITIVE = 20


class Action(StrEnum):
    EXPOSURE = "exposure"
    CLICK = "click"
    DWELL = "dwell"
    LIKE = "like"
    SHARE = "share"
    NOT_INTERESTED = "not_interested"


# what one signal adds to the interests it touches, and to the item's popularity
_INTEREST = {Action.CLICK: 1.0, Action.LIKE: 2.0, Action.SHARE: 3.0, Action.NOT_INTERESTED: -3.0}
_POSITIVE = {Action.CLICK, Action.LIKE, Action.SHARE}


@dataclass(frozen=True, slots=True)
class Signal:
    user_id: int
    item_id: int
    action: Action
    at_ms: int
    dwell_ms: int = 0

    @property
    def interest(self) -> float:
        if self.action is Action.DWELL:  # up to a click's worth for half a minute's reading
            return min(self.dwell_ms / 30_000, 1.0)
        return _INTEREST.get(self.action, 0.0)


def decay(value: float, elapsed_ms: int, half_life_ms: int = HALF_LIFE_MS) -> float:
    return value * math.pow(0.5, max(elapsed_ms, 0) / half_life_ms)


def decayed(weights: dict[str, float], since_ms: int, now_ms: int) -> dict[str, float]:
    factor = math.pow(0.5, max(now_ms - since_ms, 0) / HALF_LIFE_MS)
    return {key: value * factor for key, value in weights.items()}


def _keys(item: ContentItem) -> list[str]:
    return [f"kind:{item.kind.value}", f"author:{item.author_id}", *(f"topic:{t}" for t in item.topics)]


async def apply(signals: list[Signal]) -> None:
    """Fold the signals into profiles, seen items, popularity and co-occurrence, in one transaction."""
    if not signals:
        return
    items = {i.id: i for i in await ContentItem.filter(id__in={s.item_id for s in signals})}
    signals = sorted((s for s in signals if s.item_id in items), key=lambda s: s.at_ms)
    by_user: dict[int, list[Signal]] = defaultdict(list)
    for signal in signals:
        by_user[signal.user_id].append(signal)
    async with in_transaction() as conn:
        profiles = {p.user_id: p for p in await InterestProfile.filter(user_id__in=list(by_user)).select_for_update()}
        pairs: dict[tuple[int, int], float] = defaultdict(float)
        for user_id, mine in by_user.items():
            profile = profiles.get(user_id) or InterestProfile(user_id=user_id, weights={}, recent_positive=[])
            last = max(s.at_ms for s in mine)
            weights = decayed(profile.weights, profile.updated_ms, max(last, profile.updated_ms))
            recent = list(profile.recent_positive)
            for signal in mine:
                if signal.interest:
                    for key in _keys(items[signal.item_id]):
                        weights[key] = weights.get(key, 0.0) + signal.interest
                if signal.action in _POSITIVE and signal.item_id not in recent[:1]:
                    for other in recent[:RECENT_POSITIVE]:
                        if other != signal.item_id:
                            pairs[(signal.item_id, other)] += 1.0
                            pairs[(other, signal.item_id)] += 1.0
                    recent = [signal.item_id, *(i for i in recent if i != signal.item_id)][:RECENT_POSITIVE]
            kept = sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:MAX_WEIGHTS]
            profile.weights = {k: round(v, 4) for k, v in kept if abs(v) >= 0.01}
            profile.recent_positive = recent
            profile.updated_ms = max(last, profile.updated_ms)
            if user_id in profiles:
                await profile.save(using_db=conn)
            else:
                await InterestProfile.create(using_db=conn, user_id=user_id, weights=profile.weights,
                                             recent_positive=recent, updated_ms=profile.updated_ms)
        await _seen(conn, signals)
        await _stats(conn, signals)
        await _pairs(conn, pairs)


def _sql(conn, text: str) -> str:
    """PostgreSQL's numbered placeholders, or SQLite's ``?`` (embedded mode)."""
    return text if conn.capabilities.dialect == "postgres" else re.sub(r"\$\d+", "?", text)


async def _seen(conn, signals: list[Signal]) -> None:
    rows: dict[tuple[int, int], list] = {}
    for s in signals:
        row = rows.setdefault((s.user_id, s.item_id), [s.user_id, s.item_id, False, False, s.at_ms])
        row[2] = row[2] or s.action is Action.NOT_INTERESTED
        row[3] = row[3] or s.action is Action.LIKE
        row[4] = s.at_ms
    await conn.execute_many(_sql(conn, (
        "INSERT INTO content_seen_item (user_id, item_id, dismissed, liked, at_ms) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (user_id, item_id) DO UPDATE SET dismissed = content_seen_item.dismissed OR excluded.dismissed,"
        " liked = content_seen_item.liked OR excluded.liked, at_ms = excluded.at_ms"
    )), list(rows.values()))


async def _stats(conn, signals: list[Signal]) -> None:
    per_item: dict[int, list] = {}
    for s in signals:
        row = per_item.setdefault(s.item_id, [s.item_id, 0, 0, 0, 0, 0.0, 0])
        row[1] += s.action is Action.EXPOSURE
        row[2] += s.action is Action.CLICK
        row[3] += s.action is Action.LIKE
        row[4] += s.action is Action.SHARE
        row[5] += max(s.interest, 0.0)
        row[6] = max(row[6], s.at_ms)
    existing = {s.item_id: s for s in await ItemStats.filter(item_id__in=list(per_item)).using_db(conn)}
    for item_id, row in per_item.items():
        old = existing.get(item_id)
        if old is not None:  # popularity decays too, so yesterday's hit gives way
            row[5] += decay(old.score, row[6] - old.updated_ms, POPULARITY_HALF_LIFE_MS)
            row[6] = max(row[6], old.updated_ms)
    await conn.execute_many(_sql(conn, (
        "INSERT INTO content_item_stats (item_id, exposures, clicks, likes, shares, score, updated_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (item_id) DO UPDATE SET"
        " exposures = content_item_stats.exposures + excluded.exposures,"
        " clicks = content_item_stats.clicks + excluded.clicks, likes = content_item_stats.likes + excluded.likes,"
        " shares = content_item_stats.shares + excluded.shares, score = excluded.score, updated_ms = excluded.updated_ms"
    )), list(per_item.values()))


async def _pairs(conn, pairs: dict[tuple[int, int], float]) -> None:
    if pairs:
        await conn.execute_many(_sql(conn, (
            "INSERT INTO content_item_neighbor (item_id, neighbor_id, weight) VALUES ($1, $2, $3)"
            " ON CONFLICT (item_id, neighbor_id) DO UPDATE SET weight = content_item_neighbor.weight + excluded.weight"
        )), [[a, b, w] for (a, b), w in sorted(pairs.items())])

