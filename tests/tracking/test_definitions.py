"""Event definitions: registered per app, enforced at ingest, failures counted."""

from __future__ import annotations

from identity.roles import Role
from tests.tracking.support import drain, event, send
from tracking.models import TrackedEvent

REGISTER = """
mutation Register($appId: String!, $name: String!, $schema: JSON!) {
  registerTrackingEvent(appId: $appId, name: $name, schema: $schema, description: "paid an order") {
    __typename
    ... on TrackingEventDefinition { appId name schema }
    ... on Error { message }
    ... on InvalidInput { field }
  }
}
"""
ASSIGN = """
mutation Assign($appId: String!, $userId: ID!) {
  assignTrackingAppDeveloper(appId: $appId, userId: $userId) { appId developerIds }
}
"""
REJECTIONS = """
query Rejections($appId: String) {
  trackingRejections(appId: $appId) {
    __typename
    ... on TrackingRejections { items { appId eventName code count } }
  }
}
"""
ORDER_PAID = {
    "type": "object",
    "required": ["orderId", "amountFen"],
    "properties": {"orderId": {"type": "string"}, "amountFen": {"type": "integer", "minimum": 1}},
}


async def test_a_developer_registers_events_of_their_app_which_then_are_enforced(gql, sign_in, client, runtime):
    # given an operator who records that a developer builds the "mall" mini-program
    operator = await sign_in("13900000001", Role.OPERATOR)
    developer = await sign_in("13900000002", Role.DEVELOPER)
    await gql(ASSIGN, {"appId": "mall", "userId": str(developer.user_id)}, token=operator.access_token)

    # when the developer registers order_paid for mall
    registered = await gql(REGISTER, {"appId": "mall", "name": "order_paid", "schema": ORDER_PAID},
                           token=developer.access_token)
    assert registered["data"]["registerTrackingEvent"] == {
        "__typename": "TrackingEventDefinition", "appId": "mall", "name": "order_paid", "schema": ORDER_PAID,
    }

    # then mall may send it, a payload that breaks the schema is rejected with the reason,
    # and another mini-program may not send mall's event
    good = event("order_paid", app_id="mall", properties={"orderId": "o-1", "amountFen": 1999})
    bad = event("order_paid", app_id="mall", properties={"orderId": "o-2", "amountFen": "19.99"})
    foreign = event("order_paid", app_id="game", properties={"orderId": "o-3", "amountFen": 1})
    answer = (await send(client, [good, bad, foreign])).json()
    assert answer["accepted"] == 1
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [(1, "SCHEMA_MISMATCH"), (2, "NOT_OWN_EVENT")]
    assert "amountFen" in answer["rejected"][0]["reason"]
    await drain(runtime)
    assert await TrackedEvent.all().values_list("event_id", flat=True) == [good["eventId"]]

    # and the rejections are counted, each app seeing its own
    await send(client, [bad | {"eventId": "second-bad-one"}])
    counts = await gql(REJECTIONS, {"appId": "mall"}, token=developer.access_token)
    assert counts["data"]["trackingRejections"]["items"] == [
        {"appId": "mall", "eventName": "order_paid", "code": "SCHEMA_MISMATCH", "count": 2}
    ]
    listed = await gql("{ trackingEventDefinitions { ... on TrackingEventDefinitions { items { appId name } } } }",
                       token=developer.access_token)
    assert listed["data"]["trackingEventDefinitions"]["items"] == [{"appId": "mall", "name": "order_paid"}]
    everything = await gql(REJECTIONS, {}, token=operator.access_token)
    assert {"appId": "game", "eventName": "order_paid", "code": "NOT_OWN_EVENT", "count": 1} in (
        everything["data"]["trackingRejections"]["items"]
    )


async def test_a_developer_cannot_register_events_for_someone_elses_app(gql, sign_in):
    operator = await sign_in("13900000001", Role.OPERATOR)
    owner = await sign_in("13900000002", Role.DEVELOPER)
    other = await sign_in("13900000003", Role.DEVELOPER)
    await gql(ASSIGN, {"appId": "mall", "userId": str(owner.user_id)}, token=operator.access_token)

    answer = await gql(REGISTER, {"appId": "mall", "name": "order_paid", "schema": ORDER_PAID}, token=other.access_token)
    assert answer["data"]["registerTrackingEvent"]["__typename"] == "AppNotVisible"

    customer = await sign_in("13900000004")
    refused = await gql(REGISTER, {"appId": "mall", "name": "x", "schema": ORDER_PAID}, token=customer.access_token)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    assign = await gql(ASSIGN, {"appId": "mall", "userId": str(other.user_id)}, token=owner.access_token)
    assert assign["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_schema_that_is_not_json_schema_is_refused(gql, sign_in):
    operator = await sign_in("13900000001", Role.OPERATOR)

    broken = await gql(REGISTER, {"appId": "mall", "name": "order_paid", "schema": {"type": "object", "required": 3}},
                       token=operator.access_token)
    not_object = await gql(REGISTER, {"appId": "mall", "name": "order_paid", "schema": {"type": "string"}},
                           token=operator.access_token)
    bad_name = await gql(REGISTER, {"appId": "mall", "name": "$click", "schema": ORDER_PAID}, token=operator.access_token)

    assert broken["data"]["registerTrackingEvent"]["field"] == "schema"
    assert not_object["data"]["registerTrackingEvent"]["field"] == "schema"
    assert bad_name["data"]["registerTrackingEvent"]["field"] == "name"
