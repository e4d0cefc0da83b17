"""One customer's feed: candidates from several sources, a linear ranking, diversity, no repeats.

Sources: topics the customer follows (onboarding), topics their profile leans to, items
that co-occur with what they engaged with (item-to-item), popular, fresh and operator-pinned.
The ranking's weights are fitted offline (``bench/content_eval.py`` writes
``ranking_weights.json``). A page never holds an item the customer saw or dismissed, an
item aimed at a segment they are not in, a product above their assessed risk tolerance (R1
without a valid assessment), or more than two of one kind in any five consecutive items,
counting the end of the previous page.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tortoise import connections

from content import suitability
from content.catalogue import Catalogue, Entry
from content.profile import decayed

WEIGHTS_FILE = Path(__file__).with_name("ranking_weights.json")
FEATURES = ("topic", "kind", "author", "item_to_item", "popularity", "freshness", "followed")
DIVERSITY_WINDOW, DIVERSITY_MOST = 5, 2
FRESH_HOURS = 48.0
CANDIDATES_PER_TOPIC, CANDIDATES_POPULAR, CANDIDATES_FRESH = 30, 60, 30  # ~250 candidates: a page is 20
UNASSESSED_TOLERANCE = 1  # without an assessment a customer sees only R1 products


@dataclass(frozen=True, slots=True)
class RankingWeights:
    warm: dict[str, float]  # fitted offline, for customers with behaviour
    cold: dict[str, float]  # onboarding topics and popularity, for those without

    def of(self, viewer: Viewer) -> dict[str, float]:
        return self.warm if viewer.weights or viewer.recent_positive else self.cold


def load_weights(path: Path = WEIGHTS_FILE) -> RankingWeights:
    stored = json.loads(path.read_text())

    def named(weights: dict) -> dict[str, float]:
        return {name: float(weights.get(name, 0.0)) for name in FEATURES}

    return RankingWeights(named(stored["weights"]), named(stored["cold_start"]["weights"]))


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    weights: dict[str, float]
    recent_positive: tuple[int, ...]
    followed: frozenset[str]
    excluded: frozenset[int]  # seen or dismissed
    tolerance: int
    segments: frozenset[int] = frozenset()  # of the segments the catalogue targets, those the viewer is in


_VIEWER_PG = """
SELECT (SELECT json_build_object('w', weights, 'r', recent_positive, 'u', updated_ms)
          FROM content_interest_profile WHERE user_id = $1) AS profile,
       (SELECT json_agg(topic) FROM content_followed_topic WHERE user_id = $1) AS followed,
       (SELECT json_agg(item_id) FROM content_seen_item WHERE user_id = $1) AS seen,
       (SELECT CASE WHEN valid_until > $2 THEN tolerance END FROM content_risk_assessment
          WHERE user_id = $1 ORDER BY id DESC LIMIT 1) AS tolerance
"""


async def load_viewer(user_id: int, *, now_ms: int) -> Viewer:
    """Profile, followed topics, seen items and risk tolerance: one round trip on PostgreSQL.

    The tolerance is the latest assessment's while it holds (``content.suitability``)."""
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        [row] = await db.execute_query_dict(_VIEWER_PG, [user_id, datetime.fromtimestamp(now_ms / 1000, UTC)])
        profile = json.loads(row["profile"]) if row["profile"] else None
        followed = json.loads(row["followed"]) if row["followed"] else []
        seen = json.loads(row["seen"]) if row["seen"] else []
        tolerance = row["tolerance"]
    else:
        profiles = await db.execute_query_dict(
            "SELECT weights AS w, recent_positive AS r, updated_ms AS u FROM content_interest_profile"
            " WHERE user_id = ?", [user_id])
        profile = profiles[0] if profiles else None
        if profile is not None:
            profile = {"w": json.loads(profile["w"]), "r": json.loads(profile["r"]), "u": profile["u"]}
        followed = [r["topic"] for r in await db.execute_query_dict(
            "SELECT topic FROM content_followed_topic WHERE user_id = ?", [user_id])]
        seen = [r["item_id"] for r in await db.execute_query_dict(
            "SELECT item_id FROM content_seen_item WHERE user_id = ?", [user_id])]
        assessed = await suitability.current(user_id=user_id, now=datetime.fromtimestamp(now_ms / 1000, UTC))
        tolerance = assessed.tolerance if assessed else None
    weights, recent = {}, ()
    if profile:
        weights, recent = decayed(profile["w"], profile["u"], now_ms), tuple(profile["r"])
    return Viewer(user_id, weights, recent, frozenset(followed), frozenset(seen),
                  UNASSESSED_TOLERANCE if tolerance is None else tolerance)


async def item_to_item(recent: tuple[int, ...], *, most: int = 80) -> dict[int, float]:
    """Items that co-occur with the customer's recent positives, scored by normalised co-occurrence."""
    if not recent:
        return {}
    db = connections.get("default")
    ids = list(recent[:10])
    marks = ", ".join(f"${n}" if db.capabilities.dialect == "postgres" else "?" for n in range(1, len(ids) + 1))
    rows = await db.execute_query_dict(
        f"SELECT neighbor_id, SUM(weight) AS w FROM content_item_neighbor WHERE item_id IN ({marks})"
        f" GROUP BY neighbor_id ORDER BY w DESC LIMIT {int(most)}", ids)
    top = max((r["w"] for r in rows), default=1.0) or 1.0
    return {r["neighbor_id"]: r["w"] / top for r in rows}


