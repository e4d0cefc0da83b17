"""bankGraphql: the bank's own mini-programs reach their server side through the bridge, by
operations their manifest declared and the host checked against the schema at upload; they
run as the customer alone, and only first-party apps may declare or call them."""

from __future__ import annotations

import json

from identity.roles import Role
from miniprogram_host import registry
from miniprogram_host.actors import Actor
from miniprogram_host.models import MiniApp
from tests.miniprogram_host.helpers import developer_app, upload, zip_of
from tests.miniprogram_runtime.support import call, error_code, release

OPERATIONS = """
query Me { me { maskedPhone } }
query Queue { miniAppReviewQueue { version } }
mutation CheckPin($pin: String!) { verifyPaymentPin(pin: $pin) { __typename } }
"""
SET_PIN = "mutation($pin: String!) { setPaymentPin(pin: $pin) { __typename } }"


def bank_package(app_id: str, version: str, *, files: dict[str, str] | None = None,
                 declared: list[str] | None = None) -> bytes:
    files = {"operations.graphql": OPERATIONS} if files is None else files
    manifest = {
        "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": ["bankGraphql"], "bankOperations": declared if declared is not None else sorted(files),
        "scopes": [], "domains": {}, "minClientVersion": "5.0.0",
    }
    return zip_of({
        "manifest.json": json.dumps(manifest),
        "pages/index.html": "<html><body><script src='../app.js'></script></body></html>",
        "app.js": "sa.invoke('bankGraphql', {operation: 'Me'});",
        **files,
    })


async def first_party_app(gql, sign_in, phone: str = "13900000201"):
    app = await developer_app(gql, sign_in, phone)
    org_id = (await MiniApp.get(app_id=app.app_id)).org_id
    admin = await sign_in("13900000999", Role.ADMIN)
    await registry.set_first_party(actor=Actor(user_id=admin.user_id, roles=frozenset({Role.ADMIN})), org_id=org_id,
                                   first_party=True)
    return app


def problems(response) -> list[tuple[str, str]]:
    return [(p["code"], p.get("path")) for p in response.json()["error"]["problems"]]


async def test_a_partner_may_not_declare_the_first_party_api(gql, client, sign_in):
    app = await developer_app(gql, sign_in, "13900000202")

    response = await upload(client, app, bank_package(app.app_id, "1.0.0"))

    assert response.status_code == 422, response.text
    assert ("FIRST_PARTY_ONLY", "manifest.bankOperations") in problems(response)


MARK = """mutation($org: ID!, $on: Boolean!) { setDeveloperOrgFirstParty(orgId: $org, firstParty: $on) {
  __typename ... on DeveloperOrg { firstParty } ... on Error { message } } }"""


async def test_only_an_admin_marks_an_organisation_first_party(gql, sign_in):
    app = await developer_app(gql, sign_in, "13900000203")
    admin = await sign_in("13900000999", Role.ADMIN)

    by_developer = await gql(MARK, {"org": app.org_id, "on": True}, token=app.developer.access_token)
    by_admin = await gql(MARK, {"org": app.org_id, "on": True}, token=admin.access_token)

    assert by_developer["errors"][0]["extensions"]["code"] == "FORBIDDEN", by_developer
    assert by_admin["data"]["setDeveloperOrgFirstParty"] == {"__typename": "DeveloperOrg", "firstParty": True}


