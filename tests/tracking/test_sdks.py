"""Segment's and RudderStack's Python SDKs (the PyPI packages) against a real server: the
Segment HTTP API's shape at /v1/batch, a write key per app, every event stored once and
attributed to the key's app, and a refused event reported to the SDK's on_error."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import rudderstack.analytics.client as rudder
import segment.analytics.client as segment
from tortoise import connections

from identity.roles import Role
from tests.servers import server
from tests.tracking.support import drain

APP = "mpsdk00000000001"
CREATE_KEY = """
mutation($app: String!) { createTrackingWriteKey(appId: $app) {
  __typename ... on TrackingWriteKey { appId writeKey } ... on InvalidInput { field } } }
"""
REGISTER = """
mutation($app: String!, $name: String!) {
  registerTrackingEvent(appId: $app, name: $name, schema: {type: "object"}) { __typename } }
"""
SDKS = {"segment": segment.Client, "rudderstack": rudder.Client}


@pytest.fixture
async def write_key(gql, sign_in) -> str:
    operator = await sign_in("13900000001", Role.OPERATOR)
    for name in ("loan_applied", "fund_bought"):
        await gql(REGISTER, {"app": APP, "name": name}, token=operator.access_token)
    answer = await gql(CREATE_KEY, {"app": APP}, token=operator.access_token)
    assert answer.get("data"), answer
    return answer["data"]["createTrackingWriteKey"]["writeKey"]


async def _stored() -> list[dict]:
    return await connections.get("default").execute_query_dict(
        "SELECT event_id, type, name, app_id, anonymous_id, page, user_id FROM tracking_event ORDER BY event_id")


def _calls(sdk, client) -> dict[str, str]:
    """One call of each kind the SDK has, as a mini-program's server would make them; message ids."""
    at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    ids = {kind: f"{sdk}-{kind}-{uuid.uuid4()}" for kind in ("track", "page", "screen", "alias", "again")}
    client.track(anonymous_id="dev-1", event="loan_applied", properties={"amount": 3}, timestamp=at,
                 message_id=ids["track"], context={"locale": "zh-CN", "os": {"name": "iOS", "version": "18.1"}})
    client.page(anonymous_id="dev-1", name="Loans", properties={"path": "/loans"}, timestamp=at, message_id=ids["page"])
    client.screen(anonymous_id="dev-2", name="FundList", timestamp=at, message_id=ids["screen"])
    client.alias(previous_id="dev-2", user_id="openid-nobody-knows", message_id=ids["alias"])
    client.track(anonymous_id="dev-2", event="fund_bought", timestamp=at, message_id=ids["again"])
    client.track(anonymous_id="dev-2", event="fund_bought", timestamp=at, message_id=ids["again"])  # resent
    client.flush()  # the SDK's own thread sends the queue as batches, and reports failures to on_error
    return ids


@pytest.mark.parametrize("sdk", sorted(SDKS))
async def test_the_sdk_sends_through_v1_batch_and_each_event_is_stored_once(sdk, environ, write_key, runtime):
    errors: list = []
    async with server(environ) as app:
        client = SDKS[sdk](write_key=write_key, host=app.base, max_retries=1,
                           on_error=lambda error, batch: errors.append((error, batch)))
        ids = await asyncio.to_thread(_calls, sdk, client)
    await drain(runtime)

    rows = {row["event_id"]: row for row in await _stored()}
    # the alias names a user by an openid that no user of this app has: refused, and the SDK was told
    assert [(e.status, e.code) for e, _ in errors] == [(400, "EVENTS_REJECTED")]
    assert "USER_NOT_VOUCHED" in errors[0][0].message
    assert sorted(rows) == sorted(ids[k] for k in ("track", "page", "screen", "again"))
    assert {row["app_id"] for row in rows.values()} == {APP}
    assert (rows[ids["track"]]["name"], rows[ids["page"]]["page"], rows[ids["screen"]]["page"]) == \
        ("loan_applied", "/loans", "FundList")
    assert all(row["user_id"] is None for row in rows.values())


@pytest.mark.parametrize("sdk", sorted(SDKS))
async def test_a_batch_refused_whole_reaches_the_sdk(sdk, environ, write_key, runtime):
    errors: list = []
    async with server(environ) as app:
        wrong = SDKS[sdk](write_key="wk_not-a-key", host=app.base, max_retries=1,
                          on_error=lambda error, batch: errors.append(error))
        unknown_event = SDKS[sdk](write_key=write_key, host=app.base, max_retries=1,
                                  on_error=lambda error, batch: errors.append(error))
        wrong.track(anonymous_id="dev-1", event="loan_applied")
        await asyncio.to_thread(wrong.flush)
        unknown_event.track(anonymous_id="dev-1", event="never_registered")
        unknown_event.group(anonymous_id="dev-1", group_id="g1")
        await asyncio.to_thread(unknown_event.flush)
    await drain(runtime)

    assert [(e.status, e.code) for e in errors] == [(401, "INVALID_WRITE_KEY"), (400, "EVENTS_REJECTED")]
    assert "UNKNOWN_EVENT" in errors[1].message or "NOT_REGISTERED" in errors[1].message, errors[1].message
    assert await _stored() == []


async def test_a_write_key_is_only_for_an_app_one_develops(gql, sign_in):
    developer = await sign_in("13900000002", Role.DEVELOPER)

    answer = await gql(CREATE_KEY, {"app": APP}, token=developer.access_token)

    assert answer["data"]["createTrackingWriteKey"]["__typename"] == "AppNotVisible"
