"""Segments: a rule over KYC, ledger and tracking facts; a preview; precomputed members; a real-time check."""

from __future__ import annotations

import pytest

from marketing.models import SegmentMember
from marketing.service import ErrorCode, MarketingError
from tests.marketing.support import customer
from tests.tracking.support import drain, event, send

YOUNG_SHANGHAI = {"all": [{"attr": "city", "in": ["上海市"]}, {"attr": "ageBand", "in": ["25_34"]},
                          {"attr": "accountClass", "in": ["CLASS_TWO"]}]}


async def test_a_rule_over_profile_attributes_previews_and_keeps_its_members(runtime):
    young = await customer(runtime, age=30)
    await customer(runtime, age=50)  # too old
    await customer(runtime, age=28, address="广东省广州市天河区体育西路1号")  # another city
    await customer(runtime, age=31, class_two=False)  # no Class II account
    await customer(runtime, age=None)  # never opened an account: no age, no city
    employee = await customer(runtime, age=45, employee=True)

    assert await runtime.marketing.preview_segment(rule=YOUNG_SHANGHAI) == 1
    segment = await runtime.marketing.create_segment(by_user_id=1, name="上海 25-34", rule=YOUNG_SHANGHAI)
    assert segment.member_count == 1
    assert set(await SegmentMember.filter(segment_id=segment.id).values_list("user_id", flat=True)) == {young}

    staff = await runtime.marketing.create_segment(
        by_user_id=1, name="企业员工", rule={"attr": "enterpriseEmployee", "is": True})
    assert set(await SegmentMember.filter(segment_id=staff.id).values_list("user_id", flat=True)) == {employee}
    others = await runtime.marketing.preview_segment(rule={"not": {"attr": "enterpriseEmployee", "is": True}})
    assert others == 5


async def test_behaviour_counts_events_in_a_window(runtime, client, sign_in):
    keen, once = await sign_in("13900000001"), await sign_in("13900000002")
    for session, visits in ((keen, 2), (once, 1)):
        mine = {"anonymous_id": f"d-{session.user_id}", "user_id": str(session.user_id)}
        events = [event("$page", page="/payroll", **mine) for _ in range(visits)]
        events.append(event("$page", page="/home", **mine))
        assert (await send(client, events, token=session.access_token)).status_code == 200
    await drain(runtime)
    rule = {"event": "$page", "page": "/payroll", "atLeast": 2, "withinDays": 7}

    assert await runtime.marketing.preview_segment(rule=rule) == 1
    segment = await runtime.marketing.create_segment(by_user_id=1, name="常看代发", rule=rule)
    assert await runtime.marketing.in_segment_now(segment_id=segment.id, user_id=keen.user_id)
    assert not await runtime.marketing.in_segment_now(segment_id=segment.id, user_id=once.user_id)

    # The second visit arrives after the refresh: the real-time check sees it and the table follows.
    again = event("$page", page="/payroll", anonymous_id="d-once", user_id=str(once.user_id))
    await send(client, [again], token=once.access_token)
    await drain(runtime)
    assert await SegmentMember.filter(segment_id=segment.id, user_id=once.user_id).count() == 0
    assert await runtime.marketing.in_segment_now(segment_id=segment.id, user_id=once.user_id)
    assert await SegmentMember.filter(segment_id=segment.id, user_id=once.user_id).count() == 1


@pytest.mark.parametrize(("rule", "code", "field"), [
    ({"attr": "income", "in": ["HIGH"]}, ErrorCode.UNKNOWN_RULE_FIELD, "rule.attr"),
    ({"all": [{"attr": "city", "in": ["上海市"], "or": 1}]}, ErrorCode.UNKNOWN_RULE_FIELD, "rule.all[0].or"),
    ({"where": {"city": "上海市"}}, ErrorCode.UNKNOWN_RULE_FIELD, "rule.where"),
    ({"attr": "ageBand", "in": ["20_30"]}, ErrorCode.INVALID_RULE, "rule.in[0]"),
    ({"event": "$page", "atLeast": 0, "withinDays": 7}, ErrorCode.INVALID_RULE, "rule.atLeast"),
    ({"event": "$page", "withinDays": 365}, ErrorCode.INVALID_RULE, "rule.withinDays"),
    ({"attr": "enterpriseEmployee", "is": "yes"}, ErrorCode.INVALID_RULE, "rule.is"),
    ({"any": []}, ErrorCode.INVALID_RULE, "rule.any"),
    ("{not json", ErrorCode.INVALID_RULE, "rule"),
    ({"not": {"not": {"not": {"not": {"not": {"not": {"attr": "city", "in": ["x"]}}}}}}}, ErrorCode.INVALID_RULE,
     "rule.not.not.not.not.not.not"),
])
async def test_a_bad_rule_is_a_typed_error_and_saves_nothing(runtime, rule, code, field):
    with pytest.raises(MarketingError) as refused:
        await runtime.marketing.create_segment(by_user_id=1, name="坏规则", rule=rule)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert await runtime.marketing.segments() == []
