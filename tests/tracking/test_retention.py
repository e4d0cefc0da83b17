"""Events past ``TRACKING_RETENTION_DAYS`` are deleted by the worker, with the rollup hours
wholly before the horizon; what is kept answers the same reports; reports refuse to reach
back past the horizon."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from identity.roles import Role
from tests.tracking import report_oracle
from tests.tracking.support import send, event
from tracking import reports, retention
from tracking.models import DeviceHour, HourlyRollup, TrackedEvent
from tracking.worker import run_worker

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
PAGE_VIEWS = """
query PV($since: DateTime!, $until: DateTime!) {
  trackingPageViews(since: $since, until: $until) {
    __typename
    ... on PageViewsReport { rows { page pageViews } }
    ... on InvalidInput { field message }
  }
}
"""


@pytest.fixture
def environ(environ):
    environ["TRACKING_RETENTION_DAYS"] = "30"
    return environ


def _now_for(horizon: datetime, days: int) -> int:
    """The clock at which ``horizon`` is the first kept moment, ``days`` kept."""
    return int(horizon.timestamp() * 1000) + days * DAY_MS


async def test_expiry_deletes_what_is_past_the_horizon_and_keeps_the_rest_answering_the_same(runtime):
    # given six days of generated events and their rollups
    await report_oracle.store(report_oracle.generated_batches())
    horizon = report_oracle.START + timedelta(days=3, minutes=30)  # mid-hour
    horizon_ms = int(horizon.timestamp() * 1000)
    kept_window = reports.window(since=horizon, until=report_oracle.START + timedelta(days=6), time_zone="UTC")
    before = {
        "page_views": await reports.page_views(win=kept_window, apps=None),
        "funnel": await reports.funnel(win=kept_window, apps=None, steps=["$exposure", "$click"],
                                       within=timedelta(hours=3)),
        "events": await TrackedEvent.filter(event_ms__gte=horizon_ms).count(),
        "older": await TrackedEvent.filter(event_ms__lt=horizon_ms).count(),
    }
    assert before["older"] > 1000 and before["events"] > 1000

    # when expiry runs at the moment that horizon is 30 days back, in chunks smaller than the backlog
    expired = await retention.expire(retention_days=30, now_ms=_now_for(horizon, 30))

    # then every older event went, and only those
    assert expired.events == before["older"]
    assert await TrackedEvent.filter(event_ms__lt=horizon_ms).count() == 0
    assert await TrackedEvent.filter(event_ms__gte=horizon_ms).count() == before["events"]
    # the rollup hours wholly before the horizon went; the hour it cuts stays
    cut_hour = horizon_ms // HOUR_MS * HOUR_MS
    for model in (HourlyRollup, DeviceHour):
        assert await model.filter(hour_ms__lt=cut_hour).count() == 0
        assert await model.filter(hour_ms=cut_hour).exists()
    assert expired.rollup_rows > 0
    # and the kept days answer exactly as before
    assert await reports.page_views(win=kept_window, apps=None) == before["page_views"]
    assert await reports.funnel(win=kept_window, apps=None, steps=["$exposure", "$click"],
                                within=timedelta(hours=3)) == before["funnel"]

    # and a second run finds nothing more
    again = await retention.expire(retention_days=30, now_ms=_now_for(horizon, 30))
    assert (again.events, again.rollup_rows) == (0, 0)


async def test_zero_days_keeps_everything(runtime):
    await report_oracle.store(report_oracle.generated_batches(events=1000))
    expired = await retention.expire(retention_days=0, now_ms=_now_for(datetime(2030, 1, 1, tzinfo=UTC), 1))
    assert expired == retention.Expired(0, 0, 0)
    assert await TrackedEvent.all().count() == 1000 + 80  # the events and the identifies


async def test_the_worker_expires_old_events_as_it_starts(client, runtime):
    # given an event from 40 days ago and one from today, both stored (expiry off meanwhile)
    old_at = datetime.now(UTC) - timedelta(days=40)
    assert (await send(client, [event("$page", at=old_at), event("$page")])).json()["accepted"] == 2
    keep_all = dataclasses.replace(runtime.tracking.config, retention_days=0)
    await run_worker(redis=runtime.tracking.redis, config=keep_all, stop=asyncio.Event(), until_idle=True)
    assert await TrackedEvent.all().count() == 2

    # when a worker keeping 30 days starts
    await run_worker(redis=runtime.tracking.redis, config=runtime.tracking.config, stop=asyncio.Event(),
                     until_idle=True)

    # then only today's event is left
    assert runtime.tracking.config.retention_days == 30
    assert await TrackedEvent.all().count() == 1


async def test_a_report_reaching_past_the_horizon_is_refused_on_since(gql, sign_in):
    operator = await sign_in("13900000001", Role.OPERATOR)
    now = datetime.now(UTC)
    window = {"until": now.isoformat()}

    too_old = await gql(PAGE_VIEWS, {**window, "since": (now - timedelta(days=31)).isoformat()},
                        token=operator.access_token)
    kept = await gql(PAGE_VIEWS, {**window, "since": (now - timedelta(days=29)).isoformat()},
                     token=operator.access_token)

    assert too_old["data"]["trackingPageViews"]["__typename"] == "InvalidInput"
    assert too_old["data"]["trackingPageViews"]["field"] == "since"
    assert "30" in too_old["data"]["trackingPageViews"]["message"]
    assert kept["data"]["trackingPageViews"]["__typename"] == "PageViewsReport"
