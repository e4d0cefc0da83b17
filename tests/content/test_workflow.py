"""Operators write, reviewers check (never their own), items go live in their window, with reasons."""

from __future__ import annotations

from identity.roles import Role

CREATE = """mutation($input: ContentDraftInput!) { createContent(input: $input) {
  __typename ... on AuthoredContent { state item { id bodyHtml topics } }
  ... on ContentRefused { code field message } ... on InvalidInput { field message } } }"""
SUBMIT = """mutation($id: ID!) { submitContent(id: $id) { __typename ... on AuthoredContent { state }
  ... on ContentRefused { code } } }"""
APPROVE = """mutation($id: ID!) { approveContent(id: $id) { __typename ... on AuthoredContent { state }
  ... on ContentRefused { code } } }"""
REJECT = """mutation($id: ID!, $reason: String!) { rejectContent(id: $id, reason: $reason) { __typename
  ... on AuthoredContent { state } ... on ContentRefused { code } } }"""
SCHEDULE = """mutation($id: ID!, $from: DateTime!, $until: DateTime) {
  scheduleContent(id: $id, publishFrom: $from, publishUntil: $until) { __typename
    ... on AuthoredContent { state publishFrom } ... on ContentRefused { code field } } }"""
WITHDRAW = """mutation($id: ID!, $reason: String!) { withdrawContent(id: $id, reason: $reason) { __typename
  ... on AuthoredContent { state } ... on ContentRefused { code } } }"""
TRAIL = """query($id: ID!) { contentReviewTrail(id: $id) { fromState toState reason actorId } }"""
DETAIL = """query($id: ID!) { contentItem(id: $id) { id title } }"""

ARTICLE = {"kind": "ARTICLE", "title": "理财入门", "topics": ["Saving", "fund"], "tags": ["新手"],
           "bodyHtml": '<p onclick="x()">hi<script>alert(1)</script><a href="javascript:alert(1)">x</a>'
                       '<a href="https://bank.example">ok</a></p>'}


async def test_an_article_goes_from_draft_to_published_with_maker_checker(gql, sign_in, runtime):
    maker = await sign_in("13900001001", Role.OPERATOR)
    checker = await sign_in("13900001002", Role.REVIEWER)
    customer = await sign_in("13900001003")

    created = (await gql(CREATE, {"input": ARTICLE}, token=maker.access_token))["data"]["createContent"]
    assert created["state"] == "DRAFT"
    body = created["item"]["bodyHtml"]
    assert "script" not in body and "onclick" not in body and "javascript:" not in body
    assert 'href="https://bank.example"' in body and "noopener" in body
    assert created["item"]["topics"] == ["saving", "fund"]
    item = created["item"]["id"]

    # the maker cannot approve their own item, even holding the reviewer role as well
    await runtime.identity.ensure_user(phone=maker.phone, roles=[Role.OPERATOR, Role.REVIEWER])
    both = await sign_in("13900001001")
    assert (await gql(SUBMIT, {"id": item}, token=maker.access_token))["data"]["submitContent"]["state"] == "IN_REVIEW"
    own = await gql(APPROVE, {"id": item}, token=both.access_token)
    assert own["data"]["approveContent"] == {"__typename": "ContentRefused", "code": "OWN_ITEM"}

    # a rejection needs a reason and sends it back as a draft
    empty = await gql(REJECT, {"id": item, "reason": " "}, token=checker.access_token)
    assert empty["data"]["rejectContent"]["code"] == "REASON_REQUIRED"
    back = await gql(REJECT, {"id": item, "reason": "标题需写明风险"}, token=checker.access_token)
    assert back["data"]["rejectContent"]["state"] == "DRAFT"
    await gql(SUBMIT, {"id": item}, token=maker.access_token)
    assert (await gql(APPROVE, {"id": item}, token=checker.access_token))["data"]["approveContent"]["state"] == "APPROVED"

    # not visible before its window opens
    scheduled = await gql(SCHEDULE, {"id": item, "from": "2099-01-01T00:00:00+00:00"}, token=maker.access_token)
    assert scheduled["data"]["scheduleContent"]["state"] == "SCHEDULED"
    assert (await gql(DETAIL, {"id": item}, token=customer.access_token))["data"]["contentItem"] is None
    assert await runtime.content.release_due() == 0

    withdrawn = await gql(WITHDRAW, {"id": item, "reason": "活动取消"}, token=checker.access_token)
    assert withdrawn["data"]["withdrawContent"]["state"] == "WITHDRAWN"
    trail = (await gql(TRAIL, {"id": item}, token=checker.access_token))["data"]["contentReviewTrail"]
    assert [(s["fromState"], s["toState"], s["reason"]) for s in trail] == [
        ("DRAFT", "IN_REVIEW", ""), ("IN_REVIEW", "DRAFT", "标题需写明风险"), ("DRAFT", "IN_REVIEW", ""),
        ("IN_REVIEW", "APPROVED", ""), ("APPROVED", "SCHEDULED", ""), ("SCHEDULED", "WITHDRAWN", "活动取消"),
    ]


