"""An event keeps the user it names only when someone vouched for that user.

The app vouches with the user's own access token; a mini-program's server vouches for its
own users by signing the batch (the open platform's signed requests) and naming openids.
Anything else is stored as anonymous, and the table says how each event was vouched for.
"""

from __future__ import annotations

import orjson
import pytest

from tests.openplatform.partner_client import PartnerServer, error_code
from tests.openplatform.support import register_partner_app
from tests.tracking.support import batch_body, drain, event, send
from tracking.models import IdentityLink, TrackedEvent

PARTNER_BATCH = "/openapi/v1/track/batch"


@pytest.fixture
async def victim(sign_in):
    return await sign_in("13900000011")


async def stored(event_id: str) -> tuple[str | None, str]:
    row = await TrackedEvent.get(event_id=event_id)
    return row.user_id, row.vouched_by


async def test_a_user_id_without_a_token_is_not_stored_as_that_user(client, runtime, victim):
    # given a forger who names a customer in events, without any token
    forged = event("$page", anonymous_id="forger-device", user_id=str(victim.user_id))
    only_user = event("$page", anonymous_id="", user_id=str(victim.user_id))
    link = event(kind="identify", anonymous_id="forger-device", user_id=str(victim.user_id))
    bad_token = event("$page", anonymous_id="forger-device", user_id=str(victim.user_id))

    answer = await send(client, [forged, only_user, link])
    with_garbage_token = await send(client, [bad_token], token="not-a-token")

    # then the event is kept as the device's, and what would be nothing but the claim is refused
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert answer.json()["anonymized"] == [forged["eventId"]]
    assert [(r["index"], r["code"], r["field"]) for r in answer.json()["rejected"]] == [
        (1, "USER_NOT_VOUCHED", "userId"), (2, "USER_NOT_VOUCHED", "userId"),
    ]
    assert with_garbage_token.json()["anonymized"] == [bad_token["eventId"]]
    await drain(runtime)
    assert await stored(forged["eventId"]) == (None, "anonymous")
    assert await stored(bad_token["eventId"]) == (None, "anonymous")
    assert await IdentityLink.filter(user_id=str(victim.user_id)).count() == 0


async def test_with_the_users_own_token_the_events_are_theirs(client, runtime, victim):
    page = event("$page", anonymous_id="phone-1", user_id=str(victim.user_id))
    as_number = event("$page", anonymous_id="phone-1", user_id=victim.user_id)
    link = event(kind="identify", anonymous_id="phone-1", user_id=str(victim.user_id))
    no_user = event("$page", anonymous_id="phone-1")

    answer = await send(client, [page, as_number, link, no_user], token=victim.access_token)

    assert answer.json() == {"accepted": 4, "duplicates": [], "rejected": [], "anonymized": []}
    await drain(runtime)
    me = str(victim.user_id)
    assert await stored(page["eventId"]) == (me, "token")
    assert await stored(as_number["eventId"]) == (me, "token")
    assert await stored(no_user["eventId"]) == (None, "anonymous")
    assert (await IdentityLink.get(anonymous_id="phone-1")).user_id == me


async def test_another_users_token_does_not_vouch_for_the_victim(client, runtime, sign_in, victim):
    mallory = await sign_in("13900000066")
    forged = event("$page", anonymous_id="mallory-phone", user_id=str(victim.user_id))
    link = event(kind="identify", anonymous_id="mallory-phone", user_id=str(victim.user_id))
    own = event("$page", anonymous_id="mallory-phone", user_id=str(mallory.user_id))

    answer = await send(client, [forged, link, own], token=mallory.access_token)

    assert answer.json()["anonymized"] == [forged["eventId"]]
    assert [(r["index"], r["code"]) for r in answer.json()["rejected"]] == [(1, "USER_NOT_VOUCHED")]
    await drain(runtime)
    assert await stored(forged["eventId"]) == (None, "anonymous")
    assert await stored(own["eventId"]) == (str(mallory.user_id), "token")
    assert await TrackedEvent.filter(user_id=str(victim.user_id)).count() == 0


# -- a mini-program's server -------------------------------------------------------------


@pytest.fixture
async def mall(client, gql, sign_in):
    server = PartnerServer(client, await register_partner_app(gql, sign_in))
    await server.fetch_token()
    return server


@pytest.fixture
async def game(client, gql, sign_in):
    server = PartnerServer(client, await register_partner_app(gql, sign_in))
    await server.fetch_token()
    return server


async def openid_of(runtime, server: PartnerServer, user_id: int) -> str:
    """The user's openid for that app, as its server learns it (code2Session)."""
    code = await runtime.openplatform.issue_login_code(app_id=server.app.app_id, user_id=user_id)
    session = await server.call("POST", "/openapi/v1/sessions", {"code": code.code})
    assert session.status_code == 200, session.text
    return session.json()["openid"]


