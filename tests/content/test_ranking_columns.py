"""The feed's ranking over the catalogue's columns agrees with its definition: ``features``
dotted with the weights, item by item, for random catalogues and viewers (no database)."""

from __future__ import annotations

import random

import pytest

from content import feed
from content.catalogue import Catalogue, Entry
from content.models import ContentKind

NOW = 1_800_000_000_000
TOPICS = [f"t{n}" for n in range(12)]


def entry(rng: random.Random, item_id: int) -> Entry:
    kind = rng.choice(list(ContentKind))
    return Entry(
        id=item_id, kind=kind, title=f"item {item_id}", summary="", topics=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
        tags=(), author_id=rng.randint(1, 6), cover_id=None, video_url=None, duration_seconds=None,
        live_starts_at=None, live_ends_at=None, live_status=None, stream_url=None, product_code=None,
        product_kind=None, risk_level=rng.choice([None, 1, 2, 3, 4, 5]) if kind is ContentKind.PRODUCT_CARD else None,
        audience_segment_id=rng.choice([None, None, None, 7, 8]), pinned_rank=rng.choice([None] * 12 + [1, 2, 3]),
        published_ms=NOW - rng.randint(-3_600_000, 40 * 86_400_000),
        until_ms=rng.choice([None, None, None, NOW - 1, NOW + 86_400_000]), updated_ms=NOW,
        popularity=rng.choice([0.0, rng.uniform(0, 500)]),
    )


def catalogue(rng: random.Random, size: int) -> Catalogue:
    cat = Catalogue()
    for n in range(1, size + 1):
        cat.items[n] = entry(rng, n)
    cat._index()
    return cat


def viewer(rng: random.Random, size: int, cold: bool) -> feed.Viewer:
    weights = {} if cold else {
        **{f"topic:{t}": rng.uniform(-2, 6) for t in rng.sample(TOPICS, 4)},
        **{f"kind:{k.value}": rng.uniform(0, 3) for k in rng.sample(list(ContentKind), 2)},
        **{f"author:{a}": rng.uniform(0, 4) for a in rng.sample(range(1, 8), 2)},
    }
    return feed.Viewer(user_id=1, weights=weights, recent_positive=() if cold else (1, 2),
                       followed=frozenset(rng.sample(TOPICS, rng.randint(0, 2))),
                       excluded=frozenset(rng.sample(range(1, size + 1), size // 10)),
                       tolerance=rng.randint(1, 5), segments=frozenset(rng.sample([7, 8], rng.randint(0, 2))))


def reference(cat, who, i2i, ranking, served, snapshot):
    weights = ranking.of(who)
    kept = []
    for item_id in feed.candidates(cat, who, i2i):
        e = cat.items.get(item_id)
        if e is None or item_id in served or item_id in who.excluded or not feed.visible(e, who, snapshot, NOW):
            continue
        f = feed.features(e, who, i2i, cat, NOW)
        kept.append((e, sum(weights[name] * f[name] for name in feed.FEATURES)))
    return kept


@pytest.mark.parametrize("seed", range(40))
def test_the_columns_rank_as_the_features_say(seed):
    rng = random.Random(seed)
    size = rng.choice([5, 60, 400])
    cat = catalogue(rng, size)
    who = viewer(rng, size, cold=seed % 5 == 0)
    i2i = {rng.randint(1, size): rng.uniform(0, 1) for _ in range(rng.randint(0, 20))}
    served = set(rng.sample(range(1, size + 1), size // 8))
    snapshot = NOW - rng.choice([0, 3_600_000])
    ranking = feed.load_weights()

    got = feed.ranked(cat, who, i2i, ranking, served=served, snapshot_ms=snapshot, now_ms=NOW)
    want = reference(cat, who, i2i, ranking, served, snapshot)
    score = {e.id: s for e, s in want}
    assert sorted(e.id for e in got) == sorted(score)  # the same visible, unserved, unexcluded candidates
    pinned = [e for e in got if e.pinned_rank]
    assert got[:len(pinned)] == sorted(pinned, key=lambda e: (e.pinned_rank, -score[e.id], e.id))
    rest = got[len(pinned):]
    for a, b in zip(rest, rest[1:], strict=False):  # by score, best first; equal scores to the lower id
        assert score[a.id] > score[b.id] - 1e-12 and (abs(score[a.id] - score[b.id]) > 1e-12 or a.id < b.id)
