"""A customer signs in with an SMS code; every way it can go wrong has a clear answer."""

import asyncio

import pytest

from tests.support import LOGIN, REQUEST_CODE

PHONE = "13912345678"
DEVICE = {"id": "iphone-install-0001", "name": "Wang's iPhone", "platform": "IOS"}


async def request_code(gql, phone=PHONE):
    return (await gql(REQUEST_CODE, {"phone": phone}))["data"]["requestLoginCode"]


async def login(gql, code, phone=PHONE, device=DEVICE):
    return (await gql(LOGIN, {"phone": phone, "code": code, "device": device}))["data"]["login"]


async def test_code_arrives_by_sms_and_signs_the_customer_in(gql, sign_in):
    # given a customer who asked for a code
    assert (await request_code(gql))["__typename"] == "LoginCodeSent"
    code = await sign_in.latest_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    # when they enter it
    result = await login(gql, code)
    # then they hold a session and are a customer
    assert result["__typename"] == "AuthSession"
    assert result["user"]["roles"] == ["CUSTOMER"]
    me = await gql("{ me { maskedPhone sessions { deviceName current } } }", token=result["accessToken"])
    assert me["data"]["me"] == {
        "maskedPhone": "139****5678",
        "sessions": [{"deviceName": "Wang's iPhone", "current": True}],
    }


@pytest.mark.parametrize("phone", ["12345678901", "1391234567", "139123456789", "abc", "+1 415 555 0100", ""])
async def test_malformed_phone_is_refused_with_the_field_named(gql, phone):
    result = await request_code(gql, phone)
    assert result == {"__typename": "InvalidInput", "message": "这不是中国大陆手机号"}


async def test_phone_with_country_code_and_separators_is_the_same_customer(gql, sign_in):
    first = await sign_in("13912345678")
    again = await sign_in("+86 139-1234-5678")
    assert first.user_id == again.user_id


async def test_code_is_single_use(gql, sign_in):
    await request_code(gql)
    code = await sign_in.latest_code(PHONE)
    assert (await login(gql, code))["__typename"] == "AuthSession"
    assert (await login(gql, code))["__typename"] == "CodeExpired"


async def test_five_wrong_tries_burn_the_code(gql, sign_in):
    await request_code(gql)
    code = await sign_in.latest_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answers = [await login(gql, wrong) for _ in range(5)]
    assert [a["attemptsLeft"] for a in answers] == [4, 3, 2, 1, 0]
    # then even the right code no longer works
    assert (await login(gql, code))["__typename"] == "CodeExpired"


async def test_expired_code_is_refused(gql, sign_in, runtime, environ):
    await request_code(gql)
    code = await sign_in.latest_code(PHONE)
    # when the code's lifetime passes (Redis expires it; we bring its expiry forward)
    index = runtime.identity.phone_index(PHONE)
    await runtime.redis.pexpire(f"login:code:{index}", 1)
    while await runtime.redis.exists(f"login:code:{index}"):
        await asyncio.sleep(0.005)
    assert (await login(gql, code))["__typename"] == "CodeExpired"


RESEND = """mutation($phone: String!) { requestLoginCode(phone: $phone) {
  __typename ... on ResendTooSoon { message retryAfterSeconds } ... on RateLimited { message retryAfterSeconds } } }"""


async def test_a_resend_inside_the_cooldown_says_how_long_to_wait(gql, settings):
    # given a code just sent
    assert (await request_code(gql))["__typename"] == "LoginCodeSent"
    # when the customer asks again at once
    again = (await gql(RESEND, {"phone": PHONE}))["data"]["requestLoginCode"]
    # then they are told to wait, and for how many seconds
    assert again["__typename"] == "ResendTooSoon"
    assert 0 < again["retryAfterSeconds"] <= settings.login_code_resend_seconds
    assert again["message"] == f"验证码刚刚已发送，请 {again['retryAfterSeconds']} 秒后再获取"


async def test_codes_are_rate_limited_per_phone_per_hour(gql, runtime, settings):
    index = runtime.identity.phone_index(PHONE)
    answers = []
    for _ in range(settings.login_codes_per_phone_per_hour + 1):
        await runtime.redis.delete(f"login:resend:{index}")  # the resend pause has passed
        answers.append((await gql(RESEND, {"phone": PHONE}))["data"]["requestLoginCode"])
    assert [a["__typename"] for a in answers[:-1]] == ["LoginCodeSent"] * settings.login_codes_per_phone_per_hour
    assert answers[-1]["__typename"] == "RateLimited"
    assert answers[-1]["message"] == "这个手机号获取验证码的次数太多，请稍后再试"


async def test_codes_are_rate_limited_per_client_address(gql, settings):
    # given one client asking for codes for many phones
    answers = [await request_code(gql, f"1370000{i:04d}") for i in range(settings.login_codes_per_ip_per_hour + 1)]
    kinds = [a["__typename"] for a in answers]
    assert kinds[:-1] == ["LoginCodeSent"] * settings.login_codes_per_ip_per_hour
    assert kinds[-1] == "RateLimited"


async def test_invalid_device_is_refused(gql, sign_in):
    await request_code(gql)
    code = await sign_in.latest_code(PHONE)
    result = await login(gql, code, device={"id": "x", "platform": "IOS"})
    assert result["__typename"] == "InvalidInput"
    assert result["message"] == "设备标识须为 8 到 128 个字母、数字、“-”、“_”或“.”"


async def test_the_code_never_appears_in_the_response(gql, sign_in):
    response = await gql.post({"query": "mutation { requestLoginCode(phone: \"13912345678\") { __typename } }"})
    code = await sign_in.latest_code(PHONE)
    assert code not in response.text
