"""Sessions: short-lived access tokens, rotating refresh tokens bound to the device."""

import asyncio

import pytest

REFRESH = """
mutation Refresh($token: String!, $device: String!) {
  refreshSession(refreshToken: $token, deviceId: $device) {
    __typename
    ... on AuthSession { accessToken refreshToken }
    ... on Error { message }
  }
}
"""
ME = "{ me { id } }"


async def refresh(gql, token, device):
    return (await gql(REFRESH, {"token": token, "device": device}))["data"]["refreshSession"]


async def test_refresh_rotates_the_token(gql, sign_in):
    session = await sign_in()
    renewed = await refresh(gql, session.refresh_token, session.device_id)
    assert renewed["__typename"] == "AuthSession"
    assert renewed["refreshToken"] != session.refresh_token
    assert (await gql(ME, token=renewed["accessToken"]))["data"]["me"]["id"] == str(session.user_id)


async def test_reusing_an_old_refresh_token_revokes_the_whole_family(gql, sign_in):
    # given a session refreshed once
    session = await sign_in()
    renewed = await refresh(gql, session.refresh_token, session.device_id)
    # when someone presents the old refresh token again (it was stolen and replayed)
    replay = await refresh(gql, session.refresh_token, session.device_id)
    # then it is refused and every token of that session stops working
    assert replay["__typename"] == "RefreshTokenReused"
    assert (await refresh(gql, renewed["refreshToken"], session.device_id))["__typename"] == "RefreshRejected"
    denied = await gql(ME, token=renewed["accessToken"])
    assert denied["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_concurrent_refreshes_with_one_token_leave_at_most_one_winner(gql, sign_in):
    session = await sign_in()
    results = await asyncio.gather(*(refresh(gql, session.refresh_token, session.device_id) for _ in range(5)))
    kinds = sorted(r["__typename"] for r in results)
    assert kinds.count("AuthSession") <= 1
    assert set(kinds) <= {"AuthSession", "RefreshTokenReused", "RefreshRejected"}


async def test_refresh_token_is_bound_to_its_device(gql, sign_in):
    session = await sign_in()
    stolen = await refresh(gql, session.refresh_token, "another-device-9999")
    assert stolen["__typename"] == "RefreshRejected"


async def test_unknown_refresh_token_is_refused(gql):
    assert (await refresh(gql, "rt_nonsense", "some-device-0001"))["__typename"] == "RefreshRejected"


async def test_logout_ends_the_session_at_once(gql, sign_in):
    session = await sign_in()
    assert (await gql("mutation { logout { ok } }", token=session.access_token))["data"]["logout"]["ok"]
    assert (await gql(ME, token=session.access_token))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await refresh(gql, session.refresh_token, session.device_id))["__typename"] == "RefreshRejected"


async def test_logout_on_one_device_keeps_the_other_signed_in(gql, sign_in):
    phone = await sign_in("13911110000")
    tablet = await sign_in("13911110000")
    await gql("mutation { logout { ok } }", token=phone.access_token)
    assert (await gql(ME, token=tablet.access_token))["data"]["me"]["id"] == str(tablet.user_id)


async def test_expired_access_token_is_refused(gql, sign_in, runtime):
    import time

    import jwt

    session = await sign_in()
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == runtime.settings.access_token_seconds
    # a token whose lifetime has passed, signed with the server's own key
    expired = runtime.identity._tokens.issue(user_id=session.user_id, session_id=claims["sid"], roles=["customer"])
    expired_claims = dict(jwt.decode(expired, options={"verify_signature": False}), exp=int(time.time()) - 1)
    forged = jwt.encode(expired_claims, runtime.identity._tokens._key, algorithm="HS256")
    assert (await gql(ME, token=forged))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_token_signed_with_another_key_is_refused(gql, sign_in):
    import jwt

    session = await sign_in()
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    claims["roles"] = ["admin"]
    forged = jwt.encode(claims, "not-the-server-key-but-long-enough-32b", algorithm="HS256")
    assert (await gql(ME, token=forged))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


SESSIONS = "{ me { sessions { id deviceName current } } }"
SIGN_OUT = """mutation($id: ID!) { signOutDevice(sessionId: $id) {
  __typename ... on DeviceSignedOut { sessionId } ... on SessionNotFound { sessionId message }
  ... on InvalidInput { field message } } }"""


async def _session_ids(gql, session) -> dict[bool, str]:
    rows = (await gql(SESSIONS, token=session.access_token))["data"]["me"]["sessions"]
    return {row["current"]: row["id"] for row in rows}


