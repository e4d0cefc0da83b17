"""Tracking reports and event definitions. Operators see every app, developers their own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, TypeVar

import strawberry
from strawberry.scalars import JSON

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import OptionalTrackingAppId, ParsedIds, RecordId, TrackingAppId
from bff.permissions import requires
from bff.tracking.types import (
    ClickThroughByHourReport,
    PageHourClickThrough,
    TrackingWriteKey,
    TrackingWriteKeys,
    AppNotVisible,
    ClickThroughReport,
    ConversionReport,
    FunnelReport,
    FunnelStep,
    PageConversion,
    PageViewsReport,
    PlacementClickThrough,
    RealtimeVisitors,
    RetentionReport,
    TrackingAppDevelopers,
    TrackingEventCount,
    TrackingEventCounts,
    TrackingEventDefinition,
    TrackingEventDefinitions,
    TrackingRejectionCount,
    TrackingRejections,
)
from identity.roles import Role
from tracking import errors
from tracking.access import ReadScope

T = TypeVar("T")


def _readers() -> list:
    """Operators and developers; the app id parsed first (each field its own extensions)."""
    return [ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)]


PageViewsResult = Annotated[PageViewsReport | InvalidInput | AppNotVisible, strawberry.union("PageViewsResult")]
ClickThroughResult = Annotated[ClickThroughReport | InvalidInput | AppNotVisible, strawberry.union("ClickThroughResult")]
ConversionResult = Annotated[ConversionReport | InvalidInput | AppNotVisible, strawberry.union("ConversionResult")]
FunnelResult = Annotated[FunnelReport | InvalidInput | AppNotVisible, strawberry.union("FunnelResult")]
RetentionResult = Annotated[RetentionReport | InvalidInput | AppNotVisible, strawberry.union("RetentionResult")]
RealtimeVisitorsResult = Annotated[RealtimeVisitors | AppNotVisible, strawberry.union("RealtimeVisitorsResult")]
DefinitionsResult = Annotated[TrackingEventDefinitions | AppNotVisible, strawberry.union("TrackingEventDefinitionsResult")]
EventCountsResult = Annotated[
    TrackingEventCounts | InvalidInput | AppNotVisible, strawberry.union("TrackingEventCountsResult")
]
RejectionsResult = Annotated[TrackingRejections | AppNotVisible, strawberry.union("TrackingRejectionsResult")]
ClickThroughByHourResult = Annotated[
    ClickThroughByHourReport | InvalidInput | AppNotVisible, strawberry.union("ClickThroughByHourResult")
]
WriteKeyResult = Annotated[TrackingWriteKey | InvalidInput | AppNotVisible, strawberry.union("CreateTrackingWriteKeyResult")]
WriteKeysResult = Annotated[TrackingWriteKeys | InvalidInput | AppNotVisible, strawberry.union("TrackingWriteKeysResult")]
RegisterEventResult = Annotated[
    TrackingEventDefinition | InvalidInput | AppNotVisible, strawberry.union("RegisterTrackingEventResult")
]


async def _scope(info: Info) -> ReadScope:
    principal = info.context.principal
    return await info.context.runtime.tracking.scope(
        user_id=principal.user_id, sees_everything=principal.has_any({Role.OPERATOR})
    )


async def _answer(info: Info, report: Callable[[ReadScope], Awaitable[T]]):
    """Run a report in the caller's scope; expected failures become schema types."""
    try:
        return await report(await _scope(info))
    except errors.AppNotVisible as exc:
        return AppNotVisible(message=str(exc), app_id=exc.app_id)
    except (errors.InvalidReportInput, errors.InvalidDefinition) as exc:
        return InvalidInput(message=str(exc), field=exc.field)


