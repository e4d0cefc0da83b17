"""Operators read every app's events; a developer reads only the apps they develop."""

from __future__ import annotations

import pytest

from identity.roles import Role
from tests.tracking.support import drain, event, send, utc

ASSIGN = """
mutation Assign($appId: String!, $userId: ID!) {
  assignTrackingAppDeveloper(appId: $appId, userId: $userId) { appId }
}
"""
PAGE_VIEWS = """
query PV($appId: String) {
  trackingPageViews(since: "2026-11-01T00:00:00+08:00", until: "2026-11-30T00:00:00+08:00", appId: $appId) {
    __typename
    ... on PageViewsReport { rows { page pageViews } }
    ... on AppNotVisible { appId message }
  }
}
"""
REALTIME = """
query Today($appId: String) {
  trackingRealtimeVisitors(appId: $appId) {
    __typename
    ... on RealtimeVisitors { visitors timeZone }
  }
}
"""


@pytest.fixture
async def people(gql, sign_in):
    operator = await sign_in("13900000001", Role.OPERATOR)
    mall_dev = await sign_in("13900000002", Role.DEVELOPER)
    game_dev = await sign_in("13900000003", Role.DEVELOPER)
    await gql(ASSIGN, {"appId": "mall", "userId": str(mall_dev.user_id)}, token=operator.access_token)
    await gql(ASSIGN, {"appId": "game", "userId": str(game_dev.user_id)}, token=operator.access_token)
    return operator, mall_dev, game_dev


async def test_each_developer_sees_only_their_own_apps(gql, client, runtime, people):
    operator, mall_dev, game_dev = people
    at = utc(2026, 11, 10, 2, 0)
    await send(client, [
        event("$page", page="/mall/home", app_id="mall", at=at),
        event("$page", page="/game/lobby", app_id="game", at=at),
        event("$page", page="/home", at=at),  # the super-app's own page
    ])
    await drain(runtime)

    everything = await gql(PAGE_VIEWS, {}, token=operator.access_token)
    mall_only = await gql(PAGE_VIEWS, {}, token=mall_dev.access_token)
    peeking = await gql(PAGE_VIEWS, {"appId": "mall"}, token=game_dev.access_token)
    host = await gql(PAGE_VIEWS, {"appId": ""}, token=game_dev.access_token)

    assert sorted(r["page"] for r in everything["data"]["trackingPageViews"]["rows"]) == ["/game/lobby", "/home", "/mall/home"]
    assert mall_only["data"]["trackingPageViews"]["rows"] == [{"page": "/mall/home", "pageViews": 1}]
    assert peeking["data"]["trackingPageViews"]["__typename"] == "AppNotVisible"
    assert peeking["data"]["trackingPageViews"]["appId"] == "mall"
    assert host["data"]["trackingPageViews"]["__typename"] == "AppNotVisible"


async def test_customers_cannot_read_reports(gql, sign_in):
    customer = await sign_in("13900000009")

    answer = await gql(PAGE_VIEWS, {}, token=customer.access_token)
    anonymous = await gql(PAGE_VIEWS, {})

    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_realtime_visitors_today_per_scope(gql, client, people):
    operator, mall_dev, game_dev = people
    # given three devices in mall (one of them twice), one in game, one in the super-app, today
    await send(client, [
        event("$page", app_id="mall", anonymous_id="d1"),
        event("$page", app_id="mall", anonymous_id="d1"),
        event("$page", app_id="mall", anonymous_id="d2"),
        event("$page", app_id="mall", anonymous_id="d3"),
        event("$page", app_id="game", anonymous_id="d4"),
        event("$page", anonymous_id="d5"),
    ])

    # then each sees the distinct visitors of what they may see, before any worker ran
    everyone = await gql(REALTIME, {}, token=operator.access_token)
    mall = await gql(REALTIME, {}, token=mall_dev.access_token)
    peeking = await gql(REALTIME, {"appId": "mall"}, token=game_dev.access_token)

    assert everyone["data"]["trackingRealtimeVisitors"] == {
        "__typename": "RealtimeVisitors", "visitors": 5, "timeZone": "Asia/Shanghai",
    }
    assert mall["data"]["trackingRealtimeVisitors"]["visitors"] == 3
    assert peeking["data"]["trackingRealtimeVisitors"]["__typename"] == "AppNotVisible"


async def test_a_developer_reads_the_apps_their_organisation_registered(gql, client, runtime, sign_in):
    from tests.miniprogram_host.helpers import developer_app

    # given a developer whose organisation registered a mini-program (no operator assignment)
    registered = await developer_app(gql, sign_in)
    developer, app = registered.developer, {"appId": registered.app_id}
    outsider = await sign_in("13900000008", Role.DEVELOPER)
    at = utc(2026, 11, 10, 2, 0)
    await send(client, [event("$page", page="/branches/map", app_id=app["appId"], at=at)])
    await drain(runtime)
    # when each of them asks for that app's page views
    own = await gql(PAGE_VIEWS, {"appId": app["appId"]}, token=developer.access_token)
    other = await gql(PAGE_VIEWS, {"appId": app["appId"]}, token=outsider.access_token)
    # then the organisation's developer sees them and the outsider does not
    assert own["data"]["trackingPageViews"]["rows"] == [{"page": "/branches/map", "pageViews": 1}]
    assert other["data"]["trackingPageViews"]["__typename"] == "AppNotVisible"
