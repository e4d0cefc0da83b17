"""Development mode: a partner whitelists localhost for an app, and a version that names it
runs in its developers' preview alone, never in review, gray or release."""

from __future__ import annotations

import json

from identity.roles import Role
from miniprogram_host.models import AppVersion
from tests.miniprogram_host.helpers import GRAY, RELEASE, developer_app, upload, zip_of
from tests.miniprogram_runtime.support import call, error_code

DEV_DOMAINS = """mutation($app: String!, $domains: [String!]!) { setMiniAppDevDomains(appId: $app, domains: $domains) {
  __typename ... on MiniApp { domains { request development } } ... on InvalidInput { field message }
  ... on Error { message } } }"""
SUBMIT_DEV = """mutation($app: String!, $v: String!) { submitMiniAppVersion(appId: $app, version: $v) {
  __typename ... on MiniAppVersion { state } ... on DevelopmentVersion { version devDomains message }
  ... on Error { message } } }"""
RESOLVE = """query($app: String!, $preview: String) {
  resolveMiniProgram(appId: $app, platform: H5, clientVersion: "5.2.0", preview: $preview) {
    __typename ... on ResolvedMiniProgram { version channel } ... on MiniProgramUnavailable { reason }
    ... on Error { message } } }"""


def dev_package(app_id: str, version: str, dev_domains: list | object) -> bytes:
    manifest = {
        "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": ["getStorage"], "scopes": [], "domains": {"request": ["api.partner.example.com"]},
        "devDomains": dev_domains, "minClientVersion": "5.0.0",
    }
    return zip_of({
        "manifest.json": json.dumps(manifest),
        "pages/index.html": "<html><body><script src='../app.js'></script></body></html>",
        "app.js": "sa.invoke('getStorage', {key: 'k'});",
    })


def resolve_url(app_id: str, preview: str | None = None) -> str:
    url = f"/mp/resolve/{app_id}?platform=h5&clientVersion=5.2.0"
    return url + (f"&preview={preview}" if preview else "")


def bearer(session) -> dict:
    return {"authorization": f"Bearer {session.access_token}"}


async def test_the_development_whitelist_takes_local_origins_alone_from_the_app_s_own_developers(gql, sign_in):
    app = await developer_app(gql, sign_in)
    dev = app.developer.access_token
    answer = await gql(DEV_DOMAINS, {"app": app.app_id,
                                     "domains": ["http://LOCALHOST:5173/api?x=1", "127.0.0.1:8080", "localhost"]}, token=dev)
    mini_app = answer["data"]["setMiniAppDevDomains"]
    assert mini_app["domains"] == {"request": ["api.partner.example.com"],
                                   "development": ["127.0.0.1:8080", "localhost", "localhost:5173"]}

    for bad in (["api.partner.example.com"], ["localhost:0"], ["localhost:65536"], ["10.0.0.1:80"],
                ["localhost.evil.example.com"], ["[::1]:3000"], [f"localhost:{port}" for port in range(3000, 3011)]):
        refused = (await gql(DEV_DOMAINS, {"app": app.app_id, "domains": bad}, token=dev))["data"]["setMiniAppDevDomains"]
        assert refused["__typename"] == "InvalidInput", (bad, refused)
        assert refused["field"] == "domains"
    refused = (await gql(DEV_DOMAINS, {"app": app.app_id, "domains": ["example.com"]}, token=dev))
    assert "localhost" in refused["data"]["setMiniAppDevDomains"]["message"]  # the error says what it takes

    # Another partner's developer, and a customer, cannot touch it.
    other = await sign_in("13900000102", Role.DEVELOPER)
    foreign = await gql(DEV_DOMAINS, {"app": app.app_id, "domains": ["localhost:1"]}, token=other.access_token)
    assert foreign["data"]["setMiniAppDevDomains"]["__typename"] == "MiniAppNotPermitted"
    customer = await sign_in("13900000001")
    denied = await gql(DEV_DOMAINS, {"app": app.app_id, "domains": ["localhost:1"]}, token=customer.access_token)
    assert denied["data"] is None or denied["data"]["setMiniAppDevDomains"] is None
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    still = await gql(DEV_DOMAINS, {"app": app.app_id, "domains": ["127.0.0.1:8080", "localhost", "localhost:5173"]}, token=dev)
    assert still["data"]["setMiniAppDevDomains"]["domains"]["development"] == ["127.0.0.1:8080", "localhost", "localhost:5173"]


