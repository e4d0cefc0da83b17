"""The home in one round trip: grid, banners and pop-up, the feed slot, unread count, account
summary; and a fixed number of SQL statements and Redis round trips however much it shows."""

from __future__ import annotations

import contextvars

import pytest
from redis.asyncio.connection import AbstractConnection

from content.service import ContentKind
from identity.roles import Role
from infra.redis_multiplex import _Wire
from ledger.service import AccountKind, open_account
from marketing.service import Placement, PlacementKind
from openplatform.service import tell_customer
from tests.content.support import draft, published
from tests.ledger.support import funded_account
from tests.marketing.campaigns import banner, live
from tests.marketing.support import customer
from tests.miniprogram_host.helpers import developer_app, released
from tests.test_query_counts import CountedConnection, count_statements  # noqa: F401 - the fixture

HOME = """query($v: String!) { home(platform: IOS, clientVersion: $v) { __typename
  ... on Home {
    grid { appId name category iconUrl version channel }
    banners { campaignId variant kind title body imageUrl link }
    popup { campaignId title }
    feed { items { id title } promotions { campaignId title } endCursor hasNextPage
      entries { __typename ... on ContentItem { id kind } ... on HomePlacement { campaignId title } } }
    unreadCount
    accountSummary { classTwoBalance accounts { id kind balance } }
  }
  ... on InvalidInput { field } } }"""

_redis_calls: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("redis_calls", default=None)


@pytest.fixture
def count_round_trips(monkeypatch, count_statements):  # noqa: F811 - the imported fixture
    """``sql, redis = await count_round_trips(gql(...))``: statements, and Redis writes (a pipeline is one)."""
    send = AbstractConnection.send_packed_command

    async def counted(self, command, check_health=True):
        calls = _redis_calls.get()
        if calls is not None:
            calls.append(repr(command)[:80])
        return await send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    wire_send = _Wire.send

    def counted_on_the_wire(self, packed):  # commands on the shared connection (infra.redis_multiplex)
        calls = _redis_calls.get()
        if calls is not None:
            calls.append(repr(packed)[:80])
        return wire_send(self, packed)

    monkeypatch.setattr(_Wire, "send", counted_on_the_wire)

    async def count(request):
        calls: list[str] = []
        token = _redis_calls.set(calls)
        try:
            statements = await count_statements(request)
        finally:
            _redis_calls.reset(token)
        return statements, calls

    return count


# Three kinds: a page keeps at most two of a kind in any five items.
_KINDS = [ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM]
NEXT_PAGE = """query($after: String) { feed(first: 10, after: $after) { ... on FeedPage { items { id } } } }"""


async def test_the_home_shows_what_this_customer_gets(gql, client, sign_in, runtime):
    alice = await sign_in("13900000001")
    author = (await sign_in("13900000777", Role.OPERATOR)).user_id
    articles = [await published(runtime, author, draft(kind)) for kind in _KINDS * 4]
    await funded_account(runtime, alice.user_id, 250_00)
    segment = await runtime.marketing.create_segment(by_user_id=1, name="上海", rule={"attr": "city", "in": ["上海市"]})
    for_all = await live(runtime.marketing, banner(name="人人有份"))
    await live(runtime.marketing, banner(name="只给上海", segment_id=segment.id))  # Alice is not (yet) in it
    popup = await live(runtime.marketing, banner(name="弹窗", placements=[Placement(PlacementKind.POPUP, "新客礼")],
                                                  cap_count=1, cap_hours=24))
    feed = await live(runtime.marketing, banner(name="信息流", placements=[Placement(PlacementKind.FEED_SLOT, "理财推荐")]))
    await tell_customer(user_id=alice.user_id, topic="payment.received", title="到账", body="¥1.00")
    await tell_customer(user_id=alice.user_id, topic="campaign.1", title="活动", body="春季理财节")

    home = (await gql(HOME, {"v": "5.2.0"}, token=alice.access_token))["data"]["home"]

    assert home["grid"] == []  # no mini-program released yet
    assert [(b["campaignId"], b["title"], b["kind"]) for b in home["banners"]] == [
        (str(for_all.id), "理财节加息券", "HOME_BANNER")]
    assert home["popup"] == {"campaignId": str(popup.id), "title": "新客礼"}
    # The feed: content's first page (10 of the 12 items), the campaign's feed slot after the fourth.
    page = home["feed"]
    assert page["promotions"] == [{"campaignId": str(feed.id), "title": "理财推荐"}]
    assert len(page["items"]) == 10 and {int(i["id"]) for i in page["items"]} <= set(articles)
    assert [e["__typename"] for e in page["entries"]] == ["ContentItem"] * 4 + ["HomePlacement"] + ["ContentItem"] * 6
    assert page["entries"][4] == {"__typename": "HomePlacement", "campaignId": str(feed.id), "title": "理财推荐"}
    assert [e["id"] for e in page["entries"] if e["__typename"] == "ContentItem"] == [i["id"] for i in page["items"]]
    # ... and its cursor continues in the feed query: the two items left, none again.
    assert page["hasNextPage"] is True
    rest = (await gql(NEXT_PAGE, {"after": page["endCursor"]}, token=alice.access_token))["data"]["feed"]["items"]
    assert {int(i["id"]) for i in rest} == set(articles) - {int(i["id"]) for i in page["items"]}
    assert home["unreadCount"] == 2
    assert home["accountSummary"]["classTwoBalance"] == 250_00
    # The pop-up is capped at once a day: the next home has none.
    again = (await gql(HOME, {"v": "5.2.0"}, token=alice.access_token))["data"]["home"]
    assert again["popup"] is None and len(again["banners"]) == 1


