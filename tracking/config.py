"""Tracking's own settings, read from the app's environment when the runtime is built."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.settings import Settings, SettingsError, positive_int, read_env


@dataclass(frozen=True, slots=True)
class TrackingConfig:
    namespace: str  # prefix of every Redis key, so tests and embedded mode never collide
    max_batch_bytes: int
    max_batch_events: int
    max_event_bytes: int
    max_event_depth: int  # nesting levels of one event, the event object being level 1
    dedup_seconds: int
    max_backlog: int  # stream entries not yet stored; past it ingest answers retry-later
    retry_after_seconds: int
    time_zone: str  # the "today" of real-time UV and the default of reports
    schema_refresh_seconds: int
    worker_batch: int
    worker_concurrency: int  # batches in flight at once in one worker process
    worker_block_ms: int
    claim_idle_ms: int  # a pending entry idle this long belongs to a dead worker
    worker_in_app: bool  # embedded mode: drain the stream inside the serving process
    retention_days: int = 400  # events older are deleted by the worker; 0 keeps them (tracking/retention.py)
    analytics_url: str | None = None  # clickhouse://… or chdb:///dir: events also go there, reports come from it
    # Redis Cluster: every tracking key carries one hash tag, so the ingest script's keys
    # (stream, dedup keys, HyperLogLogs) and the worker's acknowledging transaction share a slot
    cluster: bool = False
    redis_url: str | None = None  # TRACKING_REDIS_URL: tracking's own Redis (or cluster); None: the app's
    # TRACKING_STREAM_SHARDS: events go to one of this many streams, by their visitor, each
    # with its own dedup keys and real-time HyperLogLogs (so its own hash tag, its own master
    # on a cluster): one stream's ceiling is one Redis thread. ``shard`` is the one this
    # config's keys name (``on_shard``); a worker drains ``worker_shards`` (all by default).
    shards: int = 1
    shard: int = 0
    worker_shards: tuple[int, ...] = (0,)

    def on_shard(self, shard: int) -> TrackingConfig:
        return replace(self, shard=shard)

    def shard_of(self, visitor: str) -> int:
        """The stream a visitor's events go to: stable across processes and restarts."""
        return zlib.crc32(visitor.encode()) % self.shards if self.shards > 1 else 0

    @property
    def shard_backlog(self) -> int:
        """``max_backlog`` is for all streams together; each takes its share."""
        return -(-self.max_backlog // self.shards)

    @property
    def key_base(self) -> str:
        """Prefix of every tracking key: ``{ns:track}`` on a cluster, else ``ns:track`` as always;
        with shards, ``ns:track:<shard>`` (tagged likewise)."""
        base = f"{self.namespace}:track" if self.shards == 1 else f"{self.namespace}:track:{self.shard}"
        return f"{{{base}}}" if self.cluster else base

    @property
    def stream(self) -> str:
        return f"{self.key_base}:events"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.key_base}:dead"

    @property
    def group(self) -> str:
        return "tracking-store"

    @classmethod
    def from_settings(cls, settings: Settings) -> TrackingConfig:
        config = settings.config()
        time_zone = read_env(config, "TRACKING_TIME_ZONE", str, "Asia/Shanghai")
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"TRACKING_TIME_ZONE is not an IANA time zone: {time_zone!r}") from None
        claim_idle_ms = read_env(config, "TRACKING_CLAIM_IDLE_MS", int, 60_000)
        if claim_idle_ms < 0:
            raise SettingsError("TRACKING_CLAIM_IDLE_MS must not be negative")
        max_event_depth = positive_int(config, "TRACKING_MAX_EVENT_DEPTH", 32)
        if not 2 <= max_event_depth <= 250:  # orjson writes at most 254 levels, and the stream must hold it
            raise SettingsError("TRACKING_MAX_EVENT_DEPTH must be between 2 and 250")
        analytics_url = read_env(config, "ANALYTICS_URL", str, "") or None
        if analytics_url and not analytics_url.startswith(("clickhouse://", "chdb://")):
            raise SettingsError("ANALYTICS_URL must be a clickhouse:// or chdb:// URL")
        redis_url = read_env(config, "TRACKING_REDIS_URL", str, "") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "redis+cluster://")):
            raise SettingsError("TRACKING_REDIS_URL must be a redis://, rediss:// or redis+cluster:// URL")
        retention_days = read_env(config, "TRACKING_RETENTION_DAYS", int, 400)
        if retention_days < 0:
            raise SettingsError("TRACKING_RETENTION_DAYS must not be negative (0 keeps events for good)")
        shards = read_env(config, "TRACKING_STREAM_SHARDS", int, 1)
        if not 1 <= shards <= 256:
            raise SettingsError("TRACKING_STREAM_SHARDS must be between 1 and 256")
        worker_shards = _shard_list(read_env(config, "TRACKING_WORKER_SHARDS", str, ""), shards)
        return cls(
            shards=shards,
            worker_shards=worker_shards,
            retention_days=retention_days,
            analytics_url=analytics_url,
            redis_url=redis_url,
            cluster=bool(redis_url and redis_url.startswith("redis+cluster://")),
            namespace=settings.channel_prefix,
            max_batch_bytes=positive_int(config, "TRACKING_MAX_BATCH_BYTES", 500 * 1024),
            max_batch_events=positive_int(config, "TRACKING_MAX_BATCH_EVENTS", 500),
            max_event_bytes=positive_int(config, "TRACKING_MAX_EVENT_BYTES", 32 * 1024),
            max_event_depth=max_event_depth,
            # Ingest dedup catches an SDK resending a batch whose answer it lost; one key per
            # event for this long (~90 bytes each). Older duplicates still meet the unique key
            # in storage, so the window trades Redis memory only, never correctness.
            dedup_seconds=positive_int(config, "TRACKING_DEDUP_SECONDS", 3600),
            max_backlog=positive_int(config, "TRACKING_MAX_BACKLOG", 200_000),
            retry_after_seconds=positive_int(config, "TRACKING_RETRY_AFTER_SECONDS", 5),
            time_zone=time_zone,
            schema_refresh_seconds=positive_int(config, "TRACKING_SCHEMA_REFRESH_SECONDS", 5),
            worker_batch=positive_int(config, "TRACKING_WORKER_BATCH", 2000),
            worker_concurrency=positive_int(config, "TRACKING_WORKER_CONCURRENCY", 2),
            worker_block_ms=positive_int(config, "TRACKING_WORKER_BLOCK_MS", 1000),
            claim_idle_ms=claim_idle_ms,
            worker_in_app=read_env(config, "TRACKING_WORKER_IN_APP", bool, settings.embedded_redis),
        )


def _shard_list(text: str, shards: int) -> tuple[int, ...]:
    """``TRACKING_WORKER_SHARDS``: e.g. ``0-3,8``; empty for every shard."""
    if not text.strip():
        return tuple(range(shards))
    chosen: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            chosen.update(range(int(low), int(high or low) + 1))
    except ValueError:
        raise SettingsError(f"TRACKING_WORKER_SHARDS is a list of shards and ranges, e.g. 0-3,8: {text!r}") from None
    if not chosen or min(chosen) < 0 or max(chosen) >= shards:
        raise SettingsError(f"TRACKING_WORKER_SHARDS names shards from 0 to {shards - 1}: {text!r}")
    return tuple(sorted(chosen))
