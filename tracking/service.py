"""The tracking service the HTTP and GraphQL layers call: ingest, definitions, reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from collections.abc import Awaitable, Callable, Mapping
import time
from datetime import datetime, timedelta

import orjson
import redis.asyncio as aioredis

from infra.i18n import Text
from infra.pii import PiiCipher
from tracking import reports, segment
from tracking.access import AppOwnership, ReadScope
from tracking.behaviour import UserEvent, event_counts, user_events
from tracking.clickhouse import store_for
from tracking.config import TrackingConfig
from tracking.errors import BatchRejected, InvalidReportInput, RetryLater
from tracking.ingest import BatchOutcome, Ingest
from tracking.models import EventDefinition, TrackedEvent, WriteKey
from tracking.protocol import decode_body
from tracking.retention import horizon_ms
from tracking.schemas import SchemaRegistry
from tracking.vouching import OpenIdLookup, PartnerSigned, VouchedBy, Voucher

@dataclass(frozen=True, slots=True)
class WriteKeyInfo:
    """A write key as its app's developers see it after it was shown: the key itself is not kept."""

    id: int
    app_id: str
    fingerprint: str  # the first 12 hex of the key's SHA-256, which is what is stored
    created_at: datetime

    @classmethod
    def of(cls, row: WriteKey) -> WriteKeyInfo:
        return cls(id=row.id, app_id=row.app_id, fingerprint=row.key_hash[:12], created_at=row.created_at)


@dataclass(frozen=True, slots=True)
class IssuedWriteKey:
    info: WriteKeyInfo
    key: str


_VOUCHED = (VouchedBy.TOKEN, VouchedBy.PARTNER, VouchedBy.BRIDGE)  # a mini-program's track, in the user's session


@dataclass(frozen=True, slots=True)
class VouchedEvent:
    """A stored event whose user was vouched for: the only kind that may shape a profile."""

    id: int  # storage order
    app_id: str
    name: str
    user_id: str
    properties: dict[str, object]
    event_ms: int

__all__ = ["TrackingService", "UserEvent", "event_counts", "user_events"]


AppOpenIdLookup = Callable[[str, list[str]], Awaitable[Mapping[str, int]]]  # (app id, openids) -> users

__all__ = ["BatchOutcome", "BatchRejected", "RetryLater", "TrackingService"]


