"""Reports through GraphQL, in the time zone asked for, on events with known times."""

from __future__ import annotations

import pytest

from identity.roles import Role
from tests.tracking.support import drain, event, send, utc

PAGE_VIEWS = """
query PV($since: DateTime!, $until: DateTime!, $tz: String) {
  trackingPageViews(since: $since, until: $until, timeZone: $tz) {
    __typename
    ... on PageViewsReport { timeZone rows { page hour pageViews visitors } }
    ... on InvalidInput { field }
  }
}
"""
CLICK_THROUGH = """
query CT($since: DateTime!, $until: DateTime!) {
  trackingClickThrough(since: $since, until: $until) {
    ... on ClickThroughReport { rows { placement exposures clicks rate } }
  }
}
"""
CONVERSION = """
query Conv($since: DateTime!, $until: DateTime!) {
  trackingConversion(since: $since, until: $until, goalEvent: "order_paid", withinHours: 24) {
    ... on ConversionReport { rows { page visitors converted rate } }
  }
}
"""
FUNNEL = """
query Funnel($since: DateTime!, $until: DateTime!, $steps: [String!]!) {
  trackingFunnel(steps: $steps, since: $since, until: $until, withinHours: 24) {
    __typename
    ... on FunnelReport { steps { name visitors } }
    ... on InvalidInput { field }
  }
}
"""
RETENTION = """
query Retention($since: DateTime!, $until: DateTime!) {
  trackingRetention(since: $since, until: $until, days: [1, 7]) {
    ... on RetentionReport { timeZone cohorts { firstSeen visitors retained { day visitors } } }
  }
}
"""
REGISTER = """
mutation { registerTrackingEvent(appId: "", name: "order_paid", schema: {type: "object"}) { __typename } }
"""
NOV = {"since": "2026-11-01T00:00:00+08:00", "until": "2026-11-30T00:00:00+08:00"}


@pytest.fixture
async def operator(sign_in):
    return await sign_in("13900000001", Role.OPERATOR)


async def test_page_views_and_visitors_per_local_hour(gql, client, runtime, operator, sign_in):
    # given views of /home around midnight in Shanghai (16:00 UTC), and a visitor who signs in
    visitor = await sign_in("13900000007")
    user = str(visitor.user_id)
    await send(client, [
        event("$page", page="/home", anonymous_id="device-a", at=utc(2026, 11, 20, 15, 30)),
        event("$page", page="/home", anonymous_id="device-a", at=utc(2026, 11, 20, 15, 45)),
        event("$page", page="/home", anonymous_id="device-b", at=utc(2026, 11, 20, 15, 40)),
        event("$page", page="/home", anonymous_id="device-x", at=utc(2026, 11, 20, 16, 10)),
        event(kind="identify", anonymous_id="device-x", user_id=user, at=utc(2026, 11, 20, 16, 11)),
        event("$page", page="/home", anonymous_id="device-y", user_id=user, at=utc(2026, 11, 20, 16, 20)),
        event("$page", page="/cards", anonymous_id="device-b", at=utc(2026, 11, 20, 16, 30)),
    ], token=visitor.access_token)
    await drain(runtime)

    # when an operator asks without a time zone: Asia/Shanghai
    shanghai = await gql(PAGE_VIEWS, NOV, token=operator.access_token)
    utc_report = await gql(PAGE_VIEWS, {**NOV, "tz": "UTC"}, token=operator.access_token)
    new_york = await gql(PAGE_VIEWS, {**NOV, "tz": "America/New_York"}, token=operator.access_token)

    # then hours are local, and the signed-in visitor on two devices counts once
    assert shanghai["data"]["trackingPageViews"] == {"__typename": "PageViewsReport", "timeZone": "Asia/Shanghai", "rows": [
        {"page": "/home", "hour": "2026-11-20T23:00:00+08:00", "pageViews": 3, "visitors": 2},
        {"page": "/cards", "hour": "2026-11-21T00:00:00+08:00", "pageViews": 1, "visitors": 1},
        {"page": "/home", "hour": "2026-11-21T00:00:00+08:00", "pageViews": 2, "visitors": 1},
    ]}
    assert [(r["page"], r["hour"]) for r in utc_report["data"]["trackingPageViews"]["rows"]] == [
        ("/home", "2026-11-20T15:00:00+00:00"), ("/cards", "2026-11-20T16:00:00+00:00"), ("/home", "2026-11-20T16:00:00+00:00"),
    ]
    assert new_york["data"]["trackingPageViews"]["rows"][0]["hour"] == "2026-11-20T10:00:00-05:00"


async def test_a_report_in_an_unknown_time_zone_is_refused(gql, operator):
    answer = await gql(PAGE_VIEWS, {**NOV, "tz": "Mars/Olympus"}, token=operator.access_token)
    backwards = await gql(PAGE_VIEWS, {"since": NOV["until"], "until": NOV["since"]}, token=operator.access_token)

    assert answer["data"]["trackingPageViews"] == {"__typename": "InvalidInput", "field": "timeZone"}
    assert backwards["data"]["trackingPageViews"] == {"__typename": "InvalidInput", "field": "until"}