async def test_an_open_window_publishes_at_once_and_the_customer_reads_it(gql, sign_in, runtime):
    maker = await sign_in("13900001011", Role.OPERATOR)
    checker = await sign_in("13900001012", Role.REVIEWER)
    customer = await sign_in("13900001013")
    item = (await gql(CREATE, {"input": ARTICLE}, token=maker.access_token))["data"]["createContent"]["item"]["id"]
    await gql(SUBMIT, {"id": item}, token=maker.access_token)
    await gql(APPROVE, {"id": item}, token=checker.access_token)
    bad = await gql(SCHEDULE, {"id": item, "from": "2020-01-01T00:00:00+00:00", "until": "2020-01-02T00:00:00+00:00"},
                    token=maker.access_token)
    assert bad["data"]["scheduleContent"] == {"__typename": "ContentRefused", "code": "INVALID_INPUT",
                                              "field": "publishUntil"}
    live = await gql(SCHEDULE, {"id": item, "from": "2020-01-01T00:00:00+00:00"}, token=maker.access_token)
    assert live["data"]["scheduleContent"]["state"] == "PUBLISHED"
    assert (await gql(DETAIL, {"id": item}, token=customer.access_token))["data"]["contentItem"]["title"] == "理财入门"


async def test_wrong_role_and_wrong_owner_are_refused(gql, sign_in):
    maker = await sign_in("13900001021", Role.OPERATOR)
    other = await sign_in("13900001022", Role.OPERATOR)
    customer = await sign_in("13900001023")
    as_customer = await gql(CREATE, {"input": ARTICLE}, token=customer.access_token)
    assert as_customer["data"] is None and as_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    item = (await gql(CREATE, {"input": ARTICLE}, token=maker.access_token))["data"]["createContent"]["item"]["id"]
    # another operator may not send someone else's draft to review
    assert (await gql(SUBMIT, {"id": item}, token=other.access_token))["data"]["submitContent"]["code"] == "NOT_YOURS"
    await gql(SUBMIT, {"id": item}, token=maker.access_token)
    # an operator is not a reviewer
    refused = await gql(APPROVE, {"id": item}, token=other.access_token)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_drafts_of_each_kind_are_checked(gql, sign_in):
    maker = await sign_in("13900001031", Role.OPERATOR)
    cases = [
        ({"kind": "SHORT_VIDEO", "title": "t", "topics": ["a"], "videoUrl": "http://x", "durationSeconds": 5}, "videoUrl"),
        ({"kind": "SHORT_VIDEO", "title": "t", "topics": ["a"], "videoUrl": "https://x/v.mp4", "durationSeconds": 0},
         "durationSeconds"),
        ({"kind": "PRODUCT_CARD", "title": "t", "topics": ["a"], "productCode": "F1", "productKind": "FUND",
          "riskLevel": 6}, "riskLevel"),
        ({"kind": "LIVE_STREAM", "title": "t", "topics": ["a"], "streamUrl": "https://l/1"}, "liveStartsAt"),
        ({"kind": "ARTICLE", "title": "", "topics": ["a"], "bodyHtml": "<p>x</p>"}, "title"),
        ({"kind": "ARTICLE", "title": "t", "topics": [], "bodyHtml": "<p>x</p>"}, "topics"),
    ]
    for fields, field in cases:
        answer = (await gql(CREATE, {"input": fields}, token=maker.access_token))["data"]["createContent"]
        assert (answer["__typename"], answer["field"]) == ("ContentRefused", field), (fields, answer)
        assert answer["code"] == "INVALID_INPUT"


async def test_every_review_step_is_in_the_audit_chain(runtime, sign_in):
    from audit import service as audit_log
    from tests.content.support import REVIEWER_ID, draft, published

    author = (await sign_in("13900001041", Role.OPERATOR)).user_id
    item = await published(runtime, author, draft())
    await runtime.content.review(item_id=item, move="withdraw", by=REVIEWER_ID, reason="到期")
    rows = list(reversed(await audit_log.records(subject=f"content_item:{item}")))
    assert [(r.actor, r.action) for r in rows] == [
        (f"user:{author}", "content.submit"), (f"user:{REVIEWER_ID}", "content.approve"),
        (f"user:{author}", "content.schedule"), (f"user:{author}", "content.publish"),
        (f"user:{REVIEWER_ID}", "content.withdraw")]
    assert (await audit_log.verify()).intact