async def test_a_development_version_runs_in_its_developers_preview_and_never_reaches_review_or_release(
    gql, client, sign_in
):
    app = await developer_app(gql, sign_in)
    dev = app.developer
    customer = await sign_in("13900000001")

    # Not yet whitelisted for development: the upload says so, for the manifest's field.
    refused = await upload(client, app, dev_package(app.app_id, "1.1.0-dev.1", ["localhost:5173"]))
    assert refused.status_code == 422
    assert [(p["code"], p["path"]) for p in refused.json()["error"]["problems"]] == [
        ("DOMAIN_NOT_WHITELISTED", "manifest.devDomains")]
    malformed = await upload(client, app, dev_package(app.app_id, "1.1.0-dev.1", ["dev.example.com"]))
    assert [(p["code"], p["path"]) for p in malformed.json()["error"]["problems"]] == [
        ("MANIFEST_FIELD_INVALID", "manifest.devDomains")]
    not_a_list = await upload(client, app, dev_package(app.app_id, "1.1.0-dev.1", "localhost:5173"))
    assert not_a_list.json()["error"]["problems"][0]["path"] == "manifest.devDomains"

    await gql(DEV_DOMAINS, {"app": app.app_id, "domains": ["localhost:5173"]}, token=dev.access_token)
    uploaded = await upload(client, app, dev_package(app.app_id, "1.1.0-dev.1", ["localhost:5173"]))
    assert uploaded.status_code == 201, uploaded.text

    # Its developer previews it, over HTTP and GraphQL; nobody else gets it, by either way.
    mine = await client.get(resolve_url(app.app_id, "1.1.0-dev.1"), headers=bearer(dev))
    assert mine.status_code == 200, mine.text
    assert (mine.json()["version"], mine.json()["channel"]) == ("1.1.0-dev.1", "preview")
    assert mine.headers["cache-control"] == "no-store"
    assert (await client.get(resolve_url(app.app_id, "1.1.0-dev.1"), headers=bearer(customer))).status_code == 403
    assert (await client.get(resolve_url(app.app_id, "1.1.0-dev.1"))).status_code == 401
    unknown = await client.get(resolve_url(app.app_id, "9.9.9"), headers=bearer(dev))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (await client.get(resolve_url(app.app_id, "not-a-version"), headers=bearer(dev))).status_code == 400
    everyone = await client.get(resolve_url(app.app_id), headers=bearer(customer))
    assert everyone.json()["status"] == "NOT_RELEASED"
    assert (await client.get(resolve_url(app.app_id), headers=bearer(dev))).json()["status"] == "NOT_RELEASED"
    previewed = await gql(RESOLVE, {"app": app.app_id, "preview": "1.1.0-dev.1"}, token=dev.access_token)
    assert previewed["data"]["resolveMiniProgram"] == {"__typename": "ResolvedMiniProgram", "version": "1.1.0-dev.1",
                                                      "channel": "preview"}
    foreign = await gql(RESOLVE, {"app": app.app_id, "preview": "1.1.0-dev.1"}, token=customer.access_token)
    assert foreign["data"]["resolveMiniProgram"]["__typename"] == "MiniAppNotPermitted"

    # The bridge runs the previewed version's declarations for its developer alone.
    ran = await call(client, dev.access_token, app.app_id, "getStorage", {"key": "k"}, preview="1.1.0-dev.1")
    assert ran.status_code == 200, ran.text
    assert ran.json()["result"]["data"] is None
    stranger = await call(client, customer.access_token, app.app_id, "getStorage", {"key": "k"}, preview="1.1.0-dev.1")
    assert (stranger.status_code, error_code(stranger)) == (403, "PREVIEW_REFUSED")
    assert error_code(await call(client, customer.access_token, app.app_id, "getStorage", {"key": "k"})) == "APP_UNAVAILABLE"
    bad = await call(client, dev.access_token, app.app_id, "getStorage", {"key": "k"}, preview=["1.1.0-dev.1"])
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "preview")

    # It cannot be submitted; nor, if it were somehow approved, grayed or released.
    submitted = (await gql(SUBMIT_DEV, {"app": app.app_id, "v": "1.1.0-dev.1"}, token=dev.access_token))["data"]
    assert submitted["submitMiniAppVersion"]["__typename"] == "DevelopmentVersion"
    assert submitted["submitMiniAppVersion"]["devDomains"] == ["localhost:5173"]
    assert "localhost:5173" in submitted["submitMiniAppVersion"]["message"]
    await AppVersion.filter(version="1.1.0-dev.1").update(state="approved")
    gray = await gql(GRAY, {"app": app.app_id, "v": "1.1.0-dev.1", "rules": {"percent": 50}}, token=dev.access_token)
    assert gray["data"]["startGrayRelease"]["__typename"] == "DevelopmentVersion", gray
    release = await gql(RELEASE, {"app": app.app_id, "v": "1.1.0-dev.1"}, token=dev.access_token)
    assert release["data"]["releaseMiniAppVersion"]["__typename"] == "DevelopmentVersion", release
    await AppVersion.filter(version="1.1.0-dev.1").update(state="uploaded")

    # Taking localhost off the whitelist ends its previews.
    await gql(DEV_DOMAINS, {"app": app.app_id, "domains": []}, token=dev.access_token)
    ended = await client.get(resolve_url(app.app_id, "1.1.0-dev.1"), headers=bearer(dev))
    assert (ended.status_code, ended.json()["error"]["code"]) == (403, "NOT_PERMITTED")
    assert "localhost:5173" in ended.json()["error"]["message"]

    # The same app without devDomains goes to review as usual.
    plain = await upload(client, app, dev_package(app.app_id, "1.1.0", []))
    assert plain.status_code == 201, plain.text
    ok = await gql(SUBMIT_DEV, {"app": app.app_id, "v": "1.1.0"}, token=dev.access_token)
    assert ok["data"]["submitMiniAppVersion"] == {"__typename": "MiniAppVersion", "state": "SUBMITTED"}
