"""Items aimed at a marketing segment: only its members see them, in the feed and in detail;
an unknown segment is refused at authoring; a refreshed segment changes the next feed page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from content.service import ContentKind
from identity.roles import Role
from tests.content.support import REVIEWER_ID, draft, published
from tests.tracking.support import drain, event, send

CREATE = """mutation($input: ContentDraftInput!) { createContent(input: $input) {
  __typename ... on AuthoredContent { audienceSegmentId item { id } }
  ... on ContentRefused { code field message } ... on InvalidInput { field } } }"""
REVISE = """mutation($id: ID!, $input: ContentDraftInput!) { reviseContent(id: $id, input: $input) {
  __typename ... on AuthoredContent { audienceSegmentId } ... on ContentRefused { code field } } }"""
FEED = """query($after: String) { feed(first: 2, after: $after) { ... on FeedPage { endCursor items { id } } } }"""
DETAIL = """query($id: ID!) { contentItem(id: $id) { id } }"""
WEALTH_VISITORS = {"event": "$page", "page": "/wealth", "atLeast": 1, "withinDays": 7}


def article(**extra) -> dict:
    return {"kind": "ARTICLE", "title": "高净值客户专享", "topics": ["wealth"], "bodyHtml": "<p>hi</p>", **extra}


async def _visit_wealth(client, runtime, session):
    page = event("$page", page="/wealth", anonymous_id=f"d-{session.user_id}", user_id=str(session.user_id))
    assert (await send(client, [page], token=session.access_token)).status_code == 200
    await drain(runtime)


async def _aimed(gql, runtime, maker, segment_id) -> int:
    created = await gql(CREATE, {"input": article(audienceSegmentId=str(segment_id))}, token=maker.access_token)
    authored = created["data"]["createContent"]
    assert authored["audienceSegmentId"] == str(segment_id), created
    item = int(authored["item"]["id"])
    await runtime.content.review(item_id=item, move="submit", by=maker.user_id)
    await runtime.content.review(item_id=item, move="approve", by=REVIEWER_ID)
    await runtime.content.schedule(item_id=item, by=maker.user_id, publish_from=datetime.now(UTC) - timedelta(seconds=1),
                                   publish_until=None)
    return item


async def _ids(gql, session, after=None) -> tuple[set[int], str | None]:
    page = (await gql(FEED, {"after": after}, token=session.access_token))["data"]["feed"]
    return {int(i["id"]) for i in page["items"]}, page["endCursor"]


async def test_members_see_the_item_and_others_do_not_until_a_refresh_lets_them_in(gql, client, sign_in, runtime):
    maker = await sign_in("13900007001", Role.OPERATOR)
    member, other = await sign_in("13900007002"), await sign_in("13900007003")
    await _visit_wealth(client, runtime, member)
    segment = await runtime.marketing.create_segment(by_user_id=1, name="看过理财页", rule=WEALTH_VISITORS)
    assert segment.member_count == 1
    everyone = [await published(runtime, maker.user_id, draft(kind, topics=("saving",)))
                for kind in (ContentKind.SHORT_VIDEO, ContentKind.LIVE_STREAM) * 3]
    aimed = await _aimed(gql, runtime, maker, segment.id)  # the freshest: first for those who may see it

    assert aimed in (await _ids(gql, member))[0]
    shown, cursor = await _ids(gql, other)
    assert len(shown) == 2 and shown < set(everyone)
    assert (await gql(DETAIL, {"id": str(aimed)}, token=other.access_token))["data"]["contentItem"] is None
    assert (await gql(DETAIL, {"id": str(aimed)}, token=member.access_token))["data"]["contentItem"] is not None

    # the other customer now visits the page too; once the segment is refreshed, their next page has the item
    await _visit_wealth(client, runtime, other)
    shown, cursor = await _ids(gql, other, cursor)  # not yet: the segment's members are as last computed
    assert len(shown) == 2 and shown < set(everyone)
    assert (await runtime.marketing.refresh_segment(segment_id=segment.id)).member_count == 2
    shown, _ = await _ids(gql, other, cursor)
    assert aimed in shown
    assert (await gql(DETAIL, {"id": str(aimed)}, token=other.access_token))["data"]["contentItem"] == {
        "id": str(aimed)}


async def test_an_unknown_or_malformed_segment_is_refused_at_authoring(gql, sign_in, runtime):
    maker = await sign_in("13900007011", Role.OPERATOR)
    unknown = await gql(CREATE, {"input": article(audienceSegmentId="424242")}, token=maker.access_token)
    refused = unknown["data"]["createContent"]
    assert (refused["code"], refused["field"]) == ("UNKNOWN_SEGMENT", "audienceSegmentId")
    assert refused["message"] == "没有这个客群，请选择营销中已有的客群"
    malformed = await gql(CREATE, {"input": article(audienceSegmentId="vip")}, token=maker.access_token)
    assert malformed["data"]["createContent"] == {"__typename": "InvalidInput", "field": "audienceSegmentId"}

    # a draft for everyone can be aimed at a segment, and back, while it is a draft
    segment = await runtime.marketing.create_segment(by_user_id=1, name="看过理财页", rule=WEALTH_VISITORS)
    item = (await gql(CREATE, {"input": article()}, token=maker.access_token))["data"]["createContent"]["item"]["id"]
    aimed = await gql(REVISE, {"id": item, "input": article(audienceSegmentId=str(segment.id))},
                      token=maker.access_token)
    assert aimed["data"]["reviseContent"]["audienceSegmentId"] == str(segment.id)
    wrong = await gql(REVISE, {"id": item, "input": article(audienceSegmentId="424242")}, token=maker.access_token)
    assert wrong["data"]["reviseContent"]["code"] == "UNKNOWN_SEGMENT"
