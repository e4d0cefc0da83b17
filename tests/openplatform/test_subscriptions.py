"""Subscription consents: one message per consent, sent through the service."""

from __future__ import annotations

import asyncio

import pytest

from openplatform import errors
from openplatform.models import InboxMessage


async def _openid(runtime, partner, user_id: int) -> str:
    code = await runtime.openplatform.issue_login_code(app_id=partner.app_id, user_id=user_id)
    session = await runtime.openplatform.exchange_login_code(app_id=partner.app_id, app_secret=partner.secret, code=code.code)
    return session.openid


async def test_each_consent_lets_one_message_through(runtime, partner, customer):
    op = runtime.openplatform
    openid = await _openid(runtime, partner, customer.user_id)
    await op.subscribe_messages(app_id=partner.app_id, user_id=customer.user_id, topic="order.shipped")
    await op.subscribe_messages(app_id=partner.app_id, user_id=customer.user_id, topic="order.shipped")
    send = dict(app_id=partner.app_id, openid=openid, topic="order.shipped", title="Shipped", body="On its way")

    results = await asyncio.gather(*(op.send_message(**send) for _ in range(4)), return_exceptions=True)

    assert sum(not isinstance(r, Exception) for r in results) == 2
    assert all(isinstance(r, errors.NoSubscription) for r in results if isinstance(r, Exception))
    inbox = await op.inbox(user_id=customer.user_id)
    assert [(m.title, m.app_id) for m in inbox] == [("Shipped", partner.app_id)] * 2


async def test_a_consent_is_for_its_topic_only(runtime, partner, customer):
    op = runtime.openplatform
    openid = await _openid(runtime, partner, customer.user_id)
    await op.subscribe_messages(app_id=partner.app_id, user_id=customer.user_id, topic="order.shipped")

    with pytest.raises(errors.NoSubscription):
        await op.send_message(app_id=partner.app_id, openid=openid, topic="promotion", title="Sale", body="50% off")
    assert await InboxMessage.all().count() == 0


async def test_unknown_openid_and_bad_topic_are_refused(runtime, partner, customer):
    op = runtime.openplatform
    with pytest.raises(errors.UnknownOpenId):
        await op.send_message(app_id=partner.app_id, openid="onobody", topic="t", title="x", body="y")
    with pytest.raises(errors.InvalidArgument):
        await op.subscribe_messages(app_id=partner.app_id, user_id=customer.user_id, topic="has space")
    with pytest.raises(errors.UnknownApp):
        await op.subscribe_messages(app_id="mp0000000000000000", user_id=customer.user_id, topic="t")
