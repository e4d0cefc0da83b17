"""GraphQL types of tracking reports and event definitions."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.scalars import JSON

from bff.errors import Error
from tracking import reports
from tracking.models import EventDefinition
from tracking.service import WriteKeyInfo


@strawberry.type(description="You do not develop this app, so its events are not yours to see.")
class AppNotVisible(Error):
    app_id: str


@strawberry.type
class TrackingEventDefinition:
    app_id: str = strawberry.field(description="The owning mini-program; empty for the super-app.")
    name: str
    schema: JSON = strawberry.field(description="JSON Schema of the event's properties.")
    description: str
    updated_at: datetime

    @classmethod
    def of(cls, row: EventDefinition) -> TrackingEventDefinition:
        return cls(app_id=row.app_id, name=row.name, schema=row.json_schema,
                   description=row.description, updated_at=row.updated_at)


@strawberry.type
class TrackingEventDefinitions:
    items: list[TrackingEventDefinition]


@strawberry.type
class TrackingRejectionCount:
    app_id: str
    event_name: str
    code: str
    count: int


@strawberry.type
class TrackingRejections:
    items: list[TrackingRejectionCount]


@strawberry.type(description="One event name's count in the window.")
class TrackingEventCount:
    app_id: str = strawberry.field(description='The sending mini-program, "" for the super-app itself.')
    event_name: str
    events: int
    visitors: int = strawberry.field(description="Distinct users, or devices where no user is known.")
    vouched_users: int = strawberry.field(
        description="Distinct users vouched for: by their token, their bridge session, or a partner's signature.")


@strawberry.type
class TrackingEventCounts:
    items: list[TrackingEventCount]


@strawberry.type
class TrackingAppDevelopers:
    app_id: str
    developer_ids: list[strawberry.ID]


@strawberry.type
class PageHourStats:
    page: str
    hour: datetime = strawberry.field(description="Start of the hour in the report's time zone.")
    page_views: int
    visitors: int


@strawberry.type
class PageViewsReport:
    time_zone: str
    rows: list[PageHourStats]

    @classmethod
    def of(cls, time_zone: str, rows: list[reports.PageHour]) -> PageViewsReport:
        return cls(time_zone=time_zone, rows=[
            PageHourStats(page=r.page, hour=r.hour, page_views=r.page_views, visitors=r.visitors) for r in rows
        ])


@strawberry.type
class PlacementClickThrough:
    placement: str
    exposures: int
    clicks: int = strawberry.field(description="Clicks that followed an exposure of the placement to the same visitor.")
    rate: float


@strawberry.type
class ClickThroughReport:
    rows: list[PlacementClickThrough]


@strawberry.type
class PageHourClickThrough:
    page: str
    hour: datetime = strawberry.field(description="The local hour's start, with its UTC offset.")
    exposures: int
    clicks: int = strawberry.field(description="Clicks here that followed an exposure of the placement to the same visitor.")
    rate: float


@strawberry.type
class ClickThroughByHourReport:
    time_zone: str
    rows: list[PageHourClickThrough]


@strawberry.type
class TrackingWriteKey:
    app_id: str
    write_key: str = strawberry.field(description="Shown this once: Basic auth user name of /v1/batch (Segment, RudderStack).")
    id: strawberry.ID | None = None
    fingerprint: str | None = strawberry.field(default=None, description="The first 12 hex of the key's SHA-256.")


@strawberry.type(description="A write key of an app, as listed after it was shown: never the key itself.")
class TrackingWriteKeyInfo:
    id: strawberry.ID
    app_id: str
    fingerprint: str = strawberry.field(description="The first 12 hex of the key's SHA-256.")
    created_at: datetime

    @classmethod
    def of(cls, info: WriteKeyInfo) -> TrackingWriteKeyInfo:
        return cls(id=strawberry.ID(str(info.id)), app_id=info.app_id, fingerprint=info.fingerprint,
                   created_at=info.created_at)


@strawberry.type
class TrackingWriteKeys:
    items: list[TrackingWriteKeyInfo]

    @classmethod
    def of(cls, keys: list[WriteKeyInfo]) -> TrackingWriteKeys:
        return cls(items=[TrackingWriteKeyInfo.of(k) for k in keys])


@strawberry.type
class PageConversion:
    page: str
    hour: datetime | None = strawberry.field(description="The local hour, when asked per hour.")
    visitors: int
    converted: int
    rate: float


@strawberry.type
class ConversionReport:
    goal_event: str
    within_hours: int
    rows: list[PageConversion]


@strawberry.type
class FunnelStep:
    name: str
    visitors: int


@strawberry.type
class FunnelReport:
    within_hours: int
    steps: list[FunnelStep]


@strawberry.type
class RetainedDay:
    day: int = strawberry.field(description="N of day-N retention.")
    visitors: int
    rate: float


@strawberry.type
class RetentionCohort:
    first_seen: date
    visitors: int
    retained: list[RetainedDay]


@strawberry.type
class RetentionReport:
    time_zone: str
    cohorts: list[RetentionCohort]

    @classmethod
    def of(cls, time_zone: str, cohorts: list[reports.RetentionCohort]) -> RetentionReport:
        return cls(time_zone=time_zone, cohorts=[
            RetentionCohort(
                first_seen=c.day, visitors=c.visitors,
                retained=[RetainedDay(day=n, visitors=v, rate=v / c.visitors if c.visitors else 0.0)
                          for n, v in c.retained],
            )
            for c in cohorts
        ])


@strawberry.type
class RealtimeVisitors:
    day: date = strawberry.field(description="Today in the tracking time zone.")
    time_zone: str
    visitors: int = strawberry.field(description="Distinct visitors so far today (HyperLogLog, about 1% error).")
