"""Ingest: checked events go to a Redis Stream once, in one Lua script per batch.

The script refuses the whole batch when the stream is too far behind (backpressure), else
for each event sets its dedup key and appends it only if the key was new, and counts the
visitor in today's HyperLogLog for real-time UV. Stored entries are deleted by the worker
after commit, so the stream's length is exactly what is still to be stored.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from infra.pii import PiiCipher
from tracking.config import TrackingConfig
from tracking.errors import RetryLater
from tracking.metrics import EVENTS_INGESTED, EVENTS_REJECTED
from tracking.protocol import Rejection, check_events, decode_body, parse_batch
from tracking.records import StreamRecord
from tracking.schemas import SchemaRegistry
from tracking.vouching import PartnerSigned, Voucher

# KEYS: stream, hll of all apps, hll per app
# ARGV: dedup key prefix, dedup ttl, max backlog, hll ttl, then one per event:
#   "<event id>\t<app hll index>\t<record json>\t<visitor>" (ids and JSON hold no raw tab)
# Dedup keys are built here from the prefix: one argument per event keeps the call cheap to
# encode. They are not declared, so on Redis Cluster they carry the stream's hash tag
# (TrackingConfig.cluster): every key the script touches lives in the declared keys' slot.
_INGEST = """
local backlog = redis.call('XLEN', KEYS[1])
if backlog >= tonumber(ARGV[3]) then return {-1, backlog} end
local prefix = ARGV[1]
local ttl = tonumber(ARGV[2])
local flags = {}
local visitors = {}
local by_app = {}
for i = 5, #ARGV do
  local id, app, record, visitor = string.match(ARGV[i], '^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$')
  if redis.call('SET', prefix .. id, '1', 'NX', 'EX', ttl) then
    redis.call('XADD', KEYS[1], '*', 'e', record)
    flags[#flags + 1] = '1'
    visitors[#visitors + 1] = visitor
    app = tonumber(app)
    by_app[app] = by_app[app] or {}
    table.insert(by_app[app], visitor)
  else
    flags[#flags + 1] = '0'
  end
end
local hll_ttl = tonumber(ARGV[4])
if #visitors > 0 then
  redis.call('PFADD', KEYS[2], unpack(visitors))
  redis.call('EXPIRE', KEYS[2], hll_ttl)
end
for app, list in pairs(by_app) do
  local key = KEYS[2 + app]
  redis.call('PFADD', key, unpack(list))
  redis.call('EXPIRE', key, hll_ttl)
end
return {1, table.concat(flags)}
"""
_HLL_SECONDS = 2 * 24 * 3600


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    accepted: int
    duplicates: list[str]
    rejections: list[Rejection]
    anonymized: list[str]  # kept without the user they named: nobody vouched for that user

    def as_json(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.as_json() for r in self.rejections],
            "anonymized": self.anonymized,
        }


class Ingest:
    def __init__(self, *, redis: aioredis.Redis, cipher: PiiCipher, registry: SchemaRegistry,
                 config: TrackingConfig) -> None:
        self.redis = redis
        self.cipher = cipher
        self.registry = registry
        self.config = config
        self.zone = ZoneInfo(config.time_zone)
        self._script = redis.register_script(_INGEST)
        self._rejected_counts = f"{config.on_shard(0).key_base}:rejected"
        self._shards = [config.on_shard(shard) for shard in range(config.shards)]

    def uv_key(self, app_id: str | None, day: str, shard: int = 0) -> str:
        """HyperLogLog of today's visitors of one shard; ``app_id`` None counts every app together."""
        scope = "*" if app_id is None else f"app:{app_id}"
        return f"{self._shards[shard].key_base}:uv:{day}:{scope}"

    def today(self) -> str:
        return datetime.now(self.zone).date().isoformat()

    async def accept(self, *, body: bytes, content_encoding: str, client_ip: str | None,
                     voucher: Voucher | PartnerSigned) -> BatchOutcome:
        """Keep the valid events of a batch; ``voucher``: whose events its sender may send."""
        raw = decode_body(body, content_encoding=content_encoding, limit=self.config.max_batch_bytes)
        events, batch_sent_at = parse_batch(raw, config=self.config)
        if isinstance(voucher, PartnerSigned):
            voucher = await voucher.voucher(events)
        received_ms = int(time.time() * 1000)
        ip_hash = self.cipher.blind_index(client_ip, purpose="tracking-ip") if client_ip else None
        checked = check_events(
            events, batch_sent_at=batch_sent_at, received_ms=received_ms, ip_hash=ip_hash,
            registry=await self.registry.fresh(), config=self.config, batch_bytes=len(raw),
            voucher=voucher, has_nul=b"\\u0000" in raw,
        )
        if checked.rejections:
            await self._count_rejections(events, checked.rejections)
            EVENTS_INGESTED.labels("rejected").inc(len(checked.rejections))
            for rejection in checked.rejections:
                EVENTS_REJECTED.labels(rejection.code).inc()
        if not checked.records:
            return BatchOutcome(0, [], checked.rejections, [])
        try:
            flags = await self._append(checked.records)
        except RetryLater:
            EVENTS_INGESTED.labels("deferred").inc(len(checked.records))
            raise
        duplicates = [r.event_id for r, flag in zip(checked.records, flags, strict=True) if flag == "0"]
        EVENTS_INGESTED.labels("accepted").inc(len(checked.records) - len(duplicates))
        if duplicates:
            EVENTS_INGESTED.labels("duplicate").inc(len(duplicates))
        return BatchOutcome(len(checked.records) - len(duplicates), duplicates, checked.rejections,
                            checked.anonymized)

    async def _append(self, records: list[StreamRecord]) -> str:
        """One flag per record, in order: "1" appended, "0" a duplicate. With shards, one
        script call per shard the batch touches, at once; if a shard is too far behind, the
        batch is to be sent again, and what the other shards took then counts as duplicates."""
        day = self.today()
        by_shard: dict[int, list[int]] = {}
        for index, record in enumerate(records):
            by_shard.setdefault(self.config.shard_of(record.visitor), []).append(index)
        answers = await asyncio.gather(*(self._append_to(shard, [records[i] for i in indexes], day)
                                         for shard, indexes in by_shard.items()))
        flags = [""] * len(records)
        behind = 0
        for (status, detail), indexes in zip(answers, by_shard.values(), strict=True):
            if status == -1:
                behind = max(behind, int(detail))
                continue
            for index, flag in zip(indexes, detail.decode(), strict=True):
                flags[index] = flag
        if behind:
            raise RetryLater(self.config.retry_after_seconds, behind)
        return "".join(flags)

    async def _append_to(self, shard: int, records: list[StreamRecord], day: str) -> tuple[int, bytes]:
        config = self._shards[shard]
        apps: dict[str, int] = {}
        args: list = [f"{config.key_base}:seen:", config.dedup_seconds, config.shard_backlog, _HLL_SECONDS]
        for record in records:
            app_index = apps.setdefault(record.app_id, len(apps) + 1)
            args.append(b"%s\t%d\t%s\t%s" % (
                record.event_id.encode(), app_index, record.to_json(), record.visitor.encode()
            ))
        keys = [config.stream, self.uv_key(None, day, shard), *(self.uv_key(app, day, shard) for app in apps)]
        status, detail = await self._script(keys=keys, args=args)
        return int(status), detail

    async def _count_rejections(self, events: list, rejections: list[Rejection]) -> None:
        counts: dict[str, int] = {}
        for rejection in rejections:
            event = events[rejection.index]
            name = event.get("name") if isinstance(event, dict) else None
            app = _app_of(event)
            field = f"{app}|{name if isinstance(name, str) else ''}|{rejection.code}"[:300]
            counts[field] = counts.get(field, 0) + 1
        async with self.redis.pipeline(transaction=False) as pipe:
            for field, count in counts.items():
                pipe.hincrby(self._rejected_counts, field, count)
            await pipe.execute()

    async def rejection_counts(self) -> list[tuple[str, str, str, int]]:
        """(app id, event name, reason code, count) of every event rejected so far."""
        raw = await self.redis.hgetall(self._rejected_counts)
        rows = []
        for field, count in raw.items():
            app, name, code = field.decode().split("|", 2)
            rows.append((app, name, code, int(count)))
        return sorted(rows)

    async def realtime_uv(self, *, app_ids: list[str] | None) -> int:
        """Distinct visitors today (configured time zone): all apps, or the union of some."""
        day = self.today()
        if app_ids is not None and not app_ids:
            return 0
        # a visitor's events all go to one shard, so the shards' counts add up
        counts = await asyncio.gather(*(
            self.redis.pfcount(*([self.uv_key(None, day, shard)] if app_ids is None
                                 else [self.uv_key(app, day, shard) for app in app_ids]))
            for shard in range(self.config.shards)
        ))
        return sum(int(count) for count in counts)


def _app_of(event: object) -> str:
    if isinstance(event, dict):
        context = event.get("context")
        if isinstance(context, dict) and isinstance(context.get("miniProgram"), dict):
            app = context["miniProgram"].get("appId")
            if isinstance(app, str):
                return app[:64]
    return ""
