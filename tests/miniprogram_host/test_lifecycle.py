"""A version's life through the public API: submit, review, gray, release, rollback."""

from __future__ import annotations

import asyncio

from identity.roles import Role
from tests.miniprogram_host.helpers import (
    APP,
    APPROVE,
    GRAY,
    RAISE,
    REJECT,
    RELEASE,
    ROLLBACK,
    SUBMIT,
    developer_app,
    package,
    released,
    upload,
)

QUEUE = "{ miniAppReviewQueue { appId version state } }"
ADD_MEMBER = """mutation($org: ID!, $user: ID!) { addDeveloperOrgMember(orgId: $org, userId: $user) {
  __typename ... on Error { message } } }"""


def quiet(result: dict) -> dict:
    """The typed answer without its human-readable message."""
    return {k: v for k, v in result.items() if k != "message"}


async def test_a_version_goes_from_upload_to_full_release_with_every_step_audited(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    dev = app.developer.access_token
    assert (await upload(client, app, package(app.app_id, "1.0.0"))).status_code == 201

    submitted = await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=dev)
    queue = await gql(QUEUE, token=reviewer.access_token)
    approved = await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=reviewer.access_token)
    gray = await gql(GRAY, {"app": app.app_id, "v": "1.0.0", "rules": {"percent": 20}}, token=operator.access_token)
    lower = await gql(RAISE, {"app": app.app_id, "p": 10}, token=operator.access_token)
    higher = await gql(RAISE, {"app": app.app_id, "p": 50}, token=operator.access_token)
    full = await gql(RELEASE, {"app": app.app_id, "v": "1.0.0"}, token=operator.access_token)

    assert submitted["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"
    assert queue["data"]["miniAppReviewQueue"] == [{"appId": app.app_id, "version": "1.0.0", "state": "SUBMITTED"}]
    assert approved["data"]["approveMiniAppVersion"]["review"] == {"decision": "approved", "reviewerId": str(reviewer.user_id)}
    assert gray["data"]["startGrayRelease"]["release"]["gray"] == {"version": "1.0.0", "percent": 20}
    assert quiet(lower["data"]["raiseGrayPercentage"]) == {"__typename": "GrayPercentageMustRise", "currentPercent": 20}
    assert higher["data"]["raiseGrayPercentage"]["release"]["gray"]["percent"] == 50
    assert full["data"]["releaseMiniAppVersion"]["release"] == {"liveVersion": "1.0.0", "gray": None, "rollbackTargets": []}
    state = (await gql(APP, {"app": app.app_id}, token=dev))["data"]["miniApp"]
    assert [v["state"] for v in state["versions"]] == ["RELEASED"]
    actions = [(a["action"], a["actor"]) for a in reversed(state["audit"])]
    assert actions == [
        ("registered", f"user:{app.developer.user_id}"),
        ("domains_changed", f"user:{app.developer.user_id}"),
        ("uploaded", f"app:{app.app_id}"),
        ("submitted", f"user:{app.developer.user_id}"),
        ("approved", f"user:{reviewer.user_id}"),
        ("gray_started", f"user:{operator.user_id}"),
        ("gray_raised", f"user:{operator.user_id}"),
        ("released", f"user:{operator.user_id}"),
    ]


async def test_one_version_at_a_time_may_be_in_review(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    for version in ("1.0.0", "1.1.0"):
        assert (await upload(client, app, package(app.app_id, version))).status_code == 201
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)

    second = await gql(SUBMIT, {"app": app.app_id, "v": "1.1.0"}, token=app.developer.access_token)

    assert quiet(second["data"]["submitMiniAppVersion"]) == {"__typename": "VersionInFlight", "version": "1.0.0", "state": "SUBMITTED"}


async def test_rejection_carries_a_reason_per_checklist_item_and_frees_the_slot(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    for version in ("1.0.0", "1.1.0"):
        await upload(client, app, package(app.app_id, version))
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    reasons = [
        {"item": "PRIVACY", "reason": "The location reason does not say why a branch finder needs it."},
        {"item": "USER_INTERFACE", "reason": "The back button on the results page does nothing."},
    ]

    rejected = await gql(REJECT, {"app": app.app_id, "v": "1.0.0", "reasons": reasons}, token=reviewer.access_token)
    resubmit = await gql(SUBMIT, {"app": app.app_id, "v": "1.1.0"}, token=app.developer.access_token)

    assert rejected["data"]["rejectMiniAppVersion"] == {
        "__typename": "MiniAppVersion", "state": "REJECTED",
        "review": {"decision": "rejected", "reasons": [
            {"item": "PRIVACY", "reason": reasons[0]["reason"]}, {"item": "USER_INTERFACE", "reason": reasons[1]["reason"]},
        ]},
    }
    assert resubmit["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"


async def test_developers_cannot_approve_their_own_apps_and_other_roles_cannot_review(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    await upload(client, app, package(app.app_id, "1.0.0"))
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    own = await sign_in("13900000102", Role.DEVELOPER, Role.REVIEWER)  # a reviewer who joined the org
    joined = await gql(ADD_MEMBER, {"org": app.org_id, "user": str(own.user_id)}, token=app.developer.access_token)
    assert joined["data"]["addDeveloperOrgMember"]["__typename"] == "DeveloperOrg"
    operator = await sign_in("13900000301", Role.OPERATOR)
    outsider = await sign_in("13900000401", Role.DEVELOPER)

    self_review = await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=own.access_token)
    by_operator = await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=operator.access_token)
    by_developer = await gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    outsider_release = await gql(RELEASE, {"app": app.app_id, "v": "1.0.0"}, token=outsider.access_token)
    customer = await sign_in("13900000501")
    customer_queue = await gql(QUEUE, token=customer.access_token)

    assert self_review["data"]["approveMiniAppVersion"]["__typename"] == "SelfReviewForbidden"
    assert by_operator["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_developer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert outsider_release["data"]["releaseMiniAppVersion"]["__typename"] == "MiniAppNotPermitted"
    assert customer_queue["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    state = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]
    assert state["versions"][0]["state"] == "SUBMITTED"


async def test_two_reviewers_deciding_at_once_leave_one_decision(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    await upload(client, app, package(app.app_id, "1.0.0"))
    await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    first = await sign_in("13900000201", Role.REVIEWER)
    second = await sign_in("13900000202", Role.REVIEWER)
    reasons = [{"item": "SECURITY", "reason": "Sends the card number to a third-party host."}]

    results = await asyncio.gather(
        gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=first.access_token),
        gql(REJECT, {"app": app.app_id, "v": "1.0.0", "reasons": reasons}, token=second.access_token),
        gql(APPROVE, {"app": app.app_id, "v": "1.0.0"}, token=second.access_token),
    )

    names = [next(iter(r["data"].values()))["__typename"] for r in results]
    assert sorted(names) == ["AlreadyReviewed", "AlreadyReviewed", "MiniAppVersion"]
    state = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]
    decisions = [a["action"] for a in state["audit"] if a["action"] in ("approved", "rejected")]
    assert len(decisions) == 1
    assert state["versions"][0]["state"] == {"approved": "APPROVED", "rejected": "REJECTED"}[decisions[0]]


async def test_rollback_works_during_a_gray_release_and_reaches_the_last_five(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    operator = await sign_in("13900000301", Role.OPERATOR)
    for minor in range(7):
        await released(gql, client, sign_in, app, f"1.{minor}.0", reviewer)
    await upload(client, app, package(app.app_id, "2.0.0"))
    await gql(SUBMIT, {"app": app.app_id, "v": "2.0.0"}, token=app.developer.access_token)
    await gql(APPROVE, {"app": app.app_id, "v": "2.0.0"}, token=reviewer.access_token)
    await gql(GRAY, {"app": app.app_id, "v": "2.0.0", "rules": {"percent": 30}}, token=operator.access_token)

    too_old = await gql(ROLLBACK, {"app": app.app_id, "v": "1.0.0"}, token=operator.access_token)
    back = await gql(ROLLBACK, {"app": app.app_id, "v": "1.3.0"}, token=operator.access_token)

    assert quiet(too_old["data"]["rollbackMiniApp"]) == {
        "__typename": "RollbackTargetInvalid",
        "allowedVersions": ["1.6.0", "1.5.0", "1.4.0", "1.3.0", "1.2.0", "1.1.0"],  # live, then the last 5
    }
    assert back["data"]["rollbackMiniApp"]["release"] == {
        "liveVersion": "1.3.0", "gray": None, "rollbackTargets": ["1.6.0", "1.5.0", "1.4.0", "1.2.0", "1.1.0"],
    }
    state = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]
    assert {v["version"]: v["state"] for v in state["versions"]}["2.0.0"] == "WITHDRAWN"
    rollback = next(a for a in state["audit"] if a["action"] == "rolled_back")
    assert rollback["detail"] == {"previous": "1.6.0", "gray_withdrawn": "2.0.0"}


async def test_rolling_back_to_the_live_version_ends_a_gray_release(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    reviewer = await sign_in("13900000201", Role.REVIEWER)
    await released(gql, client, sign_in, app, "1.0.0", reviewer)
    await upload(client, app, package(app.app_id, "1.1.0"))
    await gql(SUBMIT, {"app": app.app_id, "v": "1.1.0"}, token=app.developer.access_token)
    await gql(APPROVE, {"app": app.app_id, "v": "1.1.0"}, token=reviewer.access_token)
    await gql(GRAY, {"app": app.app_id, "v": "1.1.0", "rules": {"percent": 5}}, token=app.developer.access_token)

    stopped = await gql(ROLLBACK, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)
    again = await gql(ROLLBACK, {"app": app.app_id, "v": "1.0.0"}, token=app.developer.access_token)

    assert stopped["data"]["rollbackMiniApp"]["release"] == {"liveVersion": "1.0.0", "gray": None, "rollbackTargets": []}
    assert again["data"]["rollbackMiniApp"]["__typename"] == "RollbackTargetInvalid"
    await upload(client, app, package(app.app_id, "1.2.0"))
    resubmitted = await gql(SUBMIT, {"app": app.app_id, "v": "1.2.0"}, token=app.developer.access_token)
    assert resubmitted["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"


async def test_two_submissions_at_once_leave_one_in_review(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    for version in ("1.0.0", "1.1.0"):
        await upload(client, app, package(app.app_id, version))

    results = await asyncio.gather(*(
        gql(SUBMIT, {"app": app.app_id, "v": v}, token=app.developer.access_token) for v in ("1.0.0", "1.1.0")
    ))

    names = sorted(r["data"]["submitMiniAppVersion"]["__typename"] for r in results)
    assert names == ["MiniAppVersion", "VersionInFlight"]
    state = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]
    assert sorted(v["state"] for v in state["versions"]) == ["SUBMITTED", "UPLOADED"]