def candidates(cat: Catalogue, viewer: Viewer, i2i: dict[int, float]) -> set[int]:
    found: set[int] = set(cat.pinned)
    interests = sorted(((k[6:], v) for k, v in viewer.weights.items() if k.startswith("topic:") and v > 0),
                       key=lambda kv: -kv[1])[:5]
    for topic in [*viewer.followed, *(t for t, _ in interests)]:
        found.update(cat.by_topic.get(topic, ())[:CANDIDATES_PER_TOPIC])
    found.update(i2i)
    found.update(cat.popular[:CANDIDATES_POPULAR])
    found.update(cat.fresh[:CANDIDATES_FRESH])
    return found


def _squash(value: float) -> float:
    return math.tanh(value / 3.0)


def features(entry: Entry, viewer: Viewer, i2i: dict[int, float], cat: Catalogue, now_ms: int) -> dict[str, float]:
    w = viewer.weights
    return {
        "topic": _squash(sum(w.get(f"topic:{t}", 0.0) for t in entry.topics)),
        "kind": _squash(w.get(f"kind:{entry.kind}", 0.0)),
        "author": _squash(w.get(f"author:{entry.author_id}", 0.0)),
        "item_to_item": i2i.get(entry.id, 0.0),
        "popularity": cat.popularity_feature(entry),
        "freshness": math.exp(-max(now_ms - entry.published_ms, 0) / 3_600_000 / FRESH_HOURS),
        "followed": 1.0 if viewer.followed.intersection(entry.topics) else 0.0,
    }


def _score(entry: Entry, viewer: Viewer, i2i: dict[int, float], cat: Catalogue, now_ms: int,
           weights: dict[str, float], topic: dict[str, float], kind: dict[str, float]) -> float:
    """``features`` dotted with ``weights``, from the viewer's weights read once (it runs ~300 times a page)."""
    score = weights["topic"] * _squash(sum(topic.get(t, 0.0) for t in entry.topics))
    score += kind.get(entry.kind, 0.0)
    author = viewer.weights.get(f"author:{entry.author_id}")
    if author:
        score += weights["author"] * _squash(author)
    score += weights["item_to_item"] * i2i.get(entry.id, 0.0)
    score += weights["popularity"] * cat.popularity_feature(entry)
    score += weights["freshness"] * math.exp(-max(now_ms - entry.published_ms, 0) / 3_600_000 / FRESH_HOURS)
    if viewer.followed and not viewer.followed.isdisjoint(entry.topics):
        score += weights["followed"]
    return score


def visible(entry: Entry, viewer: Viewer, snapshot_ms: int, now_ms: int) -> bool:
    if entry.published_ms > snapshot_ms or (entry.until_ms is not None and entry.until_ms <= now_ms):
        return False
    if entry.audience_segment_id is not None and entry.audience_segment_id not in viewer.segments:
        return False
    # the appropriateness rule for wealth products: never above the customer's assessed tolerance
    return entry.risk_level is None or entry.risk_level <= viewer.tolerance


def ranked(cat: Catalogue, viewer: Viewer, i2i: dict[int, float], ranking: RankingWeights, *,
           served: set[int], snapshot_ms: int, now_ms: int) -> list[Entry]:
    weights = ranking.of(viewer)
    topic = {k[6:]: v for k, v in viewer.weights.items() if k.startswith("topic:")}
    kind = {k[5:]: weights["kind"] * _squash(v) for k, v in viewer.weights.items() if k.startswith("kind:")}
    scored = []
    for item_id in candidates(cat, viewer, i2i):
        entry = cat.items.get(item_id)
        if entry is None or item_id in served or item_id in viewer.excluded:
            continue
        if not visible(entry, viewer, snapshot_ms, now_ms):
            continue
        score = _score(entry, viewer, i2i, cat, now_ms, weights, topic, kind)
        pinned = -(entry.pinned_rank or 0) if entry.pinned_rank else float("-inf")
        scored.append((entry.pinned_rank is not None, pinned, score, -entry.id, entry))
    scored.sort(key=lambda s: (s[0], s[1], s[2], s[3]), reverse=True)
    return [s[4] for s in scored]


def diversified(ordered: list[Entry], *, before: Sequence[str], first: int) -> list[Entry]:
    """Greedy: the best next item whose kind keeps <= 2 of a kind in every window of 5."""
    page: list[Entry] = []
    kinds = list(before[-(DIVERSITY_WINDOW - 1):])
    pool = list(ordered)
    while len(page) < first and pool:
        window = kinds[-(DIVERSITY_WINDOW - 1):]
        for index, entry in enumerate(pool):
            if window.count(entry.kind) < DIVERSITY_MOST:
                page.append(pool.pop(index))
                kinds.append(entry.kind)
                break
        else:
            break  # only kinds already full in this window remain
    return page


def now() -> int:
    return int(time.time() * 1000)
