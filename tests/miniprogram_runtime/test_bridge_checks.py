"""Every bridge call is checked: declared API, declared scope, consent, and refused when not."""

from __future__ import annotations

from identity.roles import Role
from miniprogram_runtime.models import BridgeCallRecord
from tests.miniprogram_host.helpers import APPROVE, GRAY, SUBMIT, upload
from tests.miniprogram_runtime.support import (
    CONSENTS, GRANT, REVOKE, bridge_package, call, error_code, released_app,
)

SCOPES = {"userInfo": "Greet you by name", "location": "Find the nearest branch"}


async def test_storage_needs_no_consent_and_keeps_values_per_user(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["getStorage", "setStorage", "removeStorage"])
    alice, bob = await sign_in("13900000001"), await sign_in("13900000002")

    stored = await call(client, alice.access_token, app.app_id, "setStorage", {"key": "cart", "data": {"items": [1, 2]}})
    assert stored.status_code == 200, stored.text
    assert stored.json()["result"]["usedBytes"] > 0

    mine = await call(client, alice.access_token, app.app_id, "getStorage", {"key": "cart"})
    theirs = await call(client, bob.access_token, app.app_id, "getStorage", {"key": "cart"})
    assert mine.json()["result"] == {"key": "cart", "found": True, "data": {"items": [1, 2]}}
    assert theirs.json()["result"] == {"key": "cart", "found": False, "data": None}

    removed = await call(client, alice.access_token, app.app_id, "removeStorage", {"key": "cart"})
    assert removed.json()["result"] == {"key": "cart", "removed": True}
    assert (await call(client, alice.access_token, app.app_id, "getStorage", {"key": "cart"})).json()["result"]["found"] is False


async def test_consent_is_asked_for_granted_listed_and_revoked_at_once(gql, client, sign_in, runtime):
    app = await released_app(gql, client, sign_in, jsapis=["getUserInfo"], scopes=SCOPES)
    user = await sign_in("13900000001")

    refused = await call(client, user.access_token, app.app_id, "getUserInfo")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "AUTHORIZATION_REQUIRED"
    assert refused.json()["error"]["authorization"] == {
        "scope": "userInfo", "reason": "Greet you by name",
        "app": {"appId": app.app_id, "name": "Branches", "iconUrl": None},
    }

    granted = await gql(GRANT, {"app": app.app_id, "scope": "userInfo"}, token=user.access_token)
    assert granted["data"]["grantMiniAppConsent"] == {
        "__typename": "MiniAppConsent", "appId": app.app_id, "appName": "Branches", "scope": "userInfo"}
    allowed = await call(client, user.access_token, app.app_id, "getUserInfo")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["result"] == {"nickName": "用户0001", "avatarUrl": None}
    listed = await gql(CONSENTS, {}, token=user.access_token)
    assert [(c["appId"], c["scope"]) for c in listed["data"]["myMiniAppConsents"]] == [(app.app_id, "userInfo")]

    # The allowed call left the grant in the Redis cache; revoking must still stop the next call.
    revoked = await gql(REVOKE, {"app": app.app_id, "scope": "userInfo"}, token=user.access_token)
    assert revoked["data"]["revokeMiniAppConsent"]["wasGranted"] is True
    again = await call(client, user.access_token, app.app_id, "getUserInfo")
    assert error_code(again) == "AUTHORIZATION_REQUIRED"
    assert (await gql(CONSENTS, {}, token=user.access_token))["data"]["myMiniAppConsents"] == []

    await runtime.miniprogram_runtime.bridge.audit.flush()
    outcomes = await BridgeCallRecord.filter(app_id=app.app_id).order_by("id").values_list("outcome", flat=True)
    assert outcomes == ["AUTHORIZATION_REQUIRED", "OK", "AUTHORIZATION_REQUIRED"]


async def test_one_users_consent_is_not_anothers(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["getUserInfo"], scopes=SCOPES)
    alice, bob = await sign_in("13900000001"), await sign_in("13900000002")
    await gql(GRANT, {"app": app.app_id, "scope": "userInfo"}, token=alice.access_token)
    assert (await call(client, alice.access_token, app.app_id, "getUserInfo")).status_code == 200
    assert error_code(await call(client, bob.access_token, app.app_id, "getUserInfo")) == "AUTHORIZATION_REQUIRED"


async def test_an_api_the_running_version_does_not_declare_is_refused(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["getStorage"])
    user = await sign_in("13900000001")
    response = await call(client, user.access_token, app.app_id, "getUserInfo")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "API_NOT_DECLARED"
    assert response.json()["error"]["api"] == "getUserInfo"


