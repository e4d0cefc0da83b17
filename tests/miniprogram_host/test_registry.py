"""Developers register apps: a secret shown once, a profile with icons, audited whitelists."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from graphql import build_schema

from PIL import Image

from identity.roles import Role
from miniprogram_host.models import MiniApp
from miniprogram_host.registry import developer_user_ids_for_app
from tests.miniprogram_host.helpers import APP, DOMAINS, REGISTER, developer_app, package, upload

RESET = """mutation($app: String!) { resetMiniAppSecret(appId: $app) {
  __typename ... on MiniAppCredentials { appSecret } ... on Error { message } } }"""
PROFILE = """mutation($app: String!, $icon: String) { updateMiniAppProfile(appId: $app, name: "Branch Finder", iconBase64: $icon) {
  __typename ... on MiniApp { name icons { size url } } ... on InvalidInput { field } ... on Error { message } } }"""


def png(width: int, height: int) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


async def test_the_secret_is_stored_as_a_hash_and_a_reset_retires_the_old_one(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    stored = await MiniApp.get(app_id=app.app_id)
    reset = await gql(RESET, {"app": app.app_id}, token=app.developer.access_token)
    new_secret = reset["data"]["resetMiniAppSecret"]["appSecret"]
    with_old = await upload(client, app, package(app.app_id, "1.0.0"))
    app.secret = new_secret
    with_new = await upload(client, app, package(app.app_id, "1.0.0"))

    assert app.secret not in stored.secret_hash and len(stored.secret_hash) == 64
    assert with_old.status_code == 401
    assert with_new.status_code == 201
    state = (await gql(APP, {"app": app.app_id}, token=app.developer.access_token))["data"]["miniApp"]
    assert "secret_reset" in [a["action"] for a in state["audit"]]
    assert all(new_secret not in str(a["detail"]) for a in state["audit"])


async def test_icon_is_cropped_and_resized_for_clients(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    result = await gql(PROFILE, {"app": app.app_id, "icon": png(400, 300)}, token=app.developer.access_token)
    tiny = await gql(PROFILE, {"app": app.app_id, "icon": png(64, 64)}, token=app.developer.access_token)

    icons = result["data"]["updateMiniAppProfile"]["icons"]
    assert [i["size"] for i in icons] == [48, 96, 144, 192]
    for icon in icons:
        served = await client.get(icon["url"])
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert Image.open(io.BytesIO(served.content)).size == (icon["size"], icon["size"])
    assert tiny["data"]["updateMiniAppProfile"]["field"] == "icon"


async def test_anyone_reads_an_apps_name_and_icon_for_its_title_bar(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    before = await client.get(f"/mp/profile/{app.app_id}")
    result = await gql(PROFILE, {"app": app.app_id, "icon": png(200, 200)}, token=app.developer.access_token)
    icon_96 = next(i["url"] for i in result["data"]["updateMiniAppProfile"]["icons"] if i["size"] == 96)

    after = await client.get(f"/mp/profile/{app.app_id}")
    unknown = await client.get("/mp/profile/mp0000000000000000")

    assert before.json() == {"appId": app.app_id, "name": "Branches", "iconUrl": None}
    assert after.status_code == 200
    assert after.json() == {"appId": app.app_id, "name": "Branch Finder", "iconUrl": icon_96}
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "UNKNOWN_APP"


async def test_domain_whitelists_are_capped_and_every_change_audited(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    token = app.developer.access_token
    too_many = [f"h{i}.example.com" for i in range(201)]

    capped = await gql(DOMAINS, {"app": app.app_id, "kind": "SOCKET", "domains": too_many}, token=token)
    malformed = await gql(DOMAINS, {"app": app.app_id, "kind": "SOCKET", "domains": ["x .com", "wss://"]}, token=token)
    # A URL is cut down to its host (partners paste them): scheme, path and query go.
    changed = await gql(DOMAINS, {"app": app.app_id, "kind": "REQUEST", "domains": ["api.partner.example.com", "https://Pay.Partner.example.com/v1?x=1"]}, token=token)

    assert capped["data"]["setMiniAppDomains"]["field"] == "domains"
    assert malformed["data"]["setMiniAppDomains"]["field"] == "domains"
    assert "api.example.com" in malformed["data"]["setMiniAppDomains"]["message"]  # it says what it wants
    assert changed["data"]["setMiniAppDomains"]["domains"]["request"] == ["api.partner.example.com", "pay.partner.example.com"]
    audit = (await gql(APP, {"app": app.app_id}, token=token))["data"]["miniApp"]["audit"]
    changes = [a["detail"] for a in audit if a["action"] == "domains_changed"]
    assert changes == [
        {"kind": "request", "added": ["pay.partner.example.com"], "removed": []},
        {"kind": "request", "added": ["api.partner.example.com"], "removed": []},
    ]


async def test_only_developers_register_and_only_their_own_org_sees_an_app(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    customer = await sign_in("13900000501")
    other_dev = await sign_in("13900000401", Role.DEVELOPER)
    operator = await sign_in("13900000301", Role.OPERATOR)

    by_customer = await gql(REGISTER, {"org": app.org_id, "name": "Mine"}, token=customer.access_token)
    into_other_org = await gql(REGISTER, {"org": app.org_id, "name": "Mine"}, token=other_dev.access_token)
    peek = await gql(APP, {"app": app.app_id}, token=other_dev.access_token)
    staff = await gql(APP, {"app": app.app_id}, token=operator.access_token)

    assert by_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert into_other_org["data"]["registerMiniApp"]["__typename"] == "MiniAppNotPermitted"
    assert peek["data"]["miniApp"]["__typename"] == "MiniAppNotPermitted"
    assert staff["data"]["miniApp"]["appId"] == app.app_id


async def test_the_developers_of_an_app_are_known_to_other_domains(gql, client, sign_in):
    app = await developer_app(gql, sign_in)

    assert await developer_user_ids_for_app(app.app_id) == {app.developer.user_id}
    assert await developer_user_ids_for_app("mpnosuchapp") == set()


REGISTER_IN = """mutation($org: ID!, $category: MiniAppCategory!) {
  registerMiniApp(orgId: $org, name: "Fares", category: $category) {
    __typename ... on MiniAppCredentials { app { appId category } } ... on Error { message } } }"""
RECATEGORISE = """mutation($app: String!, $category: MiniAppCategory) {
  updateMiniAppProfile(appId: $app, category: $category) { __typename ... on MiniApp { category } } }"""


async def test_the_category_is_an_enum_of_the_eight_listings_stored_as_before(gql, client, sign_in):
    app = await developer_app(gql, sign_in)
    token = app.developer.access_token
    contract = build_schema((Path(__file__).resolve().parents[2] / "schema.graphql").read_text())
    assert list(contract.get_type("MiniAppCategory").values) == [
        "FINANCE", "SHOPPING", "TRAVEL", "LIFE", "GOVERNMENT", "EDUCATION", "HEALTH", "TOOLS",
    ]
    assert str(contract.mutation_type.fields["registerMiniApp"].args["category"].type) == "MiniAppCategory!"

    registered = await gql(REGISTER_IN, {"org": app.org_id, "category": "TRAVEL"}, token=token)
    created = registered["data"]["registerMiniApp"]["app"]
    assert created["category"] == "TRAVEL"
    assert (await MiniApp.get(app_id=created["appId"])).category == "travel"  # the stored value is unchanged
    moved = await gql(RECATEGORISE, {"app": created["appId"], "category": "HEALTH"}, token=token)
    assert moved["data"]["updateMiniAppProfile"]["category"] == "HEALTH"
    assert (await MiniApp.get(app_id=created["appId"])).category == "health"
    # The category of an app registered before the enum reads as its enum value.
    assert (await MiniApp.get(app_id=app.app_id)).category == "finance"
    shown = await gql("""query($app: String!) { miniApp(appId: $app) { ... on MiniApp { category } } }""",
                      {"app": app.app_id}, token=token)
    assert shown["data"]["miniApp"]["category"] == "FINANCE"

    for wrong in ("casino", "finance"):
        refused = await gql(REGISTER_IN, {"org": app.org_id, "category": wrong}, token=token)
        assert "data" not in refused or refused["data"] is None, refused
        assert "MiniAppCategory" in refused["errors"][0]["message"]
    assert await MiniApp.filter(org_id=int(app.org_id)).count() == 2