class TrackingService:
    def __init__(self, *, redis: aioredis.Redis, cipher: PiiCipher, config: TrackingConfig,
                 ownership: AppOwnership | None = None) -> None:
        self.config = config
        self.redis = redis
        self.registry = SchemaRegistry(refresh_seconds=config.schema_refresh_seconds)
        self.ingest = Ingest(redis=redis, cipher=cipher, registry=self.registry, config=config)
        self.ownership = ownership or AppOwnership()
        self.analytics = store_for(config.analytics_url)  # reports come from ClickHouse when configured

    async def accept_batch(self, *, body: bytes, content_encoding: str, client_ip: str | None,
                           signed_in_user: int | None) -> BatchOutcome:
        """A batch from the app; events keep a user only if it is ``signed_in_user`` (the token's)."""
        return await self.ingest.accept(body=body, content_encoding=content_encoding, client_ip=client_ip,
                                        voucher=Voucher.signed_in(signed_in_user))

    async def accept_partner_batch(self, *, body: bytes, content_encoding: str, client_ip: str | None,
                                   app_id: str, users_of_openids: OpenIdLookup) -> BatchOutcome:
        """A batch signed by ``app_id``'s server: its events are that app's, users named by openid."""
        return await self.ingest.accept(body=body, content_encoding=content_encoding, client_ip=client_ip,
                                        voucher=PartnerSigned(app_id, users_of_openids))

    async def vouched_events_after(self, *, after_id: int, names: Sequence[str], app_id: str = "",
                                   settled_before: datetime, limit: int = 1000) -> list[VouchedEvent]:
        """Stored events named ``names`` with a vouched-for user, after ``after_id`` in storage order.

        Only events stored before ``settled_before``: ids are taken before their transaction
        commits, so a reader keeping the last id it saw must wait out transactions still open.
        """
        rows = await (
            TrackedEvent.filter(id__gt=after_id, name__in=list(names), app_id=app_id, vouched_by__in=_VOUCHED,
                                user_id__isnull=False, stored_at__lt=settled_before)
            .order_by("id").limit(limit).values_list("id", "app_id", "name", "user_id", "properties", "event_ms")
        )
        return [VouchedEvent(*row) for row in rows]

    async def accept_segment_batch(self, *, body: bytes, content_encoding: str, authorization: str,
                                   single: str | None, users_of_openids: AppOpenIdLookup) -> BatchOutcome:
        """A Segment-shaped call (``single``: its type, for /v1/track and the like; None for /v1/batch),
        authenticated by an app's write key: its events are that app's, users named by openid."""
        raw = decode_body(body, content_encoding=content_encoding, limit=self.config.max_batch_bytes)
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BatchRejected("INVALID_JSON", Text("tracking.not_json")) from None
        if not isinstance(parsed, dict):
            raise BatchRejected("INVALID_BATCH", Text("tracking.not_a_batch"))
        key = segment.write_key_of(authorization=authorization, body=parsed)
        found = await WriteKey.filter(key_hash=segment.key_hash(key)).first()
        if found is None:
            raise BatchRejected("INVALID_WRITE_KEY", Text("tracking.write_key_unknown"), status=401)
        app_id = found.app_id

        async def lookup(openids: list[str]) -> Mapping[str, int]:
            return await users_of_openids(app_id, openids)

        return await self.ingest.accept(body=segment.as_batch(parsed, single=single), content_encoding="",
                                        client_ip=None, voucher=PartnerSigned(app_id, lookup))

    async def create_write_key(self, *, scope: ReadScope, app_id: str) -> IssuedWriteKey:
        """A new write key for ``app_id`` (which the caller develops); shown once, only its hash kept."""
        if not app_id:
            raise InvalidReportInput("appId", Text("tracking.write_key_needs_app"))
        scope.narrow(app_id)
        key, digest = segment.new_write_key()
        row = await WriteKey.create(app_id=app_id, key_hash=digest)
        return IssuedWriteKey(WriteKeyInfo.of(row), key)

    async def write_keys(self, *, scope: ReadScope, app_id: str) -> list[WriteKeyInfo]:
        """The app's write keys, oldest first: ids, fingerprints and dates, never the keys."""
        scope.narrow(app_id)
        return [WriteKeyInfo.of(row) for row in await WriteKey.filter(app_id=app_id).order_by("id")]

    async def revoke_write_key(self, *, scope: ReadScope, app_id: str, key_id: int) -> None:
        """The key stops authenticating at once (rotating: create a new one, then revoke the old)."""
        scope.narrow(app_id)
        if not await WriteKey.filter(id=key_id, app_id=app_id).delete():
            raise InvalidReportInput("id", Text("tracking.write_key_not_found"))

    async def accept_bridge_events(self, *, app_id: str, user_id: int,
                                   events: list[dict[str, object]]) -> BatchOutcome:
        """Events a mini-program sent through the bridge (``track``): they are ``app_id``'s, and
        the caller's session vouches for ``user_id`` (stored ``vouched_by`` ``bridge``)."""
        body = orjson.dumps({"sentAt": int(time.time() * 1000), "batch": events})
        return await self.ingest.accept(body=body, content_encoding="", client_ip=None,
                                        voucher=Voucher.through_bridge(app_id, user_id))

    async def scope(self, *, user_id: int, sees_everything: bool) -> ReadScope:
        return await self.ownership.scope_for(user_id=user_id, sees_everything=sees_everything)

    async def register_event(self, *, scope: ReadScope, app_id: str, name: str, schema: object,
                             description: str = "") -> EventDefinition:
        scope.narrow(app_id)
        return await self.registry.register(app_id=app_id, name=name, schema=schema, description=description)

    async def definitions(self, *, scope: ReadScope, app_id: str | None) -> list[EventDefinition]:
        apps = scope.narrow(app_id)
        query = EventDefinition.all() if apps is None else EventDefinition.filter(app_id__in=apps)
        return await query.order_by("app_id", "name")

    async def rejections(self, *, scope: ReadScope, app_id: str | None) -> list[tuple[str, str, str, int]]:
        apps = scope.narrow(app_id)
        rows = await self.ingest.rejection_counts()
        return rows if apps is None else [row for row in rows if row[0] in apps]

    async def realtime_uv(self, *, scope: ReadScope, app_id: str | None) -> int:
        return await self.ingest.realtime_uv(app_ids=scope.narrow(app_id))

    def window(self, *, since: datetime, until: datetime, time_zone: str | None) -> reports.Window:
        win = reports.window(since=since, until=until, time_zone=time_zone or self.config.time_zone)
        horizon = horizon_ms(self.config.retention_days)
        if horizon is not None and win.since_ms < horizon:  # deleted, or about to be (tracking/retention.py)
            raise InvalidReportInput("since", Text("tracking.before_retention", days=self.config.retention_days))
        return win

    async def page_views(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                         time_zone: str | None) -> list[reports.PageHour]:
        apps = scope.narrow(app_id)
        return await reports.page_views(win=self.window(since=since, until=until, time_zone=time_zone), apps=apps,
                                        store=self.analytics)

    async def event_counts(self, *, scope: ReadScope, app_id: str | None, since: datetime,
                           until: datetime) -> list[reports.EventCount]:
        """Count per event name (and app): events, distinct visitors, distinct vouched users."""
        apps = scope.narrow(app_id)
        return await reports.event_counts(win=self.window(since=since, until=until, time_zone=None), apps=apps)

    async def click_through(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                            exposure: str, click: str) -> list[reports.PlacementClickThrough]:
        apps = scope.narrow(app_id)
        win = self.window(since=since, until=until, time_zone=None)
        return await reports.click_through(win=win, apps=apps, exposure=exposure, click=click, store=self.analytics)

    async def click_through_by_hour(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                                    exposure: str, click: str,
                                    time_zone: str | None) -> list[reports.PageHourClickThrough]:
        apps = scope.narrow(app_id)
        win = self.window(since=since, until=until, time_zone=time_zone)
        return await reports.click_through_by_hour(win=win, apps=apps, exposure=exposure, click=click,
                                                   store=self.analytics)

    async def conversion(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                         goal: str, within_hours: int, by_hour: bool = False,
                         time_zone: str | None = None) -> list[reports.PageConversion]:
        apps = scope.narrow(app_id)
        win = self.window(since=since, until=until, time_zone=time_zone)
        return await reports.conversion(win=win, apps=apps, goal=goal, within=_hours(within_hours), by_hour=by_hour,
                                        store=self.analytics)

    async def funnel(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                     steps: list[str], within_hours: int) -> list[reports.FunnelStep]:
        apps = scope.narrow(app_id)
        win = self.window(since=since, until=until, time_zone=None)
        return await reports.funnel(win=win, apps=apps, steps=steps, within=_hours(within_hours), store=self.analytics)

    async def retention(self, *, scope: ReadScope, app_id: str | None, since: datetime, until: datetime,
                        days: list[int], time_zone: str | None) -> list[reports.RetentionCohort]:
        apps = scope.narrow(app_id)
        win = self.window(since=since, until=until, time_zone=time_zone)
        return await reports.retention(win=win, apps=apps, days=days, store=self.analytics)


def _hours(value: int) -> timedelta:
    if not 1 <= value <= 24 * 30:
        raise InvalidReportInput("withinHours", Text("tracking.conversion_window"))
    return timedelta(hours=value)