@strawberry.type
class TrackingQuery:
    @strawberry.field(extensions=_readers(), description="Page views and distinct visitors per page per local hour.")
    async def tracking_page_views(
        self, info: Info, since: datetime, until: datetime, time_zone: str | None = None,
        app_id: OptionalTrackingAppId = None,
    ) -> PageViewsResult:
        tracking = info.context.runtime.tracking
        zone = time_zone or tracking.config.time_zone

        async def report(scope: ReadScope) -> PageViewsReport:
            rows = await tracking.page_views(scope=scope, app_id=app_id, since=since, until=until, time_zone=zone)
            return PageViewsReport.of(zone, rows)

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="How many of each event arrived, per app and event name.")
    async def tracking_event_counts(
        self, info: Info, since: datetime, until: datetime, app_id: OptionalTrackingAppId = None,
    ) -> EventCountsResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> TrackingEventCounts:
            rows = await tracking.event_counts(scope=scope, app_id=app_id, since=since, until=until)
            return TrackingEventCounts(items=[
                TrackingEventCount(app_id=r.app_id, event_name=r.name, events=r.events, visitors=r.visitors,
                                   vouched_users=r.vouched_users) for r in rows
            ])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Exposures and the clicks that followed them, per placement.")
    async def tracking_click_through(
        self, info: Info, since: datetime, until: datetime, app_id: OptionalTrackingAppId = None,
        exposure_event: str = "$exposure", click_event: str = "$click",
    ) -> ClickThroughResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> ClickThroughReport:
            rows = await tracking.click_through(scope=scope, app_id=app_id, since=since, until=until,
                                                exposure=exposure_event, click=click_event)
            return ClickThroughReport(rows=[
                PlacementClickThrough(placement=r.placement, exposures=r.exposures, clicks=r.clicks, rate=r.rate)
                for r in rows
            ])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Exposures and followed clicks per page per local hour.")
    async def tracking_click_through_by_hour(
        self, info: Info, since: datetime, until: datetime, time_zone: str | None = None,
        app_id: OptionalTrackingAppId = None, exposure_event: str = "$exposure", click_event: str = "$click",
    ) -> ClickThroughByHourResult:
        tracking = info.context.runtime.tracking
        zone = time_zone or tracking.config.time_zone

        async def report(scope: ReadScope) -> ClickThroughByHourReport:
            rows = await tracking.click_through_by_hour(scope=scope, app_id=app_id, since=since, until=until,
                                                        exposure=exposure_event, click=click_event, time_zone=zone)
            return ClickThroughByHourReport(time_zone=zone, rows=[
                PageHourClickThrough(page=r.page, hour=r.hour, exposures=r.exposures, clicks=r.clicks, rate=r.rate)
                for r in rows
            ])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(),
                      description="Per page (and local hour, with perHour): visitors, and those who reached the goal after.")
    async def tracking_conversion(
        self, info: Info, since: datetime, until: datetime, goal_event: str, within_hours: int = 24,
        app_id: OptionalTrackingAppId = None, per_hour: bool = False, time_zone: str | None = None,
    ) -> ConversionResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> ConversionReport:
            rows = await tracking.conversion(scope=scope, app_id=app_id, since=since, until=until,
                                             goal=goal_event, within_hours=within_hours, by_hour=per_hour,
                                             time_zone=time_zone)
            return ConversionReport(goal_event=goal_event, within_hours=within_hours, rows=[
                PageConversion(page=r.page, hour=r.hour, visitors=r.visitors, converted=r.converted, rate=r.rate)
                for r in rows
            ])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Visitors reaching each step in order within the window.")
    async def tracking_funnel(
        self, info: Info, steps: list[str], since: datetime, until: datetime, within_hours: int = 24,
        app_id: OptionalTrackingAppId = None,
    ) -> FunnelResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> FunnelReport:
            found = await tracking.funnel(scope=scope, app_id=app_id, since=since, until=until,
                                          steps=steps, within_hours=within_hours)
            return FunnelReport(within_hours=within_hours,
                                steps=[FunnelStep(name=s.name, visitors=s.visitors) for s in found])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Visitors first seen each day, and how many returned on day N.")
    async def tracking_retention(
        self, info: Info, since: datetime, until: datetime, days: list[int] | None = None,
        time_zone: str | None = None, app_id: OptionalTrackingAppId = None,
    ) -> RetentionResult:
        tracking = info.context.runtime.tracking
        zone = time_zone or tracking.config.time_zone

        async def report(scope: ReadScope) -> RetentionReport:
            cohorts = await tracking.retention(scope=scope, app_id=app_id, since=since, until=until,
                                               days=days or [1, 7], time_zone=zone)
            return RetentionReport.of(zone, cohorts)

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Distinct visitors today, counted as events arrive.")
    async def tracking_realtime_visitors(
        self, info: Info, app_id: OptionalTrackingAppId = None
    ) -> RealtimeVisitorsResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> RealtimeVisitors:
            visitors = await tracking.realtime_uv(scope=scope, app_id=app_id)
            return RealtimeVisitors(day=date.fromisoformat(tracking.ingest.today()),
                                    time_zone=tracking.config.time_zone, visitors=visitors)

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="Registered events of the apps you may see.")
    async def tracking_event_definitions(self, info: Info, app_id: OptionalTrackingAppId = None) -> DefinitionsResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> TrackingEventDefinitions:
            rows = await tracking.definitions(scope=scope, app_id=app_id)
            return TrackingEventDefinitions(items=[TrackingEventDefinition.of(r) for r in rows])

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="The write keys of an app you develop: ids and fingerprints, never the keys.")
    async def tracking_write_keys(self, info: Info, app_id: TrackingAppId) -> WriteKeysResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> TrackingWriteKeys:
            return TrackingWriteKeys.of(await tracking.write_keys(scope=scope, app_id=app_id))

        return await _answer(info, report)

    @strawberry.field(extensions=_readers(), description="How many events were rejected at ingest, by reason.")
    async def tracking_rejections(self, info: Info, app_id: OptionalTrackingAppId = None) -> RejectionsResult:
        tracking = info.context.runtime.tracking

        async def report(scope: ReadScope) -> TrackingRejections:
            rows = await tracking.rejections(scope=scope, app_id=app_id)
            return TrackingRejections(items=[
                TrackingRejectionCount(app_id=a, event_name=n, code=c, count=k) for a, n, c, k in rows
            ])

        return await _answer(info, report)


