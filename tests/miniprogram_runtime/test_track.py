"""``track``: a mini-program's analytics through the bridge, the app's and the user's, vouched for
by the user's session, with a count-per-event report for the app's developer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.miniprogram_runtime.support import call, error_code, released_app
from tests.tracking.support import drain
from tracking.models import TrackedEvent

REGISTER = """mutation($appId: String!, $name: String!, $schema: JSON!) {
  registerTrackingEvent(appId: $appId, name: $name, schema: $schema) { __typename ... on Error { message } } }"""
COUNTS = """query($since: DateTime!, $until: DateTime!, $app: String) {
  trackingEventCounts(since: $since, until: $until, appId: $app) {
    __typename ... on TrackingEventCounts { items { appId eventName events visitors vouchedUsers } }
    ... on Error { message } } }"""
ORDERED = {"type": "object", "properties": {"item": {"type": "string"}}, "required": ["item"]}


async def test_events_sent_by_the_bridge_are_the_apps_and_the_users_and_are_counted(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["track"])
    other = await released_app(gql, client, sign_in, jsapis=["track"], phone="13900000102")
    token = app.developer.access_token
    registered = await gql(REGISTER, {"appId": app.app_id, "name": "coffee_ordered", "schema": ORDERED}, token=token)
    assert registered["data"]["registerTrackingEvent"]["__typename"] == "TrackingEventDefinition", registered
    user = await sign_in("13900000001")

    sent = await call(client, user.access_token, app.app_id, "track", {
        "name": "coffee_ordered", "properties": {"item": "latte"}, "page": "pages/menu", "eventId": "evt-00000001",
        # A page cannot speak for another app or user: context and userId are not its to set.
        "context": {"miniProgram": {"appId": other.app_id}}, "userId": "1",
    })
    again = await call(client, user.access_token, app.app_id, "track",
                       {"name": "coffee_ordered", "properties": {"item": "latte"}, "eventId": "evt-00000001"})
    second = await call(client, user.access_token, app.app_id, "track",
                        {"name": "coffee_ordered", "properties": {"item": "tea"}})

    assert sent.status_code == 200, sent.text
    assert sent.json()["result"] == {"eventId": "evt-00000001", "duplicate": False}
    assert again.json()["result"]["duplicate"] is True
    assert second.status_code == 200 and len(second.json()["result"]["eventId"]) == 32
    assert await drain(runtime) == 2
    row = await TrackedEvent.get(event_id="evt-00000001")
    assert (row.app_id, row.user_id, row.vouched_by, row.name, row.page) == (
        app.app_id, str(user.user_id), "bridge", "coffee_ordered", "pages/menu")
    assert row.context["miniProgram"] == {"appId": app.app_id, "version": "1.0.0"}

    now = datetime.now(timezone.utc)
    window = {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(hours=1)).isoformat()}
    counts = await gql(COUNTS, {**window, "app": app.app_id}, token=token)
    assert counts["data"]["trackingEventCounts"]["items"] == [
        {"appId": app.app_id, "eventName": "coffee_ordered", "events": 2, "visitors": 1, "vouchedUsers": 1}]
    # Another app's developer does not see this app's counts.
    hidden = await gql(COUNTS, {**window, "app": app.app_id}, token=other.developer.access_token)
    assert hidden["data"]["trackingEventCounts"]["__typename"] == "AppNotVisible"


async def test_unregistered_or_malformed_events_are_refused_with_trackings_code(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["track"])
    await gql(REGISTER, {"appId": app.app_id, "name": "coffee_ordered", "schema": ORDERED},
              token=app.developer.access_token)
    user = await sign_in("13900000001")

    unknown = await call(client, user.access_token, app.app_id, "track", {"name": "never_registered"})
    mismatch = await call(client, user.access_token, app.app_id, "track",
                          {"name": "coffee_ordered", "properties": {"item": 5}})
    bad_id = await call(client, user.access_token, app.app_id, "track", {"name": "coffee_ordered", "eventId": "x"})
    not_object = await call(client, user.access_token, app.app_id, "track",
                            {"name": "coffee_ordered", "properties": [1]})

    assert (unknown.status_code, error_code(unknown)) == (422, "UNKNOWN_EVENT")
    assert (mismatch.status_code, error_code(mismatch), mismatch.json()["error"]["field"]) == (
        422, "SCHEMA_MISMATCH", "properties")
    assert (error_code(bad_id), bad_id.json()["error"]["field"]) == ("INVALID_INPUT", "eventId")
    assert (error_code(not_object), not_object.json()["error"]["field"]) == ("INVALID_INPUT", "properties")
    assert await drain(runtime) == 0


async def test_track_must_be_declared_like_any_api(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["login"])
    user = await sign_in("13900000001")
    refused = await call(client, user.access_token, app.app_id, "track", {"name": "coffee_ordered"})
    assert error_code(refused) == "API_NOT_DECLARED"
