"""The feed: ranked from the profile that vouched-for events build, no repeats, diverse, suitable, stable pages."""

from __future__ import annotations

from collections import Counter

from content.service import ContentKind
from identity.roles import Role
from tests.content.risk import assess
from tests.content.support import consume, draft, published
from tests.tracking.support import drain, event, send

FEED = """query($first: Int!, $after: String) { feed(first: $first, after: $after) { __typename
  ... on FeedPage { endCursor hasNextPage items { id kind topics product { riskLevel } } }
  ... on ContentRefused { code field } ... on InvalidInput { field } } }"""
NOT_INTERESTED = """mutation($id: ID!) { markContentNotInterested(id: $id) { __typename ... on ContentRefused { code } } }"""
FOLLOW = """mutation($t: [String!]!) { followContentTopics(topics: $t) { __typename ... on FollowedTopics { topics } } }"""


async def _page(gql, token, first=10, after=None):
    answer = await gql(FEED, {"first": first, "after": after}, token=token)
    return answer["data"]["feed"]


def _ids(page):
    return [i["id"] for i in page["items"]]


async def _catalogue(runtime, author, per_topic=6):
    ids = {}
    kinds = [ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM]
    for topic in ("saving", "travel", "fund"):
        ids[topic] = [await published(runtime, author, draft(kinds[n % 3], topics=(topic,))) for n in range(per_topic)]
    return ids


async def _click(client, runtime, session, item_id, *, token=True, name="content_click"):
    answer = await send(client, [event(name, anonymous_id="phone-x", user_id=str(session.user_id),
                                       properties={"itemId": str(item_id)})],
                        token=session.access_token if token else None)
    assert answer.status_code == 200, answer.text
    await drain(runtime)
    return await consume(runtime)


async def test_a_vouched_click_changes_the_next_page_and_a_forged_one_does_not(gql, client, sign_in, runtime):
    author = (await sign_in("13900002001", Role.OPERATOR)).user_id
    alice = await sign_in("13900002002")
    await runtime.content.ensure_event_definitions()
    ids = await _catalogue(runtime, author)

    first = await _page(gql, alice.access_token, first=3)
    assert first["__typename"] == "FeedPage" and len(first["items"]) == 3

    # a click naming alice without her token is stored as anonymous: it shapes nothing
    await _click(client, runtime, alice, ids["travel"][0], token=False)
    assert (await runtime.content.item_for(user_id=alice.user_id, item_id=ids["travel"][0])) is not None
    profile = await runtime.content.profile_of(user_id=alice.user_id)
    assert profile == {}

    # with her token, the click moves travel up on the very next page
    assert await _click(client, runtime, alice, ids["travel"][0]) == 1
    profile = await runtime.content.profile_of(user_id=alice.user_id)
    assert profile["topic:travel"] > 0
    second = await _page(gql, alice.access_token, first=3, after=first["endCursor"])
    assert all(i["topics"] == ["travel"] for i in second["items"]), second
    assert ids["travel"][0] not in [int(i) for i in _ids(second)]  # clicked: seen, never shown again
    assert not set(_ids(first)) & set(_ids(second))


async def test_pages_never_repeat_and_keep_two_of_a_kind_in_any_five(gql, sign_in, runtime):
    author = (await sign_in("13900002011", Role.OPERATOR)).user_id
    bob = await sign_in("13900002012")
    for _ in range(12):
        await published(runtime, author, draft(ContentKind.ARTICLE, topics=("saving",)))
    for _ in range(4):
        await published(runtime, author, draft(ContentKind.SHORT_VIDEO, topics=("saving",)))
        await published(runtime, author, draft(ContentKind.LIVE_STREAM, topics=("saving",)))

    seen, kinds, after = [], [], None
    while True:
        page = await _page(gql, bob.access_token, first=4, after=after)
        seen += _ids(page)
        kinds += [i["kind"] for i in page["items"]]
        after = page["endCursor"]
        if not page["hasNextPage"] or not page["items"]:
            break
    assert len(seen) == len(set(seen))
    assert all(max(Counter(kinds[i:i + 5]).values()) <= 2 for i in range(len(kinds)))
    # the same cursor again gives the same page
    first = await _page(gql, bob.access_token, first=4)
    again = await _page(gql, bob.access_token, first=4, after=first["endCursor"])
    assert _ids(again) == _ids(await _page(gql, bob.access_token, first=4, after=first["endCursor"]))


async def test_the_cursor_keeps_its_place_while_new_items_are_published(gql, sign_in, runtime):
    author = (await sign_in("13900002021", Role.OPERATOR)).user_id
    carol = await sign_in("13900002022")
    kinds = [ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM]
    before = [await published(runtime, author, draft(kinds[n % 3])) for n in range(9)]
    first = await _page(gql, carol.access_token, first=3)
    newer = [await published(runtime, author, draft(kinds[n % 3])) for n in range(6)]
    rest = []
    after = first["endCursor"]
    for _ in range(3):
        page = await _page(gql, carol.access_token, first=3, after=after)
        rest += [int(i) for i in _ids(page)]
        after = page["endCursor"]
    assert sorted([int(i) for i in _ids(first)] + rest) == sorted(before)
    assert not set(rest) & set(newer)
    # a new feed sees them
    fresh = await _page(gql, carol.access_token, first=10)
    assert set(newer) & {int(i) for i in _ids(fresh)}


