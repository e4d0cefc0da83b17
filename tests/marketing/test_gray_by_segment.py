"""The host's gray release by audience segment: members get the gray version, others the live one,
on cold starts and in the home's grid; an unknown segment is refused."""

from __future__ import annotations

from identity.roles import Role
from tests.marketing.support import customer
from tests.miniprogram_host.helpers import APPROVE, GRAY, SUBMIT, developer_app, package, released, upload
from tests.miniprogram_host.test_resolution import RESOLVE

GRID = """{ home(platform: IOS, clientVersion: "5.2.0") { __typename ... on Home { grid { appId version channel } } } }"""


async def _approved_gray_candidate(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    assert (await upload(client, app, package(app.app_id, "2.0.0"))).status_code == 201
    await gql(SUBMIT, {"app": app.app_id, "v": "2.0.0"}, token=app.developer.access_token)
    await gql(APPROVE, {"app": app.app_id, "v": "2.0.0"}, token=reviewer.access_token)
    return app, operator


async def test_members_of_the_segment_get_the_gray_version(gql, client, sign_in, runtime):
    shanghai, guangzhou = await sign_in("13900000001"), await sign_in("13900000002")
    await customer(runtime, phone=shanghai.phone, age=30)
    await customer(runtime, phone=guangzhou.phone, age=30, address="广东省广州市天河区体育西路1号")
    segment = await runtime.marketing.create_segment(by_user_id=1, name="上海", rule={"attr": "city", "in": ["上海市"]})
    app, operator = await _approved_gray_candidate(gql, client, sign_in)

    started = await gql(GRAY, {"app": app.app_id, "v": "2.0.0", "rules": {"percent": 0, "segments": [str(segment.id)]}},
                        token=operator.access_token)
    assert started["data"]["startGrayRelease"]["__typename"] == "MiniApp", started

    member = await gql(RESOLVE, {"app": app.app_id, "v": "5.2.0"}, token=shanghai.access_token)
    other = await gql(RESOLVE, {"app": app.app_id, "v": "5.2.0"}, token=guangzhou.access_token)
    assert member["data"]["resolveMiniProgram"] | {"packageUrl": None, "signature": None, "keyId": None} == {
        "__typename": "ResolvedMiniProgram", "version": "2.0.0", "channel": "gray",
        "packageUrl": None, "signature": None, "keyId": None}
    assert other["data"]["resolveMiniProgram"]["version"] == "1.0.0"
    # The home's grid decides the same way.
    assert (await gql(GRID, token=shanghai.access_token))["data"]["home"]["grid"] == [
        {"appId": app.app_id, "version": "2.0.0", "channel": "gray"}]
    assert (await gql(GRID, token=guangzhou.access_token))["data"]["home"]["grid"] == [
        {"appId": app.app_id, "version": "1.0.0", "channel": "live"}]


async def test_a_gray_release_for_an_unknown_segment_is_refused(gql, client, sign_in):
    app, operator = await _approved_gray_candidate(gql, client, sign_in)
    refused = await gql(GRAY, {"app": app.app_id, "v": "2.0.0", "rules": {"percent": 0, "segments": ["424242"]}},
                        token=operator.access_token)
    assert refused["data"]["startGrayRelease"]["__typename"] == "InvalidInput", refused
