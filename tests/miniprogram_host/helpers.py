"""Building packages and driving the host the way developers, reviewers and clients do."""

from __future__ import annotations

import base64
import io
import json
import stat
import zipfile
from dataclasses import dataclass

from identity.roles import Role

PAGE = "<html><body><script src='app.js'></script></body></html>"


def manifest(app_id: str, version: str = "1.0.0", **overrides) -> dict:
    m = {
        "appId": app_id,
        "version": version,
        "pages": ["pages/index.html"],
        "entryPage": "pages/index.html",
        "jsapis": ["getLocation", "showToast"],
        "scopes": [{"scope": "location", "reason": "Find the nearest branch for you"}],
        "domains": {"request": ["api.partner.example.com"]},
        "minClientVersion": "5.0.0",
    }
    m.update(overrides)
    return m


def package(app_id: str, version: str = "1.0.0", *, files: dict | None = None, **overrides) -> bytes:
    content = {
        "manifest.json": json.dumps(manifest(app_id, version, **overrides)),
        "pages/index.html": PAGE,
        "app.js": "sa.getLocation({}).then(function (p) { sa.invoke('showToast', {title: 'hi'}) })",
    }
    content.update(files or {})
    return zip_of(content)


def zip_of(files: dict, *, symlinks: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buffer.getvalue()


def basic(app_id: str, secret: str) -> dict:
    return {"authorization": "Basic " + base64.b64encode(f"{app_id}:{secret}".encode()).decode()}


CREATE_ORG = """mutation($name: String!) { createDeveloperOrg(name: $name) {
  __typename ... on DeveloperOrg { id name } ... on Error { message } } }"""
REGISTER = """mutation($org: ID!, $name: String!) {
  registerMiniApp(orgId: $org, name: $name, category: FINANCE, description: "Branch finder") {
    __typename ... on MiniAppCredentials { appSecret app { appId name } } ... on Error { message } } }"""
DOMAINS = """mutation($app: String!, $kind: DomainKind!, $domains: [String!]!) {
  setMiniAppDomains(appId: $app, kind: $kind, domains: $domains) {
    __typename ... on MiniApp { domains { request socket } } ... on InvalidInput { field message } ... on Error { message } } }"""
SUBMIT = """mutation($app: String!, $v: String!) { submitMiniAppVersion(appId: $app, version: $v) {
  __typename ... on MiniAppVersion { state } ... on VersionInFlight { version state } ... on Error { message } } }"""
APPROVE = """mutation($app: String!, $v: String!) { approveMiniAppVersion(appId: $app, version: $v, note: "fine") {
  __typename ... on MiniAppVersion { state review { decision reviewerId } } ... on AlreadyReviewed { state } ... on Error { message } } }"""
REJECT = """mutation($app: String!, $v: String!, $reasons: [RejectionReasonInput!]!) {
  rejectMiniAppVersion(appId: $app, version: $v, reasons: $reasons) {
    __typename ... on MiniAppVersion { state review { decision reasons { item reason } } } ... on Error { message } } }"""
GRAY = """mutation($app: String!, $v: String!, $rules: GrayRulesInput!) {
  startGrayRelease(appId: $app, version: $v, rules: $rules) {
    __typename ... on MiniApp { release { liveVersion gray { version percent } } } ... on Error { message } } }"""
RAISE = """mutation($app: String!, $p: Int!) { raiseGrayPercentage(appId: $app, percent: $p) {
  __typename ... on MiniApp { release { gray { percent } } } ... on GrayPercentageMustRise { currentPercent } ... on Error { message } } }"""
RELEASE = """mutation($app: String!, $v: String!) { releaseMiniAppVersion(appId: $app, version: $v) {
  __typename ... on MiniApp { release { liveVersion gray { version } rollbackTargets } } ... on Error { message } } }"""
ROLLBACK = """mutation($app: String!, $v: String!) { rollbackMiniApp(appId: $app, version: $v) {
  __typename ... on MiniApp { release { liveVersion gray { version } rollbackTargets } }
  ... on RollbackTargetInvalid { allowedVersions } ... on Error { message } } }"""
APP = """query($app: String!) { miniApp(appId: $app) { __typename ... on MiniApp {
  appId release { liveVersion gray { version percent } offline rollbackTargets }
  versions { version state digest review { decision reasons { item reason } } }
  audit(limit: 100) { actor action version detail } } ... on Error { message } } }"""


@dataclass
class DeveloperApp:
    developer: object  # tests.support.Session
    org_id: str
    app_id: str
    secret: str


async def developer_app(gql, sign_in, phone: str = "13900000101") -> DeveloperApp:
    """Given a developer with an org and a registered app whose request whitelist is set."""
    dev = await sign_in(phone, Role.DEVELOPER)
    org = (await gql(CREATE_ORG, {"name": "Partner Co"}, token=dev.access_token))["data"]["createDeveloperOrg"]
    reg = (await gql(REGISTER, {"org": org["id"], "name": "Branches"}, token=dev.access_token))["data"]["registerMiniApp"]
    app_id = reg["app"]["appId"]
    await gql(DOMAINS, {"app": app_id, "kind": "REQUEST", "domains": ["api.partner.example.com"]}, token=dev.access_token)
    return DeveloperApp(dev, org["id"], app_id, reg["appSecret"])


async def upload(client, app: DeveloperApp, archive: bytes):
    return await client.post(f"/mp/apps/{app.app_id}/packages", content=archive, headers=basic(app.app_id, app.secret))


async def released(gql, client, sign_in, app: DeveloperApp, version: str, reviewer) -> None:
    """Upload, submit, approve and fully release one version."""
    response = await upload(client, app, package(app.app_id, version))
    assert response.status_code == 201, response.text
    token = app.developer.access_token
    assert (await gql(SUBMIT, {"app": app.app_id, "v": version}, token=token))["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"
    assert (await gql(APPROVE, {"app": app.app_id, "v": version}, token=reviewer.access_token))["data"]["approveMiniAppVersion"]["state"] == "APPROVED"
    result = await gql(RELEASE, {"app": app.app_id, "v": version}, token=token)
    assert result["data"]["releaseMiniAppVersion"]["release"]["liveVersion"] == version, result