async def test_click_through_pairs_clicks_with_exposures_of_the_same_placement(gql, client, runtime, operator):
    t = utc(2026, 11, 10, 2, 0)
    banner1, banner2 = {"placement": "banner-1"}, {"placement": "banner-2"}
    await send(client, [
        event("$exposure", anonymous_id="a", properties=banner1, at=t),
        event("$exposure", anonymous_id="b", properties=banner1, at=t),
        event("$exposure", anonymous_id="c", properties=banner1, at=t),
        event("$click", anonymous_id="a", properties=banner1, at=utc(2026, 11, 10, 2, 1)),
        event("$click", anonymous_id="d", properties=banner1, at=utc(2026, 11, 10, 2, 1)),  # never saw it
        event("$exposure", anonymous_id="a", properties=banner2, at=t),
    ])
    await drain(runtime)

    answer = await gql(CLICK_THROUGH, NOV, token=operator.access_token)

    assert answer["data"]["trackingClickThrough"]["rows"] == [
        {"placement": "banner-1", "exposures": 3, "clicks": 1, "rate": pytest.approx(1 / 3)},
        {"placement": "banner-2", "exposures": 1, "clicks": 0, "rate": 0.0},
    ]


async def test_conversion_per_page_within_the_window(gql, client, runtime, operator):
    await gql(REGISTER, token=operator.access_token)
    await send(client, [
        event("$page", page="/product", anonymous_id="a", at=utc(2026, 11, 10, 2, 0)),
        event("order_paid", anonymous_id="a", at=utc(2026, 11, 10, 3, 0)),
        event("$page", page="/product", anonymous_id="b", at=utc(2026, 11, 10, 2, 0)),
        event("order_paid", anonymous_id="b", at=utc(2026, 11, 11, 8, 0)),  # 30 hours later
        event("$page", page="/cart", anonymous_id="c", at=utc(2026, 11, 10, 2, 0)),
    ])
    await drain(runtime)

    answer = await gql(CONVERSION, NOV, token=operator.access_token)

    assert answer["data"]["trackingConversion"]["rows"] == [
        {"page": "/cart", "visitors": 1, "converted": 0, "rate": 0.0},
        {"page": "/product", "visitors": 2, "converted": 1, "rate": 0.5},
    ]


async def test_funnel_counts_ordered_steps_within_the_window(gql, client, runtime, operator):
    await gql(REGISTER, token=operator.access_token)
    placement = {"placement": "banner-1"}
    day = utc(2026, 11, 10, 2, 0)
    hour = utc(2026, 11, 10, 3, 0)
    await send(client, [
        event("$exposure", anonymous_id="a", properties=placement, at=day),
        event("$click", anonymous_id="a", properties=placement, at=hour),
        event("order_paid", anonymous_id="a", at=utc(2026, 11, 10, 4, 0)),
        event("$exposure", anonymous_id="b", properties=placement, at=day),
        event("$click", anonymous_id="b", properties=placement, at=hour),
        event("$exposure", anonymous_id="c", properties=placement, at=day),
        event("order_paid", anonymous_id="c", at=hour),  # skipped the click
        event("$exposure", anonymous_id="d", properties=placement, at=day),
        event("$click", anonymous_id="d", properties=placement, at=utc(2026, 11, 11, 3, 0)),  # 25 hours later
    ])
    await drain(runtime)

    answer = await gql(FUNNEL, {**NOV, "steps": ["$exposure", "$click", "order_paid"]}, token=operator.access_token)
    one_step = await gql(FUNNEL, {**NOV, "steps": ["$exposure"]}, token=operator.access_token)

    assert answer["data"]["trackingFunnel"]["steps"] == [
        {"name": "$exposure", "visitors": 4}, {"name": "$click", "visitors": 2}, {"name": "order_paid", "visitors": 1},
    ]
    assert one_step["data"]["trackingFunnel"] == {"__typename": "InvalidInput", "field": "steps"}


async def test_day_n_retention_by_local_day(gql, client, runtime, operator):
    # noon in Shanghai is 04:00 UTC
    await send(client, [
        event("$page", anonymous_id="a", at=utc(2026, 11, 1, 4, 0)),
        event("$page", anonymous_id="a", at=utc(2026, 11, 2, 4, 0)),
        event("$page", anonymous_id="b", at=utc(2026, 11, 1, 4, 0)),
        event("$page", anonymous_id="b", at=utc(2026, 11, 8, 4, 0)),
        event("$page", anonymous_id="c", at=utc(2026, 11, 1, 17, 0)),  # 01:00 on 2 November in Shanghai
        event("$page", anonymous_id="c", at=utc(2026, 11, 3, 4, 0)),
    ])
    await drain(runtime)

    answer = await gql(RETENTION, {"since": "2026-11-01T00:00:00+08:00", "until": "2026-11-03T00:00:00+08:00"},
                       token=operator.access_token)

    assert answer["data"]["trackingRetention"] == {"timeZone": "Asia/Shanghai", "cohorts": [
        {"firstSeen": "2026-11-01", "visitors": 2, "retained": [{"day": 1, "visitors": 1}, {"day": 7, "visitors": 1}]},
        {"firstSeen": "2026-11-02", "visitors": 1, "retained": [{"day": 1, "visitors": 1}, {"day": 7, "visitors": 0}]},
    ]}


