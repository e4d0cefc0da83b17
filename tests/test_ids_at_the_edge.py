"""What a client sends is parsed once at the edge: a malformed id, text or file is a typed error naming it."""

from __future__ import annotations

import logging

import pytest

from identity.roles import Role
from miniprogram_host.models import DeveloperOrg, OrgMember
from tests.miniprogram_host.helpers import developer_app
from tracking.models import AppDeveloper

MALFORMED = ["", "abc", "12abc", " 1", "0", "-1", "1.0", "٣", "9223372036854775808", "99999999999999999999"]

ADD_MEMBER = """mutation($org: ID!, $user: ID!) { addDeveloperOrgMember(orgId: $org, userId: $user) {
  __typename ... on InvalidInput { field } } }"""
REGISTER = """mutation($org: ID!) { registerMiniApp(orgId: $org, name: "Branches", category: FINANCE) {
  __typename ... on InvalidInput { field } } }"""
INBOX = """query($before: ID) { inbox(beforeId: $before) { id } }"""
GRANT = """mutation($app: String!) { grantMiniAppConsent(appId: $app, scope: "location") { __typename } }"""
DEFINITIONS = """query($app: String) { trackingEventDefinitions(appId: $app) {
  ... on TrackingEventDefinitions { items { name } } } }"""
ASSIGN = """mutation($app: String!, $user: ID!) {
  assignTrackingAppDeveloper(appId: $app, userId: $user) { appId } }"""
WITHDRAW = """mutation($app: String!, $v: String!) { withdrawMiniAppVersion(appId: $app, version: $v) {
  __typename ... on InvalidInput { field } } }"""
REVOKE = """mutation($app: String!, $scope: String!) {
  revokeMiniAppConsent(appId: $app, scope: $scope) { wasGranted } }"""
CREATE_ORG = """mutation($name: String!) { createDeveloperOrg(name: $name) { __typename } }"""
UPLOAD_AS_TEXT = """mutation($id: ID!, $image: Upload!) { uploadIdCard(applicationId: $id, side: FRONT, image: $image) {
  __typename ... on InvalidInput { field } } }"""
PROFILE = """mutation($app: String!, $icon: String) { updateMiniAppProfile(appId: $app, iconBase64: $icon) {
  __typename ... on InvalidInput { field } } }"""


@pytest.fixture
def error_log(caplog):
    caplog.set_level(logging.ERROR)
    return caplog


@pytest.mark.parametrize("bad", MALFORMED)
async def test_a_malformed_org_or_user_id_is_invalid_input_and_adds_no_member(gql, sign_in, error_log, bad):
    app = await developer_app(gql, sign_in)
    token = app.developer.access_token

    bad_org = await gql(ADD_MEMBER, {"org": bad, "user": str(app.developer.user_id)}, token=token)
    bad_user = await gql(ADD_MEMBER, {"org": app.org_id, "user": bad}, token=token)
    bad_register = await gql(REGISTER, {"org": bad}, token=token)

    assert bad_org["data"]["addDeveloperOrgMember"] == {"__typename": "InvalidInput", "field": "orgId"}
    assert bad_user["data"]["addDeveloperOrgMember"] == {"__typename": "InvalidInput", "field": "userId"}
    assert bad_register["data"]["registerMiniApp"] == {"__typename": "InvalidInput", "field": "orgId"}
    assert await OrgMember.all().count() == 1
    assert not error_log.records


@pytest.mark.parametrize("bad", ["abc", "9223372036854775808"])
async def test_a_malformed_user_id_for_tracking_ownership_is_a_typed_error(gql, sign_in, error_log, bad):
    operator = await sign_in("13900000003", Role.OPERATOR)

    result = await gql(ASSIGN, {"app": "mall", "user": bad}, token=operator.access_token)

    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "userId"}
    assert await AppDeveloper.all().count() == 0
    assert not error_log.records


