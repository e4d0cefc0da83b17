"""The GraphQL endpoint's guard rails: persisted queries, limits, masking, roles."""

import hashlib
import json
import re

import pytest
import strawberry

from superapp.schema import QUERIES, build_schema
from identity.roles import Role
from infra.settings import Settings

ME = "query Me { me { id maskedPhone } }"


def apq(query_hash: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": query_hash}}


async def test_persisted_query_unknown_hash_then_registered_then_by_hash_alone(gql, sign_in):
    session = await sign_in()
    digest = hashlib.sha256(ME.encode()).hexdigest()
    # when the client first sends only the hash, the server asks for the query
    first = await gql.post({"extensions": apq(digest)}, token=session.access_token)
    assert first.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert first.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    # and when it retries with the query, the query runs and is remembered
    second = await gql.post({"query": ME, "extensions": apq(digest)}, token=session.access_token)
    assert second.json()["data"]["me"]["id"] == str(session.user_id)
    # then the hash alone is enough
    third = await gql.post({"extensions": apq(digest)}, token=session.access_token)
    assert third.json()["data"]["me"]["id"] == str(session.user_id)


async def test_persisted_query_with_a_hash_that_does_not_match_is_refused(gql):
    response = await gql.post({"query": ME, "extensions": apq("0" * 64)})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_PERSISTED_QUERY"


async def test_over_deep_query_is_refused(environ, start_app):
    # given a server whose depth limit is 1 (the root field counts as depth 0)
    environ["GRAPHQL_MAX_DEPTH"] = "1"
    gql, _ = await start_app()
    # when a client asks for a query nested two levels below the root
    result = await gql("query Deep { me { sessions { id } } }")
    # then it is refused before anything runs, while a shallower one reaches the resolver
    assert result["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 1"
    assert result.get("data") is None
    shallow = await gql("{ me { id } }")
    assert shallow["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_too_many_aliases_are_refused(gql, settings):
    aliases = " ".join(f"a{i}: __typename" for i in range(settings.max_aliases + 1))
    result = await gql("{ " + aliases + " }")
    assert "aliases found" in result["errors"][0]["message"]


async def test_too_many_tokens_are_refused(gql, settings):
    fields = " ".join("__typename" for _ in range(settings.max_tokens))
    result = await gql("{ " + fields + " }")
    assert "token" in result["errors"][0]["message"].lower()


async def test_oversized_body_gets_413_with_a_typed_error(client, settings):
    body = b'{"query": "{ __typename }", "pad": "' + b"x" * settings.max_body_bytes + b'"}'
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_malformed_json_gets_a_typed_error(client):
    response = await client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_batched_operations_are_refused(gql):
    response = await gql.http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400


async def test_graphiql_only_in_debug(client, environ, start_app):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert (await client.get("/graphiql/graphiql.min.js")).status_code == 404
    environ["DEBUG"] = "true"
    debug_gql, _ = await start_app()
    page = await debug_gql.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_graphiql_loads_offline_from_the_server_itself(environ, start_app):
    # given a debug server (GraphiQL on) and a browser loading the IDE page
    environ["DEBUG"] = "true"
    gql, _ = await start_app()
    page = await gql.http.get("/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200
    # then every script and stylesheet it names is on this server, and answers
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 4, assets
    assert "://" not in page.text
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = await gql.http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url


@strawberry.type
class Faulty:
    @strawberry.field
    def boom(self) -> str:
        raise RuntimeError("database password is hunter2")


@pytest.mark.parametrize("debug, shown", [(False, "系统出错，请稍后再试"), (True, "database password is hunter2")])
async def test_internal_errors_are_masked_unless_debug(environ, debug, shown):
    schema = build_schema(Settings.from_env({**environ, "DEBUG": str(debug).lower()}), queries=(*QUERIES, Faulty))
    result = await schema.execute("{ boom }")
    assert result.errors[0].message == shown


async def test_admin_only_field_refuses_anonymous_and_wrong_role(gql, sign_in):
    grant = 'mutation($u: ID!) { grantRole(userId: $u, role: DEVELOPER) { __typename ... on User { roles } } }'
    customer = await sign_in("13900000001")
    anonymous = await gql(grant, {"u": str(customer.user_id)})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong_role = await gql(grant, {"u": str(customer.user_id)}, token=customer.access_token)
    assert wrong_role["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    operator = await sign_in("13900000003", Role.OPERATOR)
    still_wrong = await gql(grant, {"u": str(customer.user_id)}, token=operator.access_token)
    assert still_wrong["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # the right role succeeds
    admin = await sign_in("13900000005", Role.ADMIN)
    granted = await gql(grant, {"u": str(customer.user_id)}, token=admin.access_token)
    assert granted["data"]["grantRole"] == {"__typename": "User", "roles": ["CUSTOMER", "DEVELOPER"]}


async def test_granting_a_role_to_nobody_is_a_typed_error(gql, sign_in):
    admin = await sign_in("13900000005", Role.ADMIN)
    result = await gql('mutation { grantRole(userId: "999999", role: OPERATOR) { __typename } }', token=admin.access_token)
    assert result["data"]["grantRole"]["__typename"] == "InvalidInput"


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_and_suggestions_are_off_in_production(gql):
    # given a server started without DEBUG or GRAPHQL_INTROSPECTION
    # when a client introspects the schema, it is refused before anything runs
    refused = await gql(INTROSPECTION)
    assert refused.get("data") is None
    assert "introspection has been disabled" in refused["errors"][0]["message"]
    assert (await gql("{ __type(name: \"User\") { name } }"))["errors"]
    # and a misspelt field or enum value gets no hint of what exists
    field = await gql("{ mee { id } }")
    assert field["errors"][0]["message"] == "Cannot query field 'mee' on type 'Query'."
    enum = await gql('mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { __typename } }',
                     {"u": "1", "r": "ADMINN"})
    assert "ADMINN" in enum["errors"][0]["message"]
    assert "Did you mean" not in json.dumps([field, enum])
    # while __typename, which clients need for unions, still answers
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}


@pytest.mark.parametrize("setting", [{"DEBUG": "true"}, {"GRAPHQL_INTROSPECTION": "true"}])
async def test_introspection_and_suggestions_can_be_turned_on(environ, start_app, setting):
    environ.update(setting)
    gql, _ = await start_app()
    assert (await gql(INTROSPECTION))["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    field = await gql("{ mee { id } }")
    assert field["errors"][0]["message"] == "Cannot query field 'mee' on type 'Query'. Did you mean 'me'?"
    enum = await gql('mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { __typename } }',
                     {"u": "1", "r": "ADMINN"})
    assert "Did you mean the enum value 'ADMIN'?" in enum["errors"][0]["message"]
