"""navigateToMiniProgram: the bridge names the app the container opens next, by appId, or
for the bank's own apps by the name a bank app gives itself (bankApp), which only the bank's
own packages may declare."""

from __future__ import annotations

import json

from identity.roles import Role
from tests.miniprogram_host.helpers import developer_app, upload, zip_of
from tests.miniprogram_runtime.support import call, error_code, release, released_app
from tests.miniprogram_runtime.test_bank_graphql import first_party_app, problems


def bank_app_package(app_id: str, version: str, *, code: object = "payroll") -> bytes:
    manifest = {
        "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
        "jsapis": ["navigateToMiniProgram"], "scopes": [], "domains": {}, "minClientVersion": "5.0.0",
        "bankApp": code,
    }
    return zip_of({"manifest.json": json.dumps(manifest),
                   "pages/index.html": "<html><body><script src='../app.js'></script></body></html>",
                   "app.js": "sa.navigateToMiniProgram({bankApp: 'payroll'});"})


async def test_a_mini_program_opens_another_by_app_id_or_a_bank_app_by_its_name(gql, client, sign_in):
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    partner = await released_app(gql, client, sign_in, jsapis=["navigateToMiniProgram"], reviewer=reviewer)
    payroll = await first_party_app(gql, sign_in, "13900000201")
    await release(gql, client, payroll, reviewer, bank_app_package(payroll.app_id, "1.0.0"), "1.0.0")
    parks = await first_party_app(gql, sign_in, "13900000202")
    await release(gql, client, parks, reviewer, bank_app_package(parks.app_id, "1.0.0", code="parks"), "1.0.0")
    customer = await sign_in("13900000001")

    by_name = await call(client, customer.access_token, parks.app_id, "navigateToMiniProgram", {"bankApp": "payroll"})
    assert by_name.json()["result"] == {"appId": payroll.app_id, "name": "Branches"}, by_name.text
    by_id = await call(client, customer.access_token, partner.app_id, "navigateToMiniProgram", {"appId": payroll.app_id})
    assert by_id.json()["result"]["appId"] == payroll.app_id

    for app, args, code in (
        (partner, {"bankApp": "payroll"}, "NOT_FIRST_PARTY"),  # bank names are for the bank's own apps
        (parks, {}, "INVALID_INPUT"),
        (parks, {"appId": payroll.app_id, "bankApp": "payroll"}, "INVALID_INPUT"),
        (parks, {"bankApp": "lottery"}, "APP_UNAVAILABLE"),  # no bank app of that name released
        (parks, {"appId": "mp0000000000000000"}, "APP_UNAVAILABLE"),
        (parks, {"appId": parks.app_id}, "APP_UNAVAILABLE"),  # not itself
        (parks, {"bankApp": 7}, "INVALID_INPUT"),
    ):
        refused = await call(client, customer.access_token, app.app_id, "navigateToMiniProgram", args)
        assert error_code(refused) == code, (args, refused.text)


async def test_only_the_bank_s_own_packages_name_themselves(gql, client, sign_in):
    partner = await first_party_app(gql, sign_in, "13900000203")

    stranger = await developer_app(gql, sign_in, "13900000204")
    assert problems(await upload(client, stranger, bank_app_package(stranger.app_id, "1.0.0"))) == [
        ("FIRST_PARTY_ONLY", "manifest.bankApp")]
    for bad in ("Payroll", "p", "pay-roll", 7, "x" * 40):
        response = await upload(client, partner, bank_app_package(partner.app_id, "1.0.0", code=bad))
        assert ("MANIFEST_FIELD_INVALID", "manifest.bankApp") in problems(response), (bad, response.text)