@strawberry.type
class TrackingMutation:
    @strawberry.mutation(extensions=_readers(), description="Register (or replace) an event of an app you develop.")
    async def register_tracking_event(
        self, info: Info, app_id: TrackingAppId, name: str, schema: JSON, description: str = "",
    ) -> RegisterEventResult:
        tracking = info.context.runtime.tracking

        async def register(scope: ReadScope) -> TrackingEventDefinition:
            row = await tracking.register_event(scope=scope, app_id=app_id, name=name, schema=schema,
                                                description=description)
            return TrackingEventDefinition.of(row)

        return await _answer(info, register)

    @strawberry.mutation(extensions=_readers(), description="A new write key of an app you develop, for /v1/batch.")
    async def create_tracking_write_key(self, info: Info, app_id: TrackingAppId) -> WriteKeyResult:
        tracking = info.context.runtime.tracking

        async def create(scope: ReadScope) -> TrackingWriteKey:
            issued = await tracking.create_write_key(scope=scope, app_id=app_id)
            return TrackingWriteKey(app_id=app_id, write_key=issued.key, id=strawberry.ID(str(issued.info.id)),
                                    fingerprint=issued.info.fingerprint)

        return await _answer(info, create)

    @strawberry.mutation(extensions=_readers(), description=(
        "Revoke a write key of an app you develop: it stops authenticating at once (answers the keys left)."))
    async def revoke_tracking_write_key(self, info: Info, app_id: TrackingAppId, id: RecordId) -> WriteKeysResult:
        tracking = info.context.runtime.tracking

        async def revoke(scope: ReadScope) -> TrackingWriteKeys:
            await tracking.revoke_write_key(scope=scope, app_id=app_id, key_id=id)
            return TrackingWriteKeys.of(await tracking.write_keys(scope=scope, app_id=app_id))

        return await _answer(info, revoke)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Record that a user develops an app."
    )
    async def assign_tracking_app_developer(
        self, info: Info, app_id: TrackingAppId, user_id: RecordId
    ) -> TrackingAppDevelopers:
        ownership = info.context.runtime.tracking.ownership
        await ownership.assign(app_id=app_id, user_id=user_id)
        developers = await ownership.developers_of(app_id)
        return TrackingAppDevelopers(app_id=app_id, developer_ids=[strawberry.ID(str(d)) for d in developers])