async def test_not_interested_items_never_come_back(gql, sign_in, runtime):
    author = (await sign_in("13900002031", Role.OPERATOR)).user_id
    dave = await sign_in("13900002032")
    kinds = [ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM]
    ids = [await published(runtime, author, draft(kinds[n % 3])) for n in range(6)]
    answer = await gql(NOT_INTERESTED, {"id": str(ids[0])}, token=dave.access_token)
    assert answer["data"]["markContentNotInterested"]["__typename"] == "ContentItem"
    page = await _page(gql, dave.access_token, first=10)
    assert str(ids[0]) not in _ids(page) and len(page["items"]) == 5


async def test_product_cards_only_reach_customers_whose_tolerance_reaches_their_risk(gql, sign_in, runtime):
    author = (await sign_in("13900002041", Role.OPERATOR)).user_id
    unassessed = await sign_in("13900002042")
    bold = await sign_in("13900002043")
    for level in (1, 3, 5):
        await published(runtime, author, draft(ContentKind.PRODUCT_CARD, risk_level=level, topics=("fund",)))
    assert (await assess(gql, bold, 61))["tolerance"] == "C4"

    def levels(page):
        return sorted(i["product"]["riskLevel"] for i in page["items"])

    assert levels(await _page(gql, unassessed.access_token)) == ["R1"]
    assert levels(await _page(gql, bold.access_token)) == ["R1", "R3"]


async def test_cold_start_leads_with_the_onboarding_topics(gql, sign_in, runtime):
    author = (await sign_in("13900002051", Role.OPERATOR)).user_id
    erin = await sign_in("13900002052")
    ids = await _catalogue(runtime, author, per_topic=3)
    chosen = await gql(FOLLOW, {"t": ["Fund"]}, token=erin.access_token)
    assert chosen["data"]["followContentTopics"]["topics"] == ["fund"]
    page = await _page(gql, erin.access_token, first=3)
    assert sorted(int(i) for i in _ids(page)) == sorted(ids["fund"])


async def test_bad_cursors_and_page_sizes_are_refused(gql, sign_in, runtime):
    frank = await sign_in("13900002061")
    grace = await sign_in("13900002062")
    author = (await sign_in("13900002063", Role.OPERATOR)).user_id
    for _ in range(3):
        await published(runtime, author, draft(ContentKind.ARTICLE))
    assert (await _page(gql, frank.access_token, first=0))["field"] == "first"
    assert (await _page(gql, frank.access_token, after="garbage!"))["code"] == "BAD_CURSOR"
    mine = await _page(gql, frank.access_token, first=1)
    # another customer's cursor is not theirs to follow
    assert (await _page(gql, grace.access_token, first=1, after=mine["endCursor"]))["code"] == "BAD_CURSOR"


async def test_an_exposure_means_seen_and_a_dwell_counts_less_than_a_click(gql, client, sign_in, runtime):
    author = (await sign_in("13900002071", Role.OPERATOR)).user_id
    hana = await sign_in("13900002072")
    await runtime.content.ensure_event_definitions()
    ids = await _catalogue(runtime, author, per_topic=2)
    await _click(client, runtime, hana, ids["saving"][0], name="content_exposure")
    # an exposure shapes no interest, but the item is seen: no new feed shows it again
    assert await runtime.content.profile_of(user_id=hana.user_id) == {}
    page = await _page(gql, hana.access_token, first=10)
    assert str(ids["saving"][0]) not in _ids(page) and len(page["items"]) >= 4  # 2 of a kind in 5 may end it

    answer = await send(client, [event("content_dwell", anonymous_id="phone-h", user_id=str(hana.user_id),
                                       properties={"itemId": str(ids["fund"][0]), "dwellMs": 15_000})],
                        token=hana.access_token)
    assert answer.status_code == 200
    await drain(runtime)
    await consume(runtime)
    await _click(client, runtime, hana, ids["travel"][0])
    profile = await runtime.content.profile_of(user_id=hana.user_id)
    assert 0 < profile["topic:fund"] < profile["topic:travel"]


LIKE = """mutation($id: ID!) { likeContent(id: $id) { __typename ... on ContentItem { id likes bodyHtml }
  ... on ContentRefused { code } } }"""
SHARE = """mutation($id: ID!) { shareContent(id: $id) { __typename ... on ContentRefused { code } } }"""


async def test_likes_and_shares_shape_the_profile_and_an_unpublished_item_cannot_be_liked(gql, sign_in, runtime):
    author = (await sign_in("13900002081", Role.OPERATOR)).user_id
    ivy = await sign_in("13900002082")
    liked = await published(runtime, author, draft(ContentKind.ARTICLE, topics=("fund",)))
    shared = await published(runtime, author, draft(ContentKind.SHORT_VIDEO, topics=("travel",)))
    hidden = await published(runtime, author, draft(ContentKind.PRODUCT_CARD, risk_level=5, topics=("fund",)))
    draft_only = (await runtime.content.create_item(author_id=author, draft=draft())).id

    answer = (await gql(LIKE, {"id": str(liked)}, token=ivy.access_token))["data"]["likeContent"]
    assert answer["likes"] == 1 and answer["bodyHtml"].startswith("<p>article")
    assert (await gql(SHARE, {"id": str(shared)}, token=ivy.access_token))["data"]["shareContent"]["__typename"] == \
        "ContentItem"
    profile = await runtime.content.profile_of(user_id=ivy.user_id)
    assert profile["topic:travel"] > profile["topic:fund"] > 0  # a share counts more than a like
    # an item she may not see (a draft; an R5 product without an assessment) cannot be reacted to
    for item in (draft_only, hidden):
        refused = (await gql(LIKE, {"id": str(item)}, token=ivy.access_token))["data"]["likeContent"]
        assert refused == {"__typename": "ContentRefused", "code": "NOT_FOUND"}
