"""The published items a feed picks from, held in each process and refreshed by what changed.

Ranking 100,000 items per request from the database would cost tens of milliseconds; the
catalogue keeps the few fields ranking needs (kind, topics, author, risk level, audience,
window, popularity) and reloads only rows whose ``updated_ms`` moved, at most every
``refresh_seconds``. Any worker can serve any customer: the catalogue is derived state.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from tortoise import connections

from content.models import ReviewState

_OVERLAP_MS = 5_000  # a transaction committing late may carry an older updated_ms


@dataclass(slots=True)
class Entry:
    id: int
    kind: str
    topics: tuple[str, ...]
    author_id: int
    risk_level: int | None
    audience_segment: str | None
    pinned_rank: int | None
    published_ms: int
    until_ms: int | None
    popularity: float = 0.0


class Catalogue:
    def __init__(self, *, refresh_seconds: float = 1.0) -> None:
        self.refresh_seconds = refresh_seconds
        self.items: dict[int, Entry] = {}
        self.by_topic: dict[str, list[int]] = {}
        self.fresh: list[int] = []  # newest first
        self.popular: list[int] = []  # most popular first
        self.pinned: list[int] = []
        self.max_popularity = 1.0
        self._items_seen_ms = 0
        self._stats_seen_ms = 0
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    async def current(self) -> Catalogue:
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    await self._load()
        return self

    async def _load(self) -> None:
        started = time.monotonic()
        db = connections.get("default")
        rows = await db.execute_query_dict(
            "SELECT id, kind, topics, author_id, risk_level, audience_segment, pinned_rank, published_ms,"
            " publish_until, state, updated_ms FROM content_item WHERE updated_ms > $1".replace(
                "$1", "?" if db.capabilities.dialect == "sqlite" else "$1"),
            [self._items_seen_ms - _OVERLAP_MS],
        )
        for row in rows:
            self._items_seen_ms = max(self._items_seen_ms, row["updated_ms"])
            if row["state"] != ReviewState.PUBLISHED.value:
                self.items.pop(row["id"], None)
                continue
            until = row["publish_until"]
            if isinstance(until, str):
                until = datetime.fromisoformat(until)
            topics = row["topics"]
            if isinstance(topics, str):
                topics = orjson.loads(topics)
            old = self.items.get(row["id"])
            self.items[row["id"]] = Entry(
                row["id"], row["kind"], tuple(topics), row["author_id"], row["risk_level"], row["audience_segment"],
                row["pinned_rank"], row["published_ms"] or 0,
                None if until is None else int(until.astimezone(UTC).timestamp() * 1000),
                old.popularity if old else 0.0,
            )
        stats = await db.execute_query_dict(
            "SELECT item_id, score, updated_ms FROM content_item_stats WHERE updated_ms > $1".replace(
                "$1", "?" if db.capabilities.dialect == "sqlite" else "$1"),
            [self._stats_seen_ms - _OVERLAP_MS],
        )
        for row in stats:
            self._stats_seen_ms = max(self._stats_seen_ms, row["updated_ms"])
            entry = self.items.get(row["item_id"])
            if entry is not None:
                entry.popularity = row["score"]
        if rows or stats:
            self._index()
        self._loaded_at = started

    def _index(self) -> None:
        now = int(time.time() * 1000)
        for item_id in [i for i, e in self.items.items() if e.until_ms is not None and e.until_ms <= now]:
            del self.items[item_id]
        by_topic: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.items.values():
            for topic in entry.topics:
                by_topic[topic].append(entry)
        self.by_topic = {
            topic: [e.id for e in sorted(entries, key=lambda e: (-e.popularity, -e.published_ms))[:200]]
            for topic, entries in by_topic.items()
        }
        ordered = sorted(self.items.values(), key=lambda e: -e.published_ms)
        self.fresh = [e.id for e in ordered[:300]]
        self.popular = [e.id for e in sorted(self.items.values(), key=lambda e: -e.popularity)[:300]]
        self.pinned = [e.id for e in sorted((e for e in self.items.values() if e.pinned_rank), key=lambda e: e.pinned_rank)]
        self.max_popularity = max((e.popularity for e in self.items.values()), default=1.0) or 1.0

    def popularity_feature(self, entry: Entry) -> float:
        return math.log1p(entry.popularity) / math.log1p(self.max_popularity)