async def test_an_api_whose_scope_is_not_declared_is_refused_even_with_a_grant_elsewhere(gql, client, sign_in):
    # The manifest declares getPhoneNumber but not the phoneNumber scope it needs.
    app = await released_app(gql, client, sign_in, jsapis=["getPhoneNumber", "getUserInfo"], scopes=SCOPES)
    user = await sign_in("13900000001")
    response = await call(client, user.access_token, app.app_id, "getPhoneNumber")
    assert response.status_code == 403
    assert response.json()["error"] | {"message": ""} == {"code": "SCOPE_NOT_DECLARED", "scope": "phoneNumber", "message": ""}
    grant = await gql(GRANT, {"app": app.app_id, "scope": "phoneNumber"}, token=user.access_token)
    assert grant["data"]["grantMiniAppConsent"]["__typename"] == "ScopeNotDeclared"
    assert error_code(await call(client, user.access_token, app.app_id, "getPhoneNumber")) == "SCOPE_NOT_DECLARED"


async def test_unknown_apis_apps_and_callers_are_refused(gql, client, sign_in):
    app = await released_app(gql, client, sign_in, jsapis=["getStorage"])
    user = await sign_in("13900000001")
    assert error_code(await call(client, user.access_token, app.app_id, "eval")) == "UNKNOWN_API"
    unknown_app = await call(client, user.access_token, "mp0000000000000000", "getStorage", {"key": "k"})
    assert unknown_app.json()["error"] | {"message": ""} == {"code": "APP_UNAVAILABLE", "reason": "UNKNOWN_APP", "message": ""}
    old_client = await call(client, user.access_token, app.app_id, "getStorage", {"key": "k"}, clientVersion="4.9.0")
    assert old_client.json()["error"]["reason"] == "UPGRADE_REQUIRED"
    anonymous = await call(client, None, app.app_id, "getStorage", {"key": "k"})
    assert anonymous.status_code == 401 and error_code(anonymous) == "UNAUTHENTICATED"
    bad_args = await call(client, user.access_token, app.app_id, "getStorage", {"key": ""})
    assert bad_args.status_code == 400 and bad_args.json()["error"]["field"] == "key"


async def test_consents_need_a_signed_in_user_and_a_known_app(gql, sign_in):
    user = await sign_in("13900000001")
    anonymous = await gql(GRANT, {"app": "mp0000000000000000", "scope": "userInfo"})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    unknown = await gql(GRANT, {"app": "mp0000000000000000", "scope": "userInfo"}, token=user.access_token)
    assert unknown["data"]["grantMiniAppConsent"]["__typename"] == "MiniAppNotFound"


async def test_the_apis_allowed_follow_the_version_each_user_runs(gql, client, sign_in):
    """A gray version's new API works for users in the gray release only."""
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    app = await released_app(gql, client, sign_in, jsapis=["getStorage"], reviewer=reviewer)
    alice, bob = await sign_in("13900000001"), await sign_in("13900000002")
    response = await upload(client, app, bridge_package(app.app_id, "2.0.0", jsapis=["getStorage", "getUserInfo"], scopes=SCOPES))
    assert response.status_code == 201, response.text
    token = app.developer.access_token
    await gql(SUBMIT, {"app": app.app_id, "v": "2.0.0"}, token=token)
    await gql(APPROVE, {"app": app.app_id, "v": "2.0.0"}, token=reviewer.access_token)
    started = await gql(GRAY, {"app": app.app_id, "v": "2.0.0", "rules": {"percent": 0, "whitelist": [str(alice.user_id)]}}, token=token)
    assert started["data"]["startGrayRelease"]["__typename"] == "MiniApp", started

    assert error_code(await call(client, alice.access_token, app.app_id, "getUserInfo")) == "AUTHORIZATION_REQUIRED"
    assert error_code(await call(client, bob.access_token, app.app_id, "getUserInfo")) == "API_NOT_DECLARED"


def test_every_bridge_api_can_be_declared_in_a_manifest():
    from miniprogram_host.jsapi import JSAPIS, SCOPES
    from miniprogram_runtime.apis import BRIDGE_APIS

    assert set(BRIDGE_APIS) <= JSAPIS
    assert {api.scope for api in BRIDGE_APIS.values() if api.scope} <= SCOPES
    assert all(api.scope for api in BRIDGE_APIS.values() if api.needs_consent)


def test_the_upload_scan_sees_the_sdk_alias_too():
    from miniprogram_host.jsapi import jsapis_called

    assert jsapis_called("miniapp.call('getUserInfo'); sa.invoke(\"getStorage\"); sa.setStorage({})") == {
        "getUserInfo", "getStorage", "setStorage"}