async def send_signed(server: PartnerServer, events: list):
    raw = batch_body(events)
    return await server.send("POST", PARTNER_BATCH, raw, server.headers("POST", PARTNER_BATCH, raw))


async def test_a_partner_signed_batch_vouches_for_its_own_apps_user(runtime, mall, victim):
    openid = await openid_of(runtime, mall, victim.user_id)
    order = event("$page", page="/orders", anonymous_id="", openid=openid)
    link = event(kind="identify", anonymous_id="mall-web-1", openid=openid)

    answer = await send_signed(mall, [order, link])

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 2, "duplicates": [], "rejected": [], "anonymized": []}
    await drain(runtime)
    assert await stored(order["eventId"]) == (str(victim.user_id), "partner-signed")
    row = await TrackedEvent.get(event_id=order["eventId"])
    assert row.app_id == mall.app.app_id and row.context["miniProgram"]["appId"] == mall.app.app_id
    assert (await IdentityLink.get(anonymous_id="mall-web-1")).user_id == str(victim.user_id)


async def test_a_partner_cannot_vouch_for_another_apps_user(runtime, mall, game, victim):
    # given the customer's openid in the game app, and their bank user id
    game_openid = await openid_of(runtime, game, victim.user_id)
    theirs = event("$page", anonymous_id="mall-web-2", openid=game_openid)
    by_user_id = event("$page", anonymous_id="mall-web-2", user_id=str(victim.user_id))
    link = event(kind="identify", anonymous_id="mall-web-2", openid=game_openid)
    as_the_game = event("$page", anonymous_id="mall-web-2", app_id=game.app.app_id)

    # when the mall's server signs a batch naming them
    answer = await send_signed(mall, [theirs, by_user_id, link, as_the_game])

    # then nobody vouched for that user: the events are anonymous, the link and the
    # other app's event are refused
    assert answer.status_code == 200, answer.text
    assert answer.json()["anonymized"] == [theirs["eventId"], by_user_id["eventId"]]
    assert [(r["index"], r["code"], r["field"]) for r in answer.json()["rejected"]] == [
        (2, "USER_NOT_VOUCHED", "openid"), (3, "NOT_OWN_EVENT", "context.miniProgram"),
    ]
    await drain(runtime)
    assert await stored(theirs["eventId"]) == (None, "anonymous")
    assert await stored(by_user_id["eventId"]) == (None, "anonymous")
    assert await TrackedEvent.filter(user_id=str(victim.user_id)).count() == 0


async def test_an_openid_in_the_apps_own_batch_means_nothing(client, runtime, mall, victim):
    # the app (not its server) cannot name users by openid: only a signed batch can
    openid = await openid_of(runtime, mall, victim.user_id)
    claimed = event("$page", anonymous_id="device-9", openid=openid, app_id=mall.app.app_id)

    answer = await send(client, [claimed])

    assert answer.json()["accepted"] == 1
    await drain(runtime)
    assert await stored(claimed["eventId"]) == (None, "anonymous")


async def test_a_partner_batch_with_a_bad_signature_is_refused_whole(runtime, mall):
    raw = batch_body([event("$page")])
    headers = mall.headers("POST", PARTNER_BATCH, raw)
    headers["x-signature"] = "0" * 64

    refused = await mall.send("POST", PARTNER_BATCH, raw, headers)

    assert (refused.status_code, error_code(refused)) == (401, "BAD_SIGNATURE")
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 0


async def test_events_queued_before_vouching_existed_are_stored_as_unverified(runtime):
    # given entries an older ingest left in the stream: a page view and an identify naming user 5
    legacy = {"t": "page", "n": "$page", "a": "", "u": "5", "an": "old-device", "s": None, "p": "/home", "r": None,
              "pr": {}, "c": {}, "ca": None, "sa": None, "ra": 1763627400000, "ea": 1763627400000, "ip": None}
    stream = runtime.tracking.config.stream
    await runtime.redis.xadd(stream, {"e": orjson.dumps({**legacy, "id": "legacy-page-1"})})
    await runtime.redis.xadd(stream, {"e": orjson.dumps({**legacy, "id": "legacy-link-1", "t": "identify",
                                                          "n": "$identify"})})

    # when the worker stores them
    assert await drain(runtime) == 2

    # then nothing is lost, the user is marked as a mere claim, and it links no device
    assert await stored("legacy-page-1") == ("5", "unverified")
    assert await IdentityLink.filter(anonymous_id="old-device").count() == 0
