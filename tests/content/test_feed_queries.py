"""A feed page costs the same few statements whether it shows 3 items or 20, covers and likes included;
items aimed at marketing segments add one lookup of the viewer's segments, whatever their number."""

from __future__ import annotations

from content.service import Action, ContentKind
from identity.roles import Role
from tests.content.support import draft, published
from tests.test_query_counts import count_statements  # noqa: F401 - the fixture

FEED = """query($first: Int!) { feed(first: $first) { ... on FeedPage { endCursor items {
  id kind title topics likes cover { renditions { url } } video { url } product { riskLevel } } } } }"""


async def test_a_feed_page_is_a_fixed_number_of_statements(count_statements, sign_in_with, environ):  # noqa: F811
    environ["CONTENT_CATALOGUE_REFRESH_MS"] = "600000"  # no background reload inside a counted request
    gql, runtime = await sign_in_with()
    author = (await sign_in_with.sign_in("13900005001", Role.OPERATOR)).user_id
    reader = await sign_in_with.sign_in("13900005002")
    kinds = [ContentKind.ARTICLE, ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM]
    for n in range(30):
        await published(runtime, author, draft(kinds[n % 3]))
    await gql(FEED, {"first": 1}, token=reader.access_token)  # the catalogue is loaded once per process

    small = await count_statements(gql(FEED, {"first": 3}, token=reader.access_token))
    large = await count_statements(gql(FEED, {"first": 20}, token=reader.access_token))
    # the viewer (one statement), likes of the page's items (one); no covers here, so no rendition query
    assert len(small) == len(large) <= 3, large
    # A reader with recent positives: their item-to-item neighbours come in the viewer's statement.
    page = (await gql(FEED, {"first": 5}, token=reader.access_token))["data"]["feed"]["items"]
    for item in page[:2]:
        await runtime.content.react(user_id=reader.user_id, item_id=int(item["id"]), action=Action.LIKE)
    assert (await runtime.content.profile_of(user_id=reader.user_id)) and len(
        await count_statements(gql(FEED, {"first": 20}, token=reader.access_token))) == len(large)

    # Items aimed at segments: one more statement (marketing's membership lookup, asked once for every
    # segment the catalogue targets), however many such items or segments there are.
    segments = [await runtime.marketing.create_segment(by_user_id=1, name=f"s{n}", rule={"attr": "city", "in": ["上海市"]})
                for n in range(2)]
    for n in range(4):
        await published(runtime, author, draft(kinds[n % 3], audience_segment_id=segments[n % 2].id))
    await gql(FEED, {"first": 1}, token=reader.access_token)  # the catalogue reloads what changed, once
    small_aimed = await count_statements(gql(FEED, {"first": 3}, token=reader.access_token))
    large_aimed = await count_statements(gql(FEED, {"first": 20}, token=reader.access_token))
    assert len(small_aimed) == len(large_aimed) == len(large) + 1, large_aimed
