"""Login for partners: one-time codes traded by the partner's server for openid and unionid."""

from __future__ import annotations

import asyncio

import pytest

from openplatform import errors
from tests.openplatform.support import register_partner_app


async def test_a_code_becomes_a_stable_openid_and_unionid(runtime, partner, customer):
    op = runtime.openplatform
    code = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    assert code.expires_in == 300

    first = await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)
    again = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    second = await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=again.code)

    assert (first.openid, first.unionid) == (second.openid, second.unionid)
    assert first.session_key != second.session_key


async def test_openid_is_per_app_and_unionid_per_organisation(runtime, gql, sign_in, partner, customer):
    sibling = await register_partner_app(gql, sign_in, developer=partner.developer_session, org_id=partner.org_id)
    stranger = await register_partner_app(gql, sign_in)
    op = runtime.openplatform
    sessions = []
    for app in (partner, sibling, stranger):
        code = await op.issue_login_code(app_id=app.app_id, user_id=customer.user_id)
        sessions.append(await op.exchange_login_code(app_id=app.app_id, app_secret=app.secret, code=code.code))
    mine, sibling_session, stranger_session = sessions

    assert len({s.openid for s in sessions}) == 3
    assert mine.unionid == sibling_session.unionid
    assert stranger_session.unionid != mine.unionid


async def test_two_users_get_different_openids(runtime, sign_in, partner, customer):
    other = await sign_in("13900000002")
    op = runtime.openplatform
    openids = set()
    for user in (customer, other):
        code = await op.issue_login_code(app_id=partner.app_id, user_id=user.user_id)
        openids.add((await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)).openid)
    assert len(openids) == 2


async def test_a_code_is_single_use(runtime, partner, customer):
    op = runtime.openplatform
    code = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)

    with pytest.raises(errors.LoginCodeUsed):
        await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)


async def test_a_code_raced_twice_is_exchanged_once(runtime, partner, customer):
    op = runtime.openplatform
    code = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    results = await asyncio.gather(
        *(op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code) for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, errors.LoginCodeInvalid) for r in results if isinstance(r, Exception))


async def test_wrong_secret_is_refused_and_leaves_the_code_usable(runtime, partner, customer):
    op = runtime.openplatform
    code = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)

    with pytest.raises(errors.BadAppCredentials):
        await op.exchange_login_code(app_id=partner.app_id, app_secret="sk_wrong", code=code.code)

    session = await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)
    assert session.openid.startswith("o")


async def test_a_code_of_another_app_or_unknown_is_refused(runtime, gql, sign_in, partner, customer):
    other = await register_partner_app(gql, sign_in)
    op = runtime.openplatform
    code = await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)

    with pytest.raises(errors.LoginCodeInvalid) as refused:
        await op.exchange_login_code(app_id=other.app_id, app_secret=other.secret, code=code.code)
    assert refused.value.code == "CODE_INVALID"
    with pytest.raises(errors.LoginCodeInvalid):
        await op.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code="made-up-code")


async def test_no_code_for_an_unknown_app(runtime, customer):
    with pytest.raises(errors.UnknownApp):
        await runtime.openplatform.issue_login_code(app_id="mp0000000000000000", user_id=customer.user_id)


async def test_an_expired_code_is_refused(environ, sign_in_with):
    environ["OPENAPI_LOGIN_CODE_SECONDS"] = "1"
    gql, runtime = await sign_in_with()
    partner = await register_partner_app(gql, sign_in_with.sign_in)
    customer = await sign_in_with.sign_in("13900000001")
    code = await runtime.openplatform.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    assert code.expires_in == 1

    await asyncio.sleep(1.2)

    with pytest.raises(errors.LoginCodeInvalid) as refused:
        await runtime.openplatform.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)
    assert refused.value.code == "CODE_INVALID"


async def test_codes_per_user_per_minute_are_limited(environ, sign_in_with):
    environ["OPENAPI_LOGIN_CODES_PER_USER_PER_MINUTE"] = "3"
    gql, runtime = await sign_in_with()
    partner = await register_partner_app(gql, sign_in_with.sign_in)
    customer = await sign_in_with.sign_in("13900000001")
    other = await sign_in_with.sign_in("13900000002")
    op = runtime.openplatform
    for _ in range(3):
        await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)

    with pytest.raises(errors.LoginRateLimited) as limited:
        await op.issue_login_code(app_id=partner.app_id, user_id=customer.user_id)
    assert 1 <= limited.value.retry_after <= 60

    assert (await op.issue_login_code(app_id=partner.app_id, user_id=other.user_id)).code