async def test_a_customer_signs_out_a_lost_phone_from_their_tablet(gql, sign_in):
    # given a customer signed in on a phone (now lost) and on a tablet
    phone = await sign_in("13911112222")
    tablet = await sign_in("13911112222")
    lost = (await _session_ids(gql, tablet))[False]
    # when they sign the phone out from the tablet
    answer = (await gql(SIGN_OUT, {"id": lost}, token=tablet.access_token))["data"]["signOutDevice"]
    # then the phone's tokens stop working at once and it leaves the device list
    assert answer == {"__typename": "DeviceSignedOut", "sessionId": lost}
    assert (await gql(ME, token=phone.access_token))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await refresh(gql, phone.refresh_token, phone.device_id))["__typename"] == "RefreshRejected"
    assert list((await _session_ids(gql, tablet)).keys()) == [True]
    # and signing it out again finds nothing to sign out
    again = (await gql(SIGN_OUT, {"id": lost}, token=tablet.access_token))["data"]["signOutDevice"]
    assert again["__typename"] == "SessionNotFound"


async def test_another_customers_device_cannot_be_signed_out(gql, sign_in):
    # given two customers
    victim = await sign_in("13911113333")
    victim_session = (await _session_ids(gql, victim))[True]
    stranger = await sign_in("13911114444")
    # when one names the other's session
    answer = (await gql(SIGN_OUT, {"id": victim_session}, token=stranger.access_token))["data"]["signOutDevice"]
    # then it is not found (as an unknown one would be), and the victim stays signed in
    assert answer == {"__typename": "SessionNotFound", "sessionId": victim_session,
                      "message": "你登录的设备中没有这一台"}
    assert (await gql(ME, token=victim.access_token))["data"]["me"]["id"] == str(victim.user_id)


async def test_an_unknown_session_id_is_not_found(gql, sign_in):
    session = await sign_in()
    unknown = "0b7f6a2e-9c1d-4e5f-8a3b-2c4d6e8f0a1b"
    answer = (await gql(SIGN_OUT, {"id": unknown}, token=session.access_token))["data"]["signOutDevice"]
    assert answer["__typename"] == "SessionNotFound"
    assert (await gql(ME, token=session.access_token))["data"]["me"]["id"] == str(session.user_id)


@pytest.mark.parametrize("bad_id", ["", "abc", "1" * 40, "9" * 100_000, "' OR 1=1 --"])
async def test_a_malformed_session_id_names_the_field(gql, sign_in, bad_id):
    session = await sign_in()
    answer = (await gql(SIGN_OUT, {"id": bad_id}, token=session.access_token))["data"]["signOutDevice"]
    assert answer == {"__typename": "InvalidInput", "field": "sessionId", "message": "sessionId 不是设备会话标识"}


async def test_signing_out_a_device_needs_a_signed_in_caller(gql):
    answer = await gql(SIGN_OUT, {"id": "0b7f6a2e-9c1d-4e5f-8a3b-2c4d6e8f0a1b"})
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_in_use_is_refused_on_the_very_next_request_after_its_device_is_signed_out(gql, sign_in):
    # given a phone whose token has just been accepted (its check is remembered by the server)
    phone = await sign_in("13911113333")
    tablet = await sign_in("13911113333")
    assert (await gql(ME, token=phone.access_token))["data"]["me"]["id"] == str(phone.user_id)
    lost = (await _session_ids(gql, tablet))[False]
    # when the tablet signs the phone out
    answer = (await gql(SIGN_OUT, {"id": lost}, token=tablet.access_token))["data"]["signOutDevice"]
    assert answer["__typename"] == "DeviceSignedOut"
    # then the phone's very next request is refused, and the tablet's still served
    assert (await gql(ME, token=phone.access_token))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await gql(ME, token=tablet.access_token))["data"]["me"]["id"] == str(tablet.user_id)


async def test_a_remembered_token_check_ends_when_the_token_expires():
    import time

    from identity.tokens import AccessTokens

    tokens = AccessTokens("a-secret-for-this-test-only", ttl_seconds=1)
    token = tokens.issue(user_id=7, session_id="s-1", roles=["customer"])
    accepted = tokens.verify(token)
    assert accepted is not None and tokens.verify(token) == accepted
    while time.time() < accepted.expires_at:
        await asyncio.sleep(0.05)
    assert tokens.verify(token) is None
    assert tokens.verify(token) is None  # forgotten, and checked afresh: still expired
