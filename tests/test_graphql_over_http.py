"""The GraphQL-over-HTTP spec as clients speak it: media types, status codes, GET, bad JSON."""

import hashlib
import json
from urllib.parse import quote

import pytest

from bff.media import GRAPHQL_RESPONSE, JSON, negotiate

ME = "query Me { me { id } }"


@pytest.mark.parametrize("accept, chosen", [
    (None, JSON),
    ("*/*", JSON),
    ("application/json", JSON),
    (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
    (f"application/json, {GRAPHQL_RESPONSE};q=0.5", JSON),
    (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
])
def test_response_media_type_follows_accept(accept, chosen):
    assert negotiate(accept) == chosen


async def post(client, body, accept):
    return await client.post("/graphql", json=body, headers={"accept": accept})


async def test_graphql_response_json_answers_request_errors_with_400_and_no_data(client):
    for body in ({"query": "{"}, {"query": "{ noSuchField }"}, {"query": "query($id: ID!) { __typename }"}):
        response = await post(client, body, GRAPHQL_RESPONSE)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in response.json() and response.json()["errors"]
    ok = await post(client, {"query": "{ __typename }"}, GRAPHQL_RESPONSE)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ok.json() == {"data": {"__typename": "Query"}}


async def test_a_field_error_is_still_200_under_graphql_response_json(client):
    # an executed operation whose field failed (here: not signed in) has data and is 200
    response = await post(client, {"query": "{ me { id } }"}, GRAPHQL_RESPONSE)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" in response.json()


async def test_application_json_keeps_200_for_request_errors(client):
    for accept in ("application/json", "*/*"):
        response = await post(client, {"query": "{ noSuchField }"}, accept)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")


async def test_apollo_hash_only_get_is_answered_whatever_accept(gql, sign_in):
    session = await sign_in()
    digest = hashlib.sha256(ME.encode()).hexdigest()
    registered = await gql.post({"query": ME, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}},
                                token=session.access_token)
    assert registered.json()["data"]["me"]["id"] == str(session.user_id)
    # exactly the GET Apollo Client's persisted-query link sends (useGETForHashedQueries)
    extensions = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}, separators=(",", ":"))
    url = f"/graphql?operationName=Me&variables={quote('{}')}&extensions={quote(extensions)}"
    for accept in ("*/*", "application/json", GRAPHQL_RESPONSE, "text/html,*/*;q=0.8"):
        response = await gql.http.get(url, headers={
            "accept": accept, "content-type": "application/json", "authorization": f"Bearer {session.access_token}",
        })
        assert response.status_code == 200, accept
        assert response.json() == {"data": {"me": {"id": str(session.user_id)}}}, accept


async def test_get_without_an_operation_is_a_bad_request_not_the_ide(client):
    response = await client.get("/graphql", headers={"accept": "*/*"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [40, 300, 5000, 100_000])
async def test_deeply_nested_json_is_a_typed_invalid_input(client, settings, depth):
    body = '{"query": "{ __typename }", "variables": {"deep": %s}}' % nested(depth)
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INVALID_INPUT", "limit": settings.max_json_depth,
                                   "setting": "GRAPHQL_MAX_JSON_DEPTH"}


async def test_json_nesting_within_the_limit_is_accepted(client, settings):
    # the body is one level, variables a second: the value may use the rest
    value = nested(settings.max_json_depth - 2)
    body = '{"query": "{ __typename }", "variables": {"deep": %s}}' % value
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_deep_json_in_get_variables_and_in_multipart_operations_is_refused(client):
    deep = nested(5000)
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": '{"a": %s}' % deep})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    operations = '{"query": "{ __typename }", "variables": {"a": %s}}' % deep
    response = await client.post("/graphql", files={"operations": (None, operations), "map": (None, "{}")})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_the_next_request_is_served_after_a_deep_one(client):
    await client.post("/graphql", content='{"query": %s}' % nested(100_000), headers={"content-type": "application/json"})
    assert (await post(client, {"query": "{ __typename }"}, "application/json")).json() == {"data": {"__typename": "Query"}}