async def test_an_inbox_page_before_an_impossible_id_is_a_typed_error(gql, sign_in, error_log):
    customer = await sign_in()

    huge = await gql(INBOX, {"before": "99999999999999999999"}, token=customer.access_token)
    fine = await gql(INBOX, {"before": "9223372036854775807"}, token=customer.access_token)

    assert huge["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "beforeId"}
    assert fine == {"data": {"inbox": []}}
    assert not error_log.records


async def test_an_icon_with_characters_outside_base64_is_invalid_input(gql, sign_in, error_log):
    app = await developer_app(gql, sign_in)

    result = await gql(PROFILE, {"app": app.app_id, "icon": "图标"}, token=app.developer.access_token)

    assert result["data"]["updateMiniAppProfile"] == {"__typename": "InvalidInput", "field": "iconBase64"}
    assert not error_log.records


async def test_an_anonymous_caller_with_a_malformed_id_is_told_to_sign_in_first(gql):
    result = await gql(ADD_MEMBER, {"org": "abc", "user": "abc"})

    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("bad", ["", "a" * 33, "mp 1", "图标"])
async def test_an_app_id_no_app_can_have_is_a_typed_error(gql, sign_in, error_log, bad):
    app = await developer_app(gql, sign_in)
    customer = await sign_in("13900000001")

    profile = await gql(PROFILE, {"app": bad, "icon": None}, token=app.developer.access_token)
    consent = await gql(GRANT, {"app": bad}, token=customer.access_token)

    assert profile["data"]["updateMiniAppProfile"] == {"__typename": "InvalidInput", "field": "appId"}
    assert consent["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "appId"}
    assert not error_log.records


async def test_a_tracking_app_id_past_what_ingest_takes_is_a_typed_error(gql, sign_in, error_log):
    operator = await sign_in("13900000003", Role.OPERATOR)

    definitions = await gql(DEFINITIONS, {"app": "a" * 65}, token=operator.access_token)
    assigned = await gql(ASSIGN, {"app": "a" * 65, "user": "7"}, token=operator.access_token)
    widest = await gql(DEFINITIONS, {"app": "a" * 64}, token=operator.access_token)

    assert definitions["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "appId"}
    assert assigned["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "appId"}
    assert widest == {"data": {"trackingEventDefinitions": {"items": []}}}
    assert await AppDeveloper.all().count() == 0
    assert not error_log.records


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "1.0.0-" + "x" * 70])
async def test_a_version_name_that_is_not_a_semantic_version_is_invalid_input(gql, sign_in, error_log, bad):
    app = await developer_app(gql, sign_in)

    result = await gql(WITHDRAW, {"app": app.app_id, "v": bad}, token=app.developer.access_token)

    assert result["data"]["withdrawMiniAppVersion"] == {"__typename": "InvalidInput", "field": "version"}
    assert not error_log.records


async def test_revoking_a_scope_the_host_never_grants_revokes_nothing(gql, sign_in, error_log):
    app = await developer_app(gql, sign_in)
    customer = await sign_in("13900000001")

    result = await gql(REVOKE, {"app": app.app_id, "scope": "location" * 5}, token=customer.access_token)

    assert result["data"]["revokeMiniAppConsent"] == {"wasGranted": False}
    assert not error_log.records


@pytest.mark.parametrize("where", ["variable", "literal"])
async def test_text_holding_nul_is_refused_before_anything_runs(gql, sign_in, error_log, where):
    developer = await sign_in("13900000101", Role.DEVELOPER)
    if where == "variable":
        body = {"query": CREATE_ORG, "variables": {"name": "Partner\x00Co"}}
    else:
        body = {"query": 'mutation { createDeveloperOrg(name: "Partner\\u0000Co") { __typename } }'}

    result = (await gql.post(body, token=developer.access_token)).json()

    assert result["data"] is None
    assert result["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "name"}
    assert await DeveloperOrg.all().count() == 0
    assert not error_log.records


async def test_a_file_argument_sent_as_text_is_invalid_input(gql, sign_in, error_log):
    customer = await sign_in()
    started = await gql("mutation { startAccountOpening { id } }", token=customer.access_token)
    application = started["data"]["startAccountOpening"]["id"]

    result = await gql(UPLOAD_AS_TEXT, {"id": application, "image": "not a file"}, token=customer.access_token)

    assert result["data"]["uploadIdCard"] == {"__typename": "InvalidInput", "field": "image"}
    assert not error_log.records
