"""A first-party page files a repair with photos the customer chose in the container: the
page passes only chooseImage's fileId to bankGraphql, and the operation gets the container's
cleaned image (upright, no EXIF). Another customer's, another app's or a made-up fileId is
refused, for that variable; bankMedia is the bank's own apps' alone."""

from __future__ import annotations

import base64
import json

from identity.roles import Role
from tests.miniprogram_host.helpers import developer_app, upload, zip_of
from tests.miniprogram_runtime.support import call, release
from tests.miniprogram_runtime.test_bank_graphql import first_party_app, problems
from tests.parks.photos import sideways_photo_with_gps
from tests.parks.support import leased_unit

FILE_TICKET = """mutation FileTicket($unitId: ID!, $photos: [Upload!]) {
  fileRepairTicket(unitId: $unitId, category: ELECTRICAL, urgency: URGENT, description: "配电箱冒烟", photos: $photos) {
    __typename ... on RepairTicket { id photos { width height renditions { name url } } } ... on Error { message } } }
"""


def parks_like_package(app_id: str, version: str = "1.0.0", **extra) -> bytes:
    manifest = {
        "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": ["bankGraphql", "chooseImage"], "bankOperations": ["operations.graphql"],
        "scopes": [{"scope": "album", "reason": "为报修单添加故障照片"}], "domains": {}, "minClientVersion": "5.0.0",
        **extra,
    }
    return zip_of({
        "manifest.json": json.dumps(manifest),
        "pages/index.html": "<html><body><script src='../app.js'></script></body></html>",
        "app.js": "sa.chooseImage().then(function (f) { sa.invoke('bankGraphql', {operation: 'FileTicket'}); });",
        "operations.graphql": FILE_TICKET,
    })


async def _chosen(client, token: str, app_id: str) -> str:
    data = base64.b64encode(sideways_photo_with_gps(1200, 900)).decode()
    chosen = await call(client, token, app_id, "chooseImage", {"data": data})
    assert chosen.status_code == 200, chosen.text
    result = chosen.json()["result"]
    assert (result["width"], result["height"]) == (900, 1200)  # turned as the phone was held
    return result["fileId"]


async def test_a_page_files_a_ticket_with_an_image_chosen_in_the_container(gql, client, sign_in, runtime, world):
    listed, _ = await leased_unit(runtime, world)
    app = await first_party_app(gql, sign_in)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, parks_like_package(app.app_id), "1.0.0")
    staff = await sign_in("13900001022")
    file_id = await _chosen(client, staff.access_token, app.app_id)

    filed = await call(client, staff.access_token, app.app_id, "bankGraphql",
                       {"operation": "FileTicket", "variables": {"unitId": str(listed.id), "photos": [{"fileId": file_id}]}})
    ticket = filed.json()["result"]["data"]["fileRepairTicket"]
    assert ticket["__typename"] == "RepairTicket", filed.text
    [photo] = ticket["photos"]
    assert photo["width"] < photo["height"]  # upright
    assert {r["name"] for r in photo["renditions"]} == {"1x", "2x", "3x", "thumb"}
    served = await client.get(photo["renditions"][0]["url"])
    assert served.status_code == 200 and b"Exif" not in served.content[:4096]


async def test_only_the_customer_s_own_image_for_this_app_goes_in(gql, client, sign_in, runtime, world):
    listed, _ = await leased_unit(runtime, world)
    app = await first_party_app(gql, sign_in)
    other_app = await first_party_app(gql, sign_in, "13900000202")
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    await release(gql, client, app, reviewer, parks_like_package(app.app_id), "1.0.0")
    await release(gql, client, other_app, reviewer, parks_like_package(other_app.app_id), "1.0.0")
    staff = await sign_in("13900001022")
    stranger = await sign_in("13900001031")
    someone_elses = await _chosen(client, stranger.access_token, app.app_id)
    from_another_app = await _chosen(client, staff.access_token, other_app.app_id)

    for value in ([{"fileId": someone_elses}], [{"fileId": from_another_app}], [{"fileId": "img999999999"}],
                  ["img1"], [{"fileId": "img1", "data": "AAAA"}], {"fileId": "img1"}, [{"fileId": 7}],
                  [{"fileId": someone_elses}] * 10):
        refused = await call(client, staff.access_token, app.app_id, "bankGraphql",
                             {"operation": "FileTicket", "variables": {"unitId": str(listed.id), "photos": value}})
        assert refused.status_code == 400, (value, refused.text)
        assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == ("INVALID_INPUT", "variables.photos")
    # Nothing was filed by any of them.
    assert await runtime.parks.tickets_of(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id) == []


async def test_bank_media_is_for_the_bank_s_own_apps_and_names_paths(gql, client, sign_in):
    partner = await developer_app(gql, sign_in, "13900000203")
    manifest = {
        "appId": partner.app_id, "version": "1.0.0", "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": [], "scopes": [], "domains": {}, "minClientVersion": "5.0.0", "bankMedia": ["/parks/photos/"],
    }
    archive = zip_of({"manifest.json": json.dumps(manifest), "pages/index.html": "<html></html>"})
    assert problems(await upload(client, partner, archive)) == [("FIRST_PARTY_ONLY", "manifest.bankMedia")]

    own = await first_party_app(gql, sign_in)
    for bad in (["parks/photos/"], ["/parks/photos"], ["https://evil.example.com/"], ["/"], ["/a/b/c/d/e/"], "/x/"):
        response = await upload(client, own, parks_like_package(own.app_id, bankMedia=bad))
        assert ("MANIFEST_FIELD_INVALID", "manifest.bankMedia") in problems(response), (bad, response.text)
    assert (await upload(client, own, parks_like_package(own.app_id, bankMedia=["/parks/photos/"]))).status_code == 201
