"""Releasing mini-programs with chosen manifests, and calling the bridge as the container does."""

from __future__ import annotations

import json

from identity.roles import Role
from tests.miniprogram_host.helpers import APPROVE, RELEASE, SUBMIT, DeveloperApp, developer_app, upload, zip_of

CLIENT = {"platform": "h5", "clientVersion": "5.2.0"}
GRANT = """mutation($app: String!, $scope: String!) { grantMiniAppConsent(appId: $app, scope: $scope) {
  __typename ... on MiniAppConsent { appId appName scope } ... on ScopeNotDeclared { scope message }
  ... on Error { message } } }"""
REVOKE = """mutation($app: String!, $scope: String!) { revokeMiniAppConsent(appId: $app, scope: $scope) {
  appId scope wasGranted } }"""
CONSENTS = """query($app: String) { myMiniAppConsents(appId: $app) { appId appName scope grantedAt } }"""


def bridge_package(app_id: str, version: str, *, jsapis: list[str], scopes: dict[str, str] | None = None) -> bytes:
    """A package whose script calls each declared API through the bridge."""
    manifest = {
        "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": jsapis, "scopes": [{"scope": s, "reason": r} for s, r in (scopes or {}).items()],
        "domains": {}, "minClientVersion": "5.0.0",
    }
    script = "\n".join(f"sa.invoke('{name}', {{}});" for name in jsapis)
    return zip_of({
        "manifest.json": json.dumps(manifest),
        "pages/index.html": "<html><body><script src='../app.js'></script></body></html>",
        "app.js": script,
    })


async def release(gql, client, app: DeveloperApp, reviewer, archive: bytes, version: str) -> None:
    response = await upload(client, app, archive)
    assert response.status_code == 201, response.text
    token = app.developer.access_token
    assert (await gql(SUBMIT, {"app": app.app_id, "v": version}, token=token))["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED"
    approved = await gql(APPROVE, {"app": app.app_id, "v": version}, token=reviewer.access_token)
    assert approved["data"]["approveMiniAppVersion"]["state"] == "APPROVED", approved
    result = await gql(RELEASE, {"app": app.app_id, "v": version}, token=token)
    assert result["data"]["releaseMiniAppVersion"]["release"]["liveVersion"] == version, result


async def released_app(gql, client, sign_in, *, jsapis, scopes=None, phone="13900000101", reviewer=None) -> DeveloperApp:
    """Given an app whose live version declares these APIs and scopes."""
    app = await developer_app(gql, sign_in, phone)
    reviewer = reviewer or await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, bridge_package(app.app_id, "1.0.0", jsapis=jsapis, scopes=scopes), "1.0.0")
    return app


async def call(client, token: str | None, app_id: str, api: str, args: dict | None = None, **body):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await client.post(f"/bridge/v1/{app_id}/{api}", json={"args": args or {}, **CLIENT, **body}, headers=headers)


def error_code(response) -> str:
    return response.json()["error"]["code"]
