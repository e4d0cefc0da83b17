"""Which version clients run: sticky gray buckets, filters, upgrade answers, ETags, rollback."""

from __future__ import annotations

from identity.roles import Role
from tests.miniprogram_host.helpers import (
    APPROVE,
    GRAY,
    RAISE,
    ROLLBACK,
    SUBMIT,
    developer_app,
    package,
    released,
    upload,
)

RESOLVE = """query($app: String!, $v: String!) { resolveMiniProgram(appId: $app, platform: IOS, clientVersion: $v) {
  __typename ... on ResolvedMiniProgram { version channel packageUrl signature keyId }
  ... on UpgradeRequired { minClientVersion } ... on MiniProgramUnavailable { reason } } }"""


async def gray_app(gql, client, sign_in, *, rules: dict, gray_manifest: dict | None = None):
    """Given 1.0.0 live and 2.0.0 approved and in gray with these rules."""
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    assert (await upload(client, app, package(app.app_id, "2.0.0", **(gray_manifest or {})))).status_code == 201
    await gql(SUBMIT, {"app": app.app_id, "v": "2.0.0"}, token=app.developer.access_token)
    await gql(APPROVE, {"app": app.app_id, "v": "2.0.0"}, token=reviewer.access_token)
    started = await gql(GRAY, {"app": app.app_id, "v": "2.0.0", "rules": rules}, token=operator.access_token)
    assert started["data"]["startGrayRelease"]["__typename"] == "MiniApp", started
    return app, operator


async def test_gray_share_is_sticky_close_to_target_and_only_grows(gql, client, sign_in, runtime):
    app, operator = await gray_app(gql, client, sign_in, rules={"percent": 20})
    releases = runtime.miniprograms.releases

    async def on_gray() -> set[int]:
        chosen = set()
        for user in range(1, 10_001):
            answer = await releases.resolve(app_id=app.app_id, subject=f"u:{user}", user_id=user,
                                            platform="ios", client_version="6.0.0")
            if answer.version == "2.0.0":
                chosen.add(user)
        return chosen

    at_20 = await on_gray()
    await gql(RAISE, {"app": app.app_id, "p": 50}, token=operator.access_token)
    at_50 = await on_gray()

    assert 1800 <= len(at_20) <= 2200
    assert 4800 <= len(at_50) <= 5200
    assert at_20 <= at_50


async def test_whitelist_platform_and_client_version_filters(gql, client, sign_in):
    rules = {"percent": 100, "platforms": ["ANDROID"], "minClientVersion": "6.0.0"}
    app, _ = await gray_app(gql, client, sign_in, rules={**rules, "whitelist": []})
    customer = await sign_in("13900000501")

    ios = await gql(RESOLVE, {"app": app.app_id, "v": "6.1.0"}, token=customer.access_token)
    android_old = await client.get(f"/mp/resolve/{app.app_id}", params={"platform": "android", "clientVersion": "5.9.0", "device": "device-0001"})
    android_new = await client.get(f"/mp/resolve/{app.app_id}", params={"platform": "android", "clientVersion": "6.0.0", "device": "device-0001"})

    assert ios["data"]["resolveMiniProgram"]["version"] == "1.0.0"
    assert android_old.json()["version"] == "1.0.0"
    assert android_new.json()["version"] == "2.0.0"
    assert android_new.json()["channel"] == "gray"


async def test_whitelisted_users_get_the_gray_version_at_zero_percent(gql, client, sign_in):
    tester = await sign_in("13900000601")
    app, _ = await gray_app(gql, client, sign_in, rules={"percent": 0, "whitelist": [str(tester.user_id)]})
    other = await sign_in("13900000602")

    mine = await gql(RESOLVE, {"app": app.app_id, "v": "6.0.0"}, token=tester.access_token)
    theirs = await gql(RESOLVE, {"app": app.app_id, "v": "6.0.0"}, token=other.access_token)

    assert mine["data"]["resolveMiniProgram"]["version"] == "2.0.0"
    assert theirs["data"]["resolveMiniProgram"]["version"] == "1.0.0"


async def test_a_whitelisted_tester_on_a_too_old_client_is_told_to_upgrade(gql, client, sign_in):
    """The app's first version is in gray for a tester; nothing is live yet."""
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    tester, other = await sign_in("13900000601"), await sign_in("13900000602")
    assert (await upload(client, app, package(app.app_id, "1.0.0", minClientVersion="6.0.0"))).status_code == 201
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=reviewer.access_token)
    rules = {"percent": 0, "whitelist": [str(tester.user_id)]}
    started = await gql(GRAY, {"app": app.app_id, "v": "1.0.0", "rules": rules}, token=operator.access_token)
    assert started["data"]["startGrayRelease"]["__typename"] == "MiniApp", started

    old = await gql(RESOLVE, {"app": app.app_id, "v": "5.2.0"}, token=tester.access_token)
    new = await gql(RESOLVE, {"app": app.app_id, "v": "6.0.0"}, token=tester.access_token)
    theirs = await gql(RESOLVE, {"app": app.app_id, "v": "6.0.0"}, token=other.access_token)

    assert old["data"]["resolveMiniProgram"] == {"__typename": "UpgradeRequired", "minClientVersion": "6.0.0"}
    assert new["data"]["resolveMiniProgram"]["version"] == "1.0.0"
    assert theirs["data"]["resolveMiniProgram"] == {"__typename": "MiniProgramUnavailable", "reason": "NOT_RELEASED"}


