"""The published items a feed picks from, held in each process and refreshed by what changed.

Ranking 100,000 items per request from the database would cost tens of milliseconds; the
catalogue keeps what ranking and a feed card need (everything but an article's body) and
reloads only rows whose ``updated_ms`` moved, at most every ``refresh_seconds``. The indexes
(by topic, fresh, popular) are rebuilt only when the set of items changed, and for
popularity at most every ``POPULAR_EVERY_SECONDS``. Any worker can serve any customer: the
catalogue is derived state.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import orjson
from tortoise import connections

from content.models import ContentKind, LiveStatus, ProductKind, ReviewState

_OVERLAP_MS = 2_000  # rows this recent are read again: a transaction committing late carries an older updated_ms
POPULAR_EVERY_SECONDS = 10.0
_FREEZE_AFTER = 10_000  # rows loaded at once
_COLUMNS = (
    "id, kind, title, summary, topics, tags, author_id, cover_id, video_url, duration_seconds, live_starts_at,"
    " live_ends_at, live_status, stream_url, product_code, product_kind, risk_level, audience_segment_id, pinned_rank,"
    " published_ms, publish_until, state, updated_ms"
)


def _moment(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _json(value):
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


@dataclass(slots=True, eq=False)
class Entry:
    """A published item as a feed card shows it; ``body_html`` is read only for the detail."""

    id: int
    kind: ContentKind
    title: str
    summary: str
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    author_id: int
    cover_id: int | None
    video_url: str | None
    duration_seconds: int | None
    live_starts_at: datetime | None
    live_ends_at: datetime | None
    live_status: LiveStatus | None
    stream_url: str | None
    product_code: str | None
    product_kind: ProductKind | None
    risk_level: int | None
    audience_segment_id: int | None
    pinned_rank: int | None
    published_ms: int
    until_ms: int | None
    updated_ms: int
    popularity: float = field(default=0.0)

    @classmethod
    def of(cls, row: dict) -> Entry:
        until = _moment(row["publish_until"])
        return cls(
            row["id"], ContentKind(row["kind"]), row["title"], row["summary"], tuple(_json(row["topics"])),
            tuple(_json(row["tags"])), row["author_id"], row["cover_id"], row["video_url"], row["duration_seconds"],
            _moment(row["live_starts_at"]), _moment(row["live_ends_at"]),
            None if row["live_status"] is None else LiveStatus(row["live_status"]), row["stream_url"],
            row["product_code"], None if row["product_kind"] is None else ProductKind(row["product_kind"]),
            row["risk_level"], row["audience_segment_id"], row["pinned_rank"], row["published_ms"] or 0,
            None if until is None else int(until.astimezone(UTC).timestamp() * 1000), row["updated_ms"],
        )


class Catalogue:
    def __init__(self, *, refresh_seconds: float = 1.0) -> None:
        self.refresh_seconds = refresh_seconds
        self.items: dict[int, Entry] = {}
        self.by_topic: dict[str, list[int]] = {}
        self.fresh: list[int] = []  # newest first
        self.popular: list[int] = []  # most popular first
        self.pinned: list[int] = []
        self.audience_segments: list[int] = []  # the segments some published item is aimed at
        self.max_popularity = 1.0
        self.columns = Columns.of([], 1.0)
        self._items_seen_ms = 0
        self._stats_seen_ms = 0
        self._loaded_at = float("-inf")
        self._popular_at = float("-inf")
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task | None = None

    def invalidate(self) -> None:
        """This process changed an item: the next read waits for a reload."""
        self._loaded_at = float("-inf")

    async def current(self) -> Catalogue:
        """The catalogue; when merely stale it is reloaded in the background, so no request waits."""
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            if self._loaded_at == float("-inf"):  # never loaded, or invalidated by a change made here
                await self._reload()
            elif self._refreshing is None or self._refreshing.done():
                self._refreshing = asyncio.create_task(self._reload(), name="content-catalogue")
        return self

    async def _reload(self) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at > self.refresh_seconds:
                await self._load()

    async def close(self) -> None:
        """Wait for a background reload still running (the app is stopping)."""
        if self._refreshing is not None:
            await asyncio.gather(self._refreshing, return_exceptions=True)

    def _sql(self, db, text: str) -> str:
        return text.replace("$1", "?") if db.capabilities.dialect == "sqlite" else text

    async def _load(self) -> None:
        started = time.monotonic()
        db = connections.get("default")
        now = int(time.time() * 1000)
        rows = await db.execute_query_dict(
            self._sql(db, f"SELECT {_COLUMNS} FROM content_item WHERE updated_ms > $1"),
            [min(self._items_seen_ms, now - _OVERLAP_MS)])
        changed = popularity_moved = False
        touched: list[Entry] = []
        for row in rows:
            self._items_seen_ms = max(self._items_seen_ms, row["updated_ms"])
            old = self.items.get(row["id"])
            if row["state"] != ReviewState.PUBLISHED.value:
                changed |= self.items.pop(row["id"], None) is not None
            elif old is None or old.updated_ms != row["updated_ms"]:
                entry = Entry.of(row)
                entry.popularity = old.popularity if old else 0.0
                self.items[entry.id] = entry
                touched.append(entry)
                changed = True
        stats = await db.execute_query_dict(
            self._sql(db, "SELECT item_id, score, updated_ms FROM content_item_stats WHERE updated_ms > $1"),
            [min(self._stats_seen_ms, now - _OVERLAP_MS)])
        for row in stats:
            self._stats_seen_ms = max(self._stats_seen_ms, row["updated_ms"])
            entry = self.items.get(row["item_id"])
            if entry is not None and entry.popularity != row["score"]:
                entry.popularity = row["score"]
                self.columns.popularity_moved(entry, self.max_popularity)
                popularity_moved = True
        # Whose window closed: of the indexed items, from the columns (no loop over 100,000 entries
        # every second), and of those (re)loaded just now, one by one.
        ended = self.columns.ids[self.columns.until_ms <= now].tolist()
        ended += [e.id for e in touched if e.until_ms is not None and e.until_ms <= now]
        expired = [i for i in ended if i in self.items and (self.items[i].until_ms or math.inf) <= now]
        for item_id in expired:
            del self.items[item_id]
        if changed or expired or (popularity_moved and started - self._popular_at > POPULAR_EVERY_SECONDS):
            self._index()
            self._popular_at = started
            if len(rows) > _FREEZE_AFTER:
                # Tens of thousands of entries just loaded would be walked by every full collection
                # of the cyclic GC from now on (a pause of tens of ms in a feed's p99); they hold no
                # cycles, so reference counting still frees them when replaced.
                gc.freeze()
        self._loaded_at = started

    def _index(self) -> None:
        entries = list(self.items.values())
        by_popularity = sorted(entries, key=lambda e: (-e.popularity, -e.published_ms))
        by_topic: dict[str, list[int]] = defaultdict(list)
        for entry in by_popularity:
            for topic in entry.topics:
                if len(by_topic[topic]) < 200:
                    by_topic[topic].append(entry.id)
        self.by_topic = dict(by_topic)
        self.fresh = [e.id for e in sorted(entries, key=lambda e: -e.published_ms)[:300]]
        self.popular = [e.id for e in by_popularity[:300]]
        self.pinned = [e.id for e in sorted((e for e in entries if e.pinned_rank), key=lambda e: e.pinned_rank)]
        self.audience_segments = sorted({e.audience_segment_id for e in entries if e.audience_segment_id is not None})
        self.max_popularity = max((e.popularity for e in entries), default=1.0) or 1.0
        self.columns = Columns.of(entries, self.max_popularity)

    def popularity_feature(self, entry: Entry) -> float:
        return math.log1p(max(entry.popularity, 0.0)) / math.log1p(self.max_popularity)


NO_SEGMENT = -1  # the audience column's value for an item aimed at everyone


@dataclass(slots=True)
class Columns:
    """What ranking reads of every item, as arrays by row (``row[item id]``), so a page's few
    hundred candidates are filtered and scored in a handful of numpy operations.

    ``topics`` holds each item's topic numbers (``topic_number``), padded with 0, which stands
    for no topic; ``authors`` likewise holds author numbers (``author_number``). Missing values:
    no end of window is +inf, no risk level 0, no audience segment -1, not pinned 0."""

    row: dict[int, int]
    ids: np.ndarray
    published_ms: np.ndarray
    until_ms: np.ndarray
    risk_level: np.ndarray
    audience: np.ndarray
    pinned_rank: np.ndarray
    popularity: np.ndarray  # the popularity feature, log-scaled to [0, 1]
    kind: np.ndarray  # index in KINDS
    authors: np.ndarray
    topics: np.ndarray
    topic_number: dict[str, int]
    author_number: dict[int, int]

    @classmethod
    def of(cls, entries: list[Entry], max_popularity: float) -> Columns:
        topic_number: dict[str, int] = {}
        author_number: dict[int, int] = {}
        width = max((len(e.topics) for e in entries), default=1) or 1
        topics = np.zeros((len(entries), width), dtype=np.int32)
        for n, entry in enumerate(entries):
            for k, topic in enumerate(entry.topics):
                topics[n, k] = topic_number.setdefault(topic, len(topic_number) + 1)
        authors = np.array([author_number.setdefault(e.author_id, len(author_number) + 1) for e in entries],
                           dtype=np.int32)
        scale = math.log1p(max_popularity)
        return cls(
            row={e.id: n for n, e in enumerate(entries)},
            ids=np.array([e.id for e in entries], dtype=np.int64),
            published_ms=np.array([e.published_ms for e in entries], dtype=np.int64),
            until_ms=np.array([math.inf if e.until_ms is None else e.until_ms for e in entries], dtype=np.float64),
            risk_level=np.array([e.risk_level or 0 for e in entries], dtype=np.int32),
            audience=np.array([NO_SEGMENT if e.audience_segment_id is None else e.audience_segment_id
                               for e in entries], dtype=np.int64),
            pinned_rank=np.array([e.pinned_rank or 0 for e in entries], dtype=np.int64),
            popularity=np.array([math.log1p(max(e.popularity, 0.0)) / scale for e in entries], dtype=np.float64),
            kind=np.array([KINDS.index(e.kind) for e in entries], dtype=np.int32),
            authors=authors,
            topics=topics,
            topic_number=topic_number,
            author_number=author_number,
        )

    def popularity_moved(self, entry: Entry, max_popularity: float) -> None:
        row = self.row.get(entry.id)
        if row is not None:
            self.popularity[row] = math.log1p(max(entry.popularity, 0.0)) / math.log1p(max_popularity)


KINDS = tuple(ContentKind)
