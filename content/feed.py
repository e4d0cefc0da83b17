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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tortoise import connections

from content import suitability
from content.catalogue import KINDS, NO_SEGMENT, Catalogue, Columns, Entry
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
    similar: dict[int, float] = field(default_factory=dict)  # item-to-item: neighbours of the recent positives


_VIEWER_PG = """
SELECT (SELECT json_build_object('w', weights, 'r', recent_positive, 'u', updated_ms)
          FROM content_interest_profile WHERE user_id = $1) AS profile,
       (SELECT json_agg(topic) FROM content_followed_topic WHERE user_id = $1) AS followed,
       (SELECT json_agg(item_id) FROM content_seen_item WHERE user_id = $1) AS seen,
       (SELECT CASE WHEN valid_until > $2 THEN tolerance END FROM content_risk_assessment
          WHERE user_id = $1 ORDER BY id DESC LIMIT 1) AS tolerance,
       (SELECT json_agg(json_build_array(neighbor_id, w)) FROM (
          SELECT neighbor_id, SUM(weight) AS w FROM content_item_neighbor
           WHERE item_id IN (SELECT r.item::bigint FROM content_interest_profile p,
                               jsonb_array_elements_text(p.recent_positive) WITH ORDINALITY AS r(item, n)
                              WHERE p.user_id = $1 AND r.n <= $3)
           GROUP BY neighbor_id ORDER BY w DESC LIMIT $4) AS near) AS similar
"""
SIMILAR_FROM, SIMILAR_MOST = 10, 80  # item-to-item: neighbours of the 10 latest positives, the 80 closest


async def load_viewer(user_id: int, *, now_ms: int) -> Viewer:
    """Profile, followed topics, seen items and risk tolerance: one round trip on PostgreSQL.

    The tolerance is the latest assessment's while it holds (``content.suitability``)."""
    db = connections.get("default")
    if db.capabilities.dialect == "postgres":
        [row] = await db.execute_query_dict(_VIEWER_PG, [user_id, datetime.fromtimestamp(now_ms / 1000, UTC),
                                                          SIMILAR_FROM, SIMILAR_MOST])
        profile = json.loads(row["profile"]) if row["profile"] else None
        followed = json.loads(row["followed"]) if row["followed"] else []
        seen = json.loads(row["seen"]) if row["seen"] else []
        tolerance = row["tolerance"]
        similar = _normalised(json.loads(row["similar"]) if row["similar"] else [])
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
        similar = await item_to_item(tuple(profile["r"]) if profile else ())
    weights, recent = {}, ()
    if profile:
        weights, recent = decayed(profile["w"], profile["u"], now_ms), tuple(profile["r"])
    return Viewer(user_id, weights, recent, frozenset(followed), frozenset(seen),
                  UNASSESSED_TOLERANCE if tolerance is None else tolerance, similar=similar)


async def item_to_item(recent: tuple[int, ...]) -> dict[int, float]:
    """Items that co-occur with the customer's recent positives, scored by normalised co-occurrence
    (on PostgreSQL ``load_viewer`` reads them in its own statement)."""
    if not recent:
        return {}
    db = connections.get("default")
    ids = list(recent[:SIMILAR_FROM])
    marks = ", ".join(f"${n}" if db.capabilities.dialect == "postgres" else "?" for n in range(1, len(ids) + 1))
    rows = await db.execute_query_dict(
        f"SELECT neighbor_id, SUM(weight) AS w FROM content_item_neighbor WHERE item_id IN ({marks})"
        f" GROUP BY neighbor_id ORDER BY w DESC LIMIT {SIMILAR_MOST}", ids)
    return _normalised([(r["neighbor_id"], r["w"]) for r in rows])


def _normalised(scored: list) -> dict[int, float]:
    top = max((w for _, w in scored), default=1.0) or 1.0
    return {int(item): w / top for item, w in scored}


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


def visible(entry: Entry, viewer: Viewer, snapshot_ms: int, now_ms: int) -> bool:
    if entry.published_ms > snapshot_ms or (entry.until_ms is not None and entry.until_ms <= now_ms):
        return False
    if entry.audience_segment_id is not None and entry.audience_segment_id not in viewer.segments:
        return False
    # the appropriateness rule for wealth products: never above the customer's assessed tolerance
    return entry.risk_level is None or entry.risk_level <= viewer.tolerance


def ranked(cat: Catalogue, viewer: Viewer, i2i: dict[int, float], ranking: RankingWeights, *,
           served: set[int], snapshot_ms: int, now_ms: int) -> list[Entry]:
    """The visible candidates, best first: pinned ones by their rank, then by score (``features``
    dotted with the weights), ties to the lower id. Scored as arrays over the catalogue's columns."""
    weights = ranking.of(viewer)
    cols = cat.columns
    ids = [i for i in candidates(cat, viewer, i2i)
           if i in cols.row and i not in served and i not in viewer.excluded]
    if not ids:
        return []
    rows = np.fromiter((cols.row[i] for i in ids), dtype=np.int64, count=len(ids))
    similar = np.fromiter((i2i.get(i, 0.0) for i in ids), dtype=np.float64, count=len(ids))
    audience = cols.audience[rows]
    shown = ((cols.published_ms[rows] <= snapshot_ms) & (cols.until_ms[rows] > now_ms)
             & (cols.risk_level[rows] <= viewer.tolerance)  # products never above the customer's tolerance
             & ((audience == NO_SEGMENT) | np.isin(audience, list(viewer.segments))))
    rows, similar = rows[shown], similar[shown]
    if not len(rows):
        return []
    topic, kind, author = _viewer_vectors(viewer, cols, weights)
    topics = cols.topics[rows]
    score = weights["topic"] * np.tanh(topic[topics].sum(axis=1) / 3.0)
    score += kind[cols.kind[rows]]
    score += weights["author"] * np.tanh(author[cols.authors[rows]] / 3.0)
    score += weights["item_to_item"] * similar
    score += weights["popularity"] * cols.popularity[rows]
    age_hours = np.maximum(now_ms - cols.published_ms[rows], 0) / 3_600_000
    score += weights["freshness"] * np.exp(-age_hours / FRESH_HOURS)
    if viewer.followed:
        followed = np.zeros(len(cols.topic_number) + 1, dtype=bool)
        followed[[cols.topic_number[t] for t in viewer.followed if t in cols.topic_number]] = True
        score += weights["followed"] * followed[topics].any(axis=1)
    pinned = cols.pinned_rank[rows]
    order = np.lexsort((cols.ids[rows], -score, np.where(pinned > 0, pinned, np.iinfo(np.int64).max), pinned == 0))
    return [cat.items[int(i)] for i in cols.ids[rows][order]]



def _viewer_vectors(viewer: Viewer, cols: Columns, weights: dict[str, float]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The viewer's weights by topic number, kind (already weighted and squashed) and author number."""
    topic = np.zeros(len(cols.topic_number) + 1)
    kind = np.zeros(len(KINDS))
    author = np.zeros(len(cols.author_number) + 1)
    for key, value in viewer.weights.items():
        family, _, name = key.partition(":")
        if family == "topic" and name in cols.topic_number:
            topic[cols.topic_number[name]] = value
        elif family == "kind" and name in _KIND_NUMBER:
            kind[_KIND_NUMBER[name]] = weights["kind"] * _squash(value)
        elif family == "author" and name.isdigit() and int(name) in cols.author_number:
            author[cols.author_number[int(name)]] = value
    return topic, kind, author


_KIND_NUMBER = {k.value: n for n, k in enumerate(KINDS)}


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