async def test_the_home_refuses_a_client_version_that_is_not_semver(gql, sign_in):
    alice = await sign_in("13900000001")
    answer = await gql(HOME, {"v": "five"}, token=alice.access_token)
    assert answer["data"]["home"] == {"__typename": "InvalidInput", "field": "clientVersion"}


async def test_the_home_is_customers_only(gql, sign_in):
    assert (await gql(HOME, {"v": "5.2.0"}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_homes_round_trips_do_not_grow_with_what_it_shows(count_round_trips, sign_in_with, environ):
    environ["CONTENT_CATALOGUE_REFRESH_MS"] = "600000"  # no background reload inside a counted request
    gql, runtime = await sign_in_with()
    sign_in = sign_in_with.sign_in
    alice = await sign_in("13900000001")
    await customer(runtime, phone=alice.phone, age=30)
    reviewer = await sign_in("13900000909", Role.REVIEWER)
    author = (await sign_in("13900000777", Role.OPERATOR)).user_id
    segment = await runtime.marketing.create_segment(by_user_id=1, name="上海", rule={"attr": "city", "in": ["上海市"]})

    async def campaigns(n: int) -> None:
        for i in range(n):
            await live(runtime.marketing, banner(name=f"活动{i}", cap_count=50, cap_hours=24,
                                                 segment_id=segment.id if i % 2 else None))

    async def apps(n: int, phone: str) -> None:
        for _ in range(n):
            app = await developer_app(gql, sign_in, phone=phone)
            await released(gql, gql.http, sign_in, app, "1.0.0", reviewer)

    async def content(n: int) -> None:
        for i in range(n):
            await published(runtime, author, draft(_KINDS[i % 3]))
        await runtime.content.catalogue.current()  # loaded once per process (after each change made here)

    async def home() -> tuple[list[str], list[str]]:
        return await count_round_trips(gql(HOME, {"v": "5.2.0"}, token=alice.access_token))

    await campaigns(2)
    await live(runtime.marketing, banner(name="信息流", placements=[Placement(PlacementKind.FEED_SLOT, "理财推荐")]))
    await apps(1, "13900000101")
    await content(1)
    await tell_customer(user_id=alice.user_id, topic="payment.received", title="到账", body="¥1.00")
    await runtime.redis.script_flush()  # as on a fresh Redis, whatever tests ran before on this one
    small_sql, small_redis = await home()

    await campaigns(17)
    await live(runtime.marketing, banner(name="信息流2", placements=[Placement(PlacementKind.FEED_SLOT, "基金推荐")]))
    await apps(5, "13900000102")
    await content(29)
    for n in range(19):
        await open_account(owner_user_id=alice.user_id, kind=AccountKind.CLASS_ONE, name=f"card {n}")
        await tell_customer(user_id=alice.user_id, topic="payment.received", title="到账", body=f"¥{n}.00")
    big_sql, big_redis = await home()
    again_sql, again_redis = await home()
    shown = (await gql(HOME, {"v": "5.2.0"}, token=alice.access_token))["data"]["home"]
    assert (len(shown["grid"]), len(shown["banners"]), shown["unreadCount"]) == (6, 19, 20)
    assert (len(shown["feed"]["items"]), len(shown["feed"]["promotions"]), len(shown["feed"]["entries"])) == (10, 2, 12)

    # SQL: the apps; their versions (no gray release by segment here, so no look-up); the customer's
    # segments among the live campaigns'; the feed's viewer (profile, followed topics, seen items, risk
    # tolerance: one statement); the unread count; the accounts: 6, once every campaign was shown to them.
    # A first showing adds the assignments (one insert that skips rows already there). The live
    # campaigns are read only when the worker has not read them since a campaign changed: once more at
    # the first home (8), and after the 18 new ones, the stale try's segments look-up besides (9).
    assert (len(small_sql), len(big_sql), len(again_sql)) == (8, 9, 6), big_sql
    # Redis: the session check; one script checking the cached campaigns are current, finding the first
    # showings and moving the frequency caps; the new assignments remembered; the feed's cursor session.
    # The first home also reads the campaigns' version and loads the script; after the change, the
    # script answers "stale" once. However many campaigns, apps, items, accounts and messages: 3.
    assert (len(small_redis), len(big_redis), len(again_redis)) == (7, 5, 3), big_redis


def test_feed_slots_go_after_every_fourth_item_and_the_rest_after_the_last():
    from marketing.service import with_feed_slots

    assert with_feed_slots(list(range(1, 10)), ["a", "b", "c"]) == [1, 2, 3, 4, "a", 5, 6, 7, 8, "b", 9, "c"]
    assert with_feed_slots([], ["a"]) == ["a"]  # an empty feed still shows what was counted as shown
    assert with_feed_slots([1, 2], []) == [1, 2]
