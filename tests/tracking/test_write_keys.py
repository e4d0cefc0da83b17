"""An app's developers list its write keys (never the keys), rotate them, and revoke the old one;
another organisation's developer and other roles are refused. Also the console's reports, by owner."""

from __future__ import annotations

import base64

import pytest

from identity.roles import Role
from tests.miniprogram_host.helpers import developer_app

CREATE = """mutation($app: String!) { createTrackingWriteKey(appId: $app) {
  __typename ... on TrackingWriteKey { writeKey id fingerprint } ... on Error { message } } }"""
LIST = """query($app: String!) { trackingWriteKeys(appId: $app) {
  __typename ... on TrackingWriteKeys { items { id appId fingerprint createdAt } } ... on Error { message } } }"""
REVOKE = """mutation($app: String!, $id: ID!) { revokeTrackingWriteKey(appId: $app, id: $id) {
  __typename ... on TrackingWriteKeys { items { id } } ... on InvalidInput { field } ... on AppNotVisible { appId } } }"""


def _batch_auth(key: str) -> dict:
    return {"authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


async def _track(client, key: str) -> tuple[int, int | None]:
    response = await client.post("/v1/batch", json={"batch": [
        {"type": "page", "name": "/home", "anonymousId": "d1", "messageId": f"m-{key[-6:]}"}]},
        headers=_batch_auth(key))
    return response.status_code, response.json().get("accepted")


async def test_the_developer_rotates_a_write_key_and_the_old_one_stops_working(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    token = app.developer.access_token
    old = (await gql(CREATE, {"app": app.app_id}, token=token))["data"]["createTrackingWriteKey"]
    new = (await gql(CREATE, {"app": app.app_id}, token=token))["data"]["createTrackingWriteKey"]

    listed = (await gql(LIST, {"app": app.app_id}, token=token))["data"]["trackingWriteKeys"]["items"]
    assert [(k["id"], k["fingerprint"], k["appId"]) for k in listed] == [
        (old["id"], old["fingerprint"], app.app_id), (new["id"], new["fingerprint"], app.app_id)]
    assert old["writeKey"] not in str(listed) and new["writeKey"] not in str(listed)

    left = (await gql(REVOKE, {"app": app.app_id, "id": old["id"]}, token=token))["data"]["revokeTrackingWriteKey"]
    assert left["items"] == [{"id": new["id"]}]
    assert (await _track(client, old["writeKey"]))[0] == 401
    assert await _track(client, new["writeKey"]) == (200, 1)
    again = (await gql(REVOKE, {"app": app.app_id, "id": old["id"]}, token=token))["data"]["revokeTrackingWriteKey"]
    assert again == {"__typename": "InvalidInput", "field": "id"}


async def test_another_organisations_developer_and_other_roles_are_refused(gql, sign_in):
    app = await developer_app(gql, sign_in)
    other = await developer_app(gql, sign_in, phone="13900000102")
    key = (await gql(CREATE, {"app": app.app_id}, token=app.developer.access_token))["data"]["createTrackingWriteKey"]
    reviewer = await sign_in("13800000007", Role.REVIEWER)
    customer = await sign_in("13900000001")

    # the wrong owner
    for query, variables in ((LIST, {"app": app.app_id}), (CREATE, {"app": app.app_id}),
                             (REVOKE, {"app": app.app_id, "id": key["id"]})):
        answer = await gql(query, variables, token=other.developer.access_token)
        assert next(iter(answer["data"].values()))["__typename"] == "AppNotVisible"
    # naming the key through their own app revokes nothing
    crossing = await gql(REVOKE, {"app": other.app_id, "id": key["id"]}, token=other.developer.access_token)
    assert crossing["data"]["revokeTrackingWriteKey"] == {"__typename": "InvalidInput", "field": "id"}
    # the wrong role
    for person in (reviewer, customer):
        answer = await gql(LIST, {"app": app.app_id}, token=person.access_token)
        assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    still = (await gql(LIST, {"app": app.app_id}, token=app.developer.access_token))["data"]["trackingWriteKeys"]
    assert [k["id"] for k in still["items"]] == [key["id"]]


WINDOW = 'since: "2026-11-01T00:00:00+08:00", until: "2026-11-30T00:00:00+08:00", appId: $app'
CONSOLE_REPORTS = {
    "trackingPageViews": f"query($app: String) {{ trackingPageViews({WINDOW}) {{ __typename }} }}",
    "trackingEventCounts": f"query($app: String) {{ trackingEventCounts({WINDOW}) {{ __typename }} }}",
    "trackingClickThroughByHour": f"query($app: String) {{ trackingClickThroughByHour({WINDOW}) {{ __typename }} }}",
    "trackingRetention": f"query($app: String) {{ trackingRetention({WINDOW}) {{ __typename }} }}",
}


@pytest.mark.parametrize("field", sorted(CONSOLE_REPORTS))
async def test_the_console_reports_answer_the_apps_own_developers_only(gql, sign_in, field):
    app = await developer_app(gql, sign_in)
    other = await developer_app(gql, sign_in, phone="13900000102")
    reviewer = await sign_in("13800000007", Role.REVIEWER)
    query, variables = CONSOLE_REPORTS[field], {"app": app.app_id}

    own = await gql(query, variables, token=app.developer.access_token)
    peeking = await gql(query, variables, token=other.developer.access_token)
    wrong_role = await gql(query, variables, token=reviewer.access_token)

    assert own["data"][field]["__typename"] != "AppNotVisible"
    assert "Report" in own["data"][field]["__typename"] or own["data"][field]["__typename"] == "TrackingEventCounts"
    assert peeking["data"][field]["__typename"] == "AppNotVisible"
    assert wrong_role["data"] is None and wrong_role["errors"][0]["extensions"]["code"] == "FORBIDDEN"