async def test_operations_are_checked_against_the_schema_at_upload(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    broken = {
        "a.graphql": "query Me { me { noSuchField } }",
        "b.graphql": "{ me { maskedPhone } }",
        "c.graphql": "subscription Watch { sessionRevoked { sessionId } }",
        "d.graphql": "query Me { me { maskedPhone",
    }

    response = await upload(client, app, bank_package(app.app_id, "1.0.0", files=broken))
    missing = await upload(client, app, bank_package(app.app_id, "1.0.1", declared=["gone.graphql"]))

    assert response.status_code == 422
    assert sorted({path for code, path in problems(response) if code == "BANK_OPERATION_INVALID"}) == [
        "a.graphql", "b.graphql", "c.graphql", "d.graphql"]
    assert ("BANK_OPERATION_INVALID", "gone.graphql") in problems(missing)


async def test_an_operation_reading_a_card_number_even_masked_is_refused_at_upload(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    files = {
        "cards.graphql": "query Cards { accounts { id kind maskedCardNumber } }",
        "movement.graphql": "query Move($id: ID!) { cardMovement(id: $id) { id maskedCardNumber } }",
        "fine.graphql": "query Mine { accounts { id kind } }",
    }

    response = await upload(client, app, bank_package(app.app_id, "1.0.0", files=files))

    assert response.status_code == 422, response.text
    refused = {p["path"]: p["message"] for p in response.json()["error"]["problems"]
               if p["code"] == "BANK_OPERATION_INVALID"}
    assert sorted(refused) == ["cards.graphql", "movement.graphql"]
    assert "Account.maskedCardNumber" in refused["cards.graphql"]


async def test_a_declared_operation_runs_as_the_customer(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, bank_package(app.app_id, "1.0.0"), "1.0.0")
    customer = await sign_in("13900000001")

    answer = await call(client, customer.access_token, app.app_id, "bankGraphql", {"operation": "Me"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"data": {"me": {"maskedPhone": "139****0001"}}}


async def test_no_operator_role_rides_along_from_the_token(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, bank_package(app.app_id, "1.0.0"), "1.0.0")

    direct = await gql("query { miniAppReviewQueue { version } }", token=reviewer.access_token)
    through_the_app = await call(client, reviewer.access_token, app.app_id, "bankGraphql", {"operation": "Queue"})

    assert "errors" not in direct, direct
    result = through_the_app.json()["result"]
    assert result["data"] is None and result["errors"][0]["extensions"]["code"] == "FORBIDDEN", result


async def test_undeclared_operations_and_pins_from_the_page_are_refused(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, bank_package(app.app_id, "1.0.0"), "1.0.0")
    customer = await sign_in("13900000001")
    token = customer.access_token

    unknown = await call(client, token, app.app_id, "bankGraphql", {"operation": "DropTables"})
    pin_from_page = await call(client, token, app.app_id, "bankGraphql",
                               {"operation": "CheckPin", "variables": {"pin": "123456"}})
    bad_variables = await call(client, token, app.app_id, "bankGraphql", {"operation": "Me", "variables": [1]})
    no_token = await call(client, None, app.app_id, "bankGraphql", {"operation": "Me"})

    assert (unknown.status_code, error_code(unknown)) == (404, "UNKNOWN_OPERATION")
    assert (pin_from_page.status_code, error_code(pin_from_page)) == (400, "INVALID_INPUT")
    assert pin_from_page.json()["error"]["field"] == "variables.pin"
    assert error_code(bad_variables) == "INVALID_INPUT"
    assert no_token.status_code == 401


async def test_the_pin_comes_from_the_containers_sheet(gql, client, sign_in):
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, bank_package(app.app_id, "1.0.0"), "1.0.0")
    customer = await sign_in("13900000001")
    await gql(SET_PIN, {"pin": "246810"}, token=customer.access_token)

    right = await call(client, customer.access_token, app.app_id, "bankGraphql",
                       {"operation": "CheckPin", "pin": True}, pin="246810")
    wrong = await call(client, customer.access_token, app.app_id, "bankGraphql",
                       {"operation": "CheckPin", "pin": True}, pin="111111")

    assert right.json()["result"]["data"] is not None, right.text
    assert right.json()["result"]["data"]["verifyPaymentPin"]["__typename"] == "StepUpGranted", right.text
    assert wrong.json()["result"]["data"]["verifyPaymentPin"]["__typename"] == "WrongPaymentPin", wrong.text


async def test_a_partner_app_cannot_call_it(gql, client, sign_in):
    from tests.miniprogram_runtime.support import released_app

    app = await released_app(gql, client, sign_in, jsapis=["getStorage"], phone="13900000204")
    customer = await sign_in("13900000001")

    answer = await call(client, customer.access_token, app.app_id, "bankGraphql", {"operation": "Me"})

    assert error_code(answer) == "API_NOT_DECLARED"
