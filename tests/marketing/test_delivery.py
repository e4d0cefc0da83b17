"""Inbox and push placements reach the live campaign's segment once, through the inbox's one
bank-to-customer function and the push gateway."""

from __future__ import annotations

from marketing.models import PushOutbox
from marketing.service import Placement, PlacementKind
from tests.marketing.campaigns import banner, live
from tests.marketing.support import customer

INBOX = "{ inbox { topic title body kind } inboxUnreadCount }"


async def test_a_live_campaign_messages_its_segment_once(gql, sign_in, runtime):
    alice, bob = await sign_in("13900000001"), await sign_in("13900000002")
    await customer(runtime, phone=alice.phone, age=30)
    await customer(runtime, phone=bob.phone, age=30, address="广东省广州市天河区体育西路1号")
    segment = await runtime.marketing.create_segment(by_user_id=1, name="上海", rule={"attr": "city", "in": ["上海市"]})
    campaign = await live(runtime.marketing, banner(segment_id=segment.id, placements=[
        Placement(PlacementKind.INBOX, "理财节开始啦", "加息券已放入您的卡包"),
        Placement(PlacementKind.PUSH, "理财节开始啦", "点击领取", link="/promo/spring"),
    ]))

    assert await runtime.marketing.advance() == 0  # nothing left to move; the messages go out
    assert await runtime.marketing.advance() == 0 and await runtime.marketing.deliver_messages() == 0  # once

    alices = (await gql(INBOX, token=alice.access_token))["data"]
    assert alices == {"inbox": [{"topic": f"campaign.{campaign.id}", "title": "理财节开始啦",
                                 "body": "加息券已放入您的卡包", "kind": "CAMPAIGN"}], "inboxUnreadCount": 1}
    assert (await gql(INBOX, token=bob.access_token))["data"] == {"inbox": [], "inboxUnreadCount": 0}
    pushed = await PushOutbox.all().values_list("user_id", "title", "link")
    assert pushed == [(alice.user_id, "理财节开始啦", "/promo/spring")]