async def test_a_client_below_the_minimum_version_is_told_to_upgrade(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    customer = await sign_in("13900000501")

    old = await gql(RESOLVE, {"app": app.app_id, "v": "4.9.9"}, token=customer.access_token)
    plain = await client.get(f"/mp/resolve/{app.app_id}", params={"platform": "h5", "clientVersion": "4.9.9", "device": "device-0001"})

    assert old["data"]["resolveMiniProgram"] == {"__typename": "UpgradeRequired", "minClientVersion": "5.0.0"}
    assert plain.json() == {"status": "UPGRADE_REQUIRED", "appId": app.app_id, "minClientVersion": "5.0.0"}


async def test_etag_answers_304_until_a_rollback_changes_the_answer_at_once(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    await released(gql, client, sign_in, app, "1.1.0", reviewer)
    params = {"platform": "ios", "clientVersion": "6.0.0", "device": "device-0001"}
    first = await client.get(f"/mp/resolve/{app.app_id}", params=params)

    cached = await client.get(f"/mp/resolve/{app.app_id}", params=params, headers={"if-none-match": first.headers["etag"]})
    await gql(ROLLBACK, {"app": app.app_id, "v": "1.0.0"}, token=operator.access_token)
    after = await client.get(f"/mp/resolve/{app.app_id}", params=params, headers={"if-none-match": first.headers["etag"]})

    assert first.json()["version"] == "1.1.0"
    assert cached.status_code == 304
    assert after.status_code == 200
    assert after.json()["version"] == "1.0.0"
    package_file = await client.get(after.json()["url"])
    assert package_file.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_unknown_offline_and_malformed_requests(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    params = {"platform": "ios", "clientVersion": "6.0.0", "device": "device-0001"}
    offline = """mutation($app: String!, $off: Boolean!) { setMiniAppOffline(appId: $app, offline: $off, reason: "fraud report") {
      __typename ... on Error { message } } }"""

    unknown = await client.get("/mp/resolve/mpnosuchapp", params=params)
    bad = await client.get(f"/mp/resolve/{app.app_id}", params={**params, "clientVersion": "six"})
    by_developer = await gql(offline, {"app": app.app_id, "off": True}, token=app.developer.access_token)
    await gql(offline, {"app": app.app_id, "off": True}, token=operator.access_token)
    taken_down = await client.get(f"/mp/resolve/{app.app_id}", params=params)
    await gql(offline, {"app": app.app_id, "off": False}, token=operator.access_token)
    back = await client.get(f"/mp/resolve/{app.app_id}", params=params)

    assert (unknown.status_code, unknown.json()["status"]) == (404, "UNKNOWN_APP")
    assert bad.status_code == 400
    assert by_developer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert taken_down.json()["status"] == "OFFLINE"
    assert back.json()["version"] == "1.0.0"


async def test_a_signed_out_client_may_leave_out_its_device_and_gets_the_live_version(gql, client, sign_in):
    app, _ = await gray_app(gql, client, sign_in, rules={"percent": 100})
    params = {"platform": "ios", "clientVersion": "6.0.0"}

    without = await client.get(f"/mp/resolve/{app.app_id}", params=params)
    with_device = await client.get(f"/mp/resolve/{app.app_id}", params={**params, "device": "device-0001"})
    malformed = await client.get(f"/mp/resolve/{app.app_id}", params={**params, "device": "short"})

    assert (without.status_code, without.json()["version"]) == (200, "1.0.0")
    assert with_device.json()["version"] == "2.0.0"  # a 100 % gray release reaches every device named
    assert (malformed.status_code, malformed.json()["error"]["field"]) == (400, "device")


async def test_a_token_no_longer_accepted_is_told_apart_from_a_signed_out_caller(gql, client, sign_in):
    app, _ = await gray_app(gql, client, sign_in, rules={"percent": 0})
    params = {"platform": "ios", "clientVersion": "6.0.0"}
    ended = await client.get(f"/mp/resolve/{app.app_id}", params=params, headers={"authorization": "Bearer gone"})
    assert (ended.status_code, ended.json()["error"]["code"]) == (401, "INVALID_TOKEN")
