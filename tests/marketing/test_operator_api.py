"""Operators run campaigns over GraphQL: maker-checker with two operators, wrong role and wrong
owner refused, bad input answered with typed refusals; customers claim coupons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from identity.roles import Role

RESULT = """__typename ... on Campaign { id state createdBy approvedBy issued stock }
  ... on MarketingRefusal { code field message }"""
CREATE = "mutation($input: CampaignInput!) { createCampaign(input: $input) { %s } }" % RESULT
STEP = "mutation($id: ID!) { %s(campaignId: $id) { " + RESULT + " } }"
SEGMENT = """mutation($name: String!, $rule: String!) { createSegment(name: $name, rule: $rule) {
  __typename ... on Segment { id memberCount rule } ... on MarketingRefusal { code field message } } }"""
PREVIEW = """mutation($rule: String!) { previewSegment(rule: $rule) {
  __typename ... on SegmentPreview { matching } ... on MarketingRefusal { code field } } }"""
CLAIM = """mutation($id: ID!) { claimCoupon(campaignId: $id) {
  __typename ... on Coupon { amount campaignId } ... on MarketingRefusal { code message } } }"""
REPORT = """query($id: ID!) { campaignReport(campaignId: $id) { __typename
  ... on CampaignReport { sampleRatioPValue variants { variant assigned claimed } } } }"""


def campaign_input(**overrides) -> dict:
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    values = {"name": "春季理财节", "startsAt": start.isoformat(), "endsAt": (start + timedelta(days=3)).isoformat(),
              "placements": [{"kind": "HOME_BANNER", "title": "加息券", "link": "/promo/spring"}],
              "stock": 2, "couponAmount": 500, "couponValidDays": 30, "budget": 1000}
    values.update(overrides)
    return values


async def step(gql, name: str, campaign_id: str, token: str) -> dict:
    return (await gql(STEP % name, {"id": campaign_id}, token=token))["data"][name]


async def test_two_operators_take_a_campaign_live_and_customers_claim_its_coupons(gql, sign_in):
    maker = await sign_in("13900000003", Role.OPERATOR)
    checker = await sign_in("13900000004", Role.OPERATOR)
    alice = await sign_in("13900000001")
    bob = await sign_in("13900000002")
    carol = await sign_in("13900000006")

    made = (await gql(CREATE, {"input": campaign_input()}, token=maker.access_token))["data"]["createCampaign"]
    assert (made["state"], made["createdBy"]) == ("DRAFT", str(maker.user_id))
    # The checker may not submit the maker's draft; the maker may not approve it.
    assert (await step(gql, "submitCampaign", made["id"], checker.access_token))["code"] == "NOT_OWNER"
    assert (await step(gql, "submitCampaign", made["id"], maker.access_token))["state"] == "SUBMITTED"
    own = await step(gql, "approveCampaign", made["id"], maker.access_token)
    assert (own["__typename"], own["code"]) == ("MarketingRefusal", "SAME_MAKER_AND_CHECKER")
    approved = await step(gql, "approveCampaign", made["id"], checker.access_token)
    assert (approved["state"], approved["approvedBy"]) == ("APPROVED", str(checker.user_id))
    assert (await step(gql, "scheduleCampaign", made["id"], checker.access_token))["state"] == "LIVE"

    claims = [(await gql(CLAIM, {"id": made["id"]}, token=c.access_token))["data"]["claimCoupon"]
              for c in (alice, alice, bob, carol)]
    assert [c["__typename"] if c["__typename"] == "Coupon" else c["code"] for c in claims] == [
        "Coupon", "ALREADY_CLAIMED", "Coupon", "OUT_OF_STOCK"]
    assert claims[1]["message"] == "您已领取过本活动的优惠券"
    report = (await gql(REPORT, {"id": made["id"]}, token=checker.access_token))["data"]["campaignReport"]
    assert sum(v["claimed"] for v in report["variants"]) == 2


async def test_customers_may_not_run_campaigns_nor_operators_claim_as_customers(gql, sign_in):
    customer = await sign_in("13900000001")
    refused = await gql(CREATE, {"input": campaign_input()}, token=customer.access_token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(PREVIEW, {"rule": '{"attr": "city", "in": ["上海市"]}'},
                      token=customer.access_token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(CREATE, {"input": campaign_input()}))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    developer = await sign_in("13900000002", Role.DEVELOPER)
    assert (await gql(REPORT, {"id": "1"}, token=developer.access_token))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_bad_input_over_graphql_is_a_typed_refusal(gql, sign_in):
    operator = await sign_in("13900000003", Role.OPERATOR)
    cases = [
        ({"cron": "99 * * * *", "occurrenceMinutes": 30}, "INVALID_CRON", "cron"),
        ({"endsAt": "2020-01-02T00:00:00+00:00", "startsAt": "2020-01-01T00:00:00+00:00"}, "WINDOW_IN_PAST", "endsAt"),
        ({"stock": -5}, "NEGATIVE_STOCK", "stock"),
        ({"variants": [{"key": "A", "weight": 70}, {"key": "B", "weight": 20}]}, "VARIANT_SPLIT", "variants"),
    ]
    for overrides, code, field in cases:
        answer = (await gql(CREATE, {"input": campaign_input(**overrides)}, token=operator.access_token))
        assert answer["data"]["createCampaign"]["code"] == code, answer
        assert answer["data"]["createCampaign"]["field"] == field
    unknown = (await gql(SEGMENT, {"name": "x", "rule": '{"attr": "salary", "in": ["HIGH"]}'},
                         token=operator.access_token))["data"]["createSegment"]
    assert (unknown["code"], unknown["field"]) == ("UNKNOWN_RULE_FIELD", "rule.attr")
    assert "salary" in unknown["message"]
    preview = (await gql(PREVIEW, {"rule": '{"attr": "city", "in": ["上海市"]}'}, token=operator.access_token))
    assert preview["data"]["previewSegment"] == {"__typename": "SegmentPreview", "matching": 0}
    malformed = await gql(STEP % "submitCampaign", {"id": "not-an-id"}, token=operator.access_token)
    assert malformed["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "campaignId"}