CLICK_THROUGH_BY_HOUR = """
query CTH($since: DateTime!, $until: DateTime!, $tz: String, $click: String! = "$click") {
  trackingClickThroughByHour(since: $since, until: $until, timeZone: $tz, clickEvent: $click) {
    __typename
    ... on ClickThroughByHourReport { timeZone rows { page hour exposures clicks rate } }
    ... on InvalidInput { field }
  }
}
"""
CONVERSION_BY_HOUR = """
query ConvH($since: DateTime!, $until: DateTime!, $goal: String! = "order_paid", $within: Int! = 2) {
  trackingConversion(since: $since, until: $until, goalEvent: $goal, withinHours: $within, perHour: true) {
    __typename
    ... on ConversionReport { rows { page hour visitors converted } }
    ... on InvalidInput { field }
  }
}
"""


async def test_click_through_and_conversion_per_page_per_local_hour(gql, client, runtime, operator):
    await gql(REGISTER, token=operator.access_token)
    banner = {"placement": "banner-1"}
    await send(client, [
        event("$exposure", page="/home", anonymous_id="a", properties=banner, at=utc(2026, 11, 10, 2, 5)),
        event("$click", page="/home", anonymous_id="a", properties=banner, at=utc(2026, 11, 10, 2, 6)),
        event("$exposure", page="/home", anonymous_id="b", properties=banner, at=utc(2026, 11, 10, 3, 5)),
        event("$click", page="/cards", anonymous_id="c", properties=banner, at=utc(2026, 11, 10, 3, 6)),  # unexposed
        event("$page", page="/product", anonymous_id="a", at=utc(2026, 11, 10, 2, 10)),
        event("$page", page="/product", anonymous_id="b", at=utc(2026, 11, 10, 3, 10)),
        event("order_paid", anonymous_id="a", at=utc(2026, 11, 10, 3, 30)),
        event("order_paid", anonymous_id="b", at=utc(2026, 11, 10, 6, 30)),  # past the 2-hour window
    ])
    await drain(runtime)

    clicks = await gql(CLICK_THROUGH_BY_HOUR, NOV, token=operator.access_token)
    conversion = await gql(CONVERSION_BY_HOUR, NOV, token=operator.access_token)

    assert clicks["data"]["trackingClickThroughByHour"] == {
        "__typename": "ClickThroughByHourReport", "timeZone": "Asia/Shanghai", "rows": [
            {"page": "/home", "hour": "2026-11-10T10:00:00+08:00", "exposures": 1, "clicks": 1, "rate": 1.0},
            {"page": "/cards", "hour": "2026-11-10T11:00:00+08:00", "exposures": 0, "clicks": 0, "rate": 0.0},
            {"page": "/home", "hour": "2026-11-10T11:00:00+08:00", "exposures": 1, "clicks": 0, "rate": 0.0},
        ]}
    assert conversion["data"]["trackingConversion"]["rows"] == [
        {"page": "/product", "hour": "2026-11-10T10:00:00+08:00", "visitors": 1, "converted": 1},
        {"page": "/product", "hour": "2026-11-10T11:00:00+08:00", "visitors": 1, "converted": 0},
    ]


async def test_bad_report_parameters_are_refused_naming_the_field(gql, operator):
    same = await gql(CLICK_THROUGH_BY_HOUR, {**NOV, "click": "$exposure"}, token=operator.access_token)
    zone = await gql(CLICK_THROUGH_BY_HOUR, {**NOV, "tz": "Nowhere/Land"}, token=operator.access_token)
    long_goal = await gql(CONVERSION_BY_HOUR, {**NOV, "goal": "g" * 129}, token=operator.access_token)
    window = await gql(CONVERSION_BY_HOUR, {**NOV, "within": 0}, token=operator.access_token)
    too_long = await gql(PAGE_VIEWS, {"since": "2026-01-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"},
                         token=operator.access_token)

    assert same["data"]["trackingClickThroughByHour"] == {"__typename": "InvalidInput", "field": "clickEvent"}
    assert zone["data"]["trackingClickThroughByHour"] == {"__typename": "InvalidInput", "field": "timeZone"}
    assert long_goal["data"]["trackingConversion"] == {"__typename": "InvalidInput", "field": "goalEvent"}
    assert window["data"]["trackingConversion"] == {"__typename": "InvalidInput", "field": "withinHours"}
    assert too_long["data"]["trackingPageViews"] == {"__typename": "InvalidInput", "field": "until"}
