"""The operators' analytics and marketing screens at /console in Chromium: an operator registers
a tracking event (a bad name refused beside its field), reads PV/UV per local hour in
Asia/Shanghai and then UTC (the hour buckets move), click-through, a funnel and a retention
table from events ingested for the test; builds a segment (a bad rule refused beside it) and
sees its preview count before saving it; approves and schedules another operator's campaign
on the month calendar. A developer and a customer see none of it. axe-core clean, no console
error, screenshots in the tmp dir."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from identity.roles import Role
from tests.e2e.test_consoles_chromium import open_console
from tests.e2e.test_container_chromium import chromium  # noqa: F401 - the browser fixture
from tests.e2e.test_h5_chromium import accessibility_problems
from tests.marketing.support import customer
from tests.tracking.support import drain, event, send, utc

pytestmark = pytest.mark.slow

SHANGHAI = ZoneInfo("Asia/Shanghai")
BANNER = {"placement": "banner-1"}
CREATE = """mutation($input: CampaignInput!) { createCampaign(input: $input) {
  __typename ... on Campaign { id } ... on MarketingRefusal { code message } } }"""
SUBMIT = "mutation($id: ID!) { submitCampaign(campaignId: $id) { __typename ... on Campaign { state } } }"
CAMPAIGNS = "{ marketingCampaigns { id } }"


def table(page, chart: str):
    return page.locator(f"#{chart} .chart-data tbody tr")


async def rows(page, chart: str) -> list[list[str]]:
    found = []
    for one in await table(page, chart).all():
        found.append([(await cell.text_content() or "").strip() for cell in await one.locator("th, td").all()])
    return found


async def events_for_the_charts(client, runtime) -> None:
    """Around midnight in Shanghai on 20/21 November (16:00 UTC): devices a and b view /home,
    see the banner and click it; a pays; c comes after midnight; a returns the next day."""
    await send(client, [
        event("$page", anonymous_id="a", at=utc(2026, 11, 20, 15, 30)),
        event("$page", anonymous_id="a", at=utc(2026, 11, 20, 15, 45)),
        event("$page", anonymous_id="b", at=utc(2026, 11, 20, 15, 40)),
        event("$exposure", anonymous_id="a", properties=BANNER, at=utc(2026, 11, 20, 15, 35)),
        event("$exposure", anonymous_id="b", properties=BANNER, at=utc(2026, 11, 20, 15, 36)),
        event("$click", anonymous_id="a", properties=BANNER, at=utc(2026, 11, 20, 15, 50)),
        event("$click", anonymous_id="b", properties=BANNER, at=utc(2026, 11, 20, 15, 55)),
        event("order_paid", anonymous_id="a", at=utc(2026, 11, 20, 15, 58)),
        event("$page", anonymous_id="c", at=utc(2026, 11, 20, 16, 10)),
        event("$exposure", anonymous_id="c", properties=BANNER, at=utc(2026, 11, 20, 16, 12)),
        event("$page", anonymous_id="a", at=utc(2026, 11, 21, 4, 0)),  # noon on the 21st in Shanghai
    ])
    await drain(runtime)


async def test_an_operator_reads_the_charts_builds_a_segment_and_schedules_a_campaign(
    gql, client, runtime, sign_in, server_url, tmp_path, chromium  # noqa: F811
):
    problems: list[str] = []
    operator = await sign_in("13900000301", Role.OPERATOR)
    maker = await sign_in("13900000302", Role.OPERATOR)
    developer = await sign_in("13900000303", Role.DEVELOPER)
    shopper = await sign_in("13900000304")

    context, page = await open_console(chromium, server_url, operator.access_token, problems)
    await expect(page.locator("#insight-title")).to_have_text("运营：数据分析与营销")
    assert await page.locator("#developer-title").count() == 0 and await page.locator("#review-title").count() == 0

    # Tracking definitions: a name the registry refuses is shown beside the name; then order_paid.
    await page.locator("#insight-definitions").click()
    await page.locator("#definition-name").fill("bad name!")
    await page.locator("#register-event").click()
    await expect(page.locator("#definition-name-error")).to_be_visible()
    await page.locator("#definition-schema").fill("{not json")
    await page.locator("#definition-name").fill("order_paid")
    await page.locator("#register-event").click()
    await expect(page.locator("#definition-schema-error")).to_have_text("JSON Schema 不是合法的 JSON")
    await page.locator("#definition-schema").fill('{"type": "object", "properties": {"amount": {"type": "integer"}}}')
    await page.locator("#definition-description").fill("订单支付成功")
    await page.locator("#register-event").click()
    await expect(page.locator("#definitions-status")).to_have_text("已登记事件 order_paid")
    await expect(page.locator("#definitions tr[data-event='order_paid']")).to_contain_text("订单支付成功")
    await page.screenshot(path=tmp_path / "insight-definitions-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    await events_for_the_charts(client, runtime)

    # Charts in Asia/Shanghai (the default zone) for 20-21 November.
    await page.locator("#insight-charts").click()
    await page.locator("#insight-from").fill("2026-11-20")
    await page.locator("#insight-to").fill("2026-11-21")
    await page.locator("#insight-refresh").click()
    await expect(table(page, "pv-chart")).to_have_count(3)
    assert await rows(page, "pv-chart") == [["11-20 23:00", "3", "2"], ["11-21 00:00", "1", "1"], ["11-21 12:00", "1", "1"]]
    assert await rows(page, "ct-chart") == [["11-20 23:00", "2", "2", "100"], ["11-21 00:00", "1", "0", "0"]]
    assert await rows(page, "funnel-chart") == [["$page", "3", "100"], ["$click", "2", "66.7"], ["order_paid", "1", "33.3"]]
    await expect(page.locator("#retention tbody tr")).to_have_count(2)
    assert await page.locator("#retention tr[data-day='2026-11-20'] td").all_text_contents() == ["2", "1（50%）", "0（0%）"]
    assert await page.locator("#retention tr[data-day='2026-11-21'] td").all_text_contents() == ["1", "0（0%）", "0（0%）"]
    assert await rows(page, "cv-chart") == [  # visitors of /home that hour, and those who paid within 24 h
        ["11-20 23:00", "2", "1", "50"], ["11-21 00:00", "1", "0", "0"], ["11-21 12:00", "1", "0", "0"]]
    await page.screenshot(path=tmp_path / "insight-charts-shanghai-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    # The same days in UTC: the hours move back eight hours.
    await page.locator("#insight-zone").select_option("UTC")
    await expect(page.locator("#charts-zone")).to_have_text("按 UTC 的本地小时统计")
    await expect(table(page, "pv-chart").first).to_contain_text("11-20 15:00")
    assert await rows(page, "pv-chart") == [["11-20 15:00", "3", "2"], ["11-20 16:00", "1", "1"], ["11-21 04:00", "1", "1"]]
    assert await page.locator("#retention tr[data-day='2026-11-20'] td").first.text_content() == "3"
    await page.screenshot(path=tmp_path / "insight-charts-utc-zh-CN.png", full_page=True)
    await page.locator("#insight-zone").select_option("Asia/Shanghai")

    # The segment builder: two Shanghai customers aged 30 match both rules; each rule alone three.
    for age, address in ((30, None), (30, None), (50, None), (30, "北京市朝阳区建国路1号")):
        await customer(runtime, age=age, **({"address": address} if address else {}))
    await page.locator("#insight-segments").click()
    await page.locator("#rule-0-25_34").check()
    await page.locator("#add-rule").click()
    await page.locator("#rule-kind-1").select_option("city")
    await page.locator("#rule-city-1").fill("上海市")
    await page.locator("#add-rule").click()
    await page.locator("#rule-kind-2").select_option("event")
    await page.locator("#rule-event-2").fill("$page")
    await page.locator("#rule-days-2").fill("120")
    await page.locator("#preview-segment").click()
    await expect(page.locator("li[data-rule='2'] .rule-error")).to_be_visible()
    await expect(page.locator("li[data-rule='0'] .rule-count")).to_have_text("此规则单独命中 3 人")
    await expect(page.locator("li[data-rule='1'] .rule-count")).to_have_text("此规则单独命中 3 人")
    assert await page.locator("#save-segment").is_disabled()
    await page.screenshot(path=tmp_path / "insight-segment-refused-zh-CN.png", full_page=True)
    await page.locator("li[data-rule='2'] .remove-rule").click()
    await page.locator("#preview-segment").click()
    await expect(page.locator("#segment-preview")).to_have_text("当前符合条件的客户：2 人")
    await page.locator("#segment-name").fill("上海 25–34 岁")
    await page.locator("#save-segment").click()
    await expect(page.locator("#segment-status")).to_have_text("已保存人群 上海 25–34 岁（2 人）")
    await expect(page.locator("#segments")).to_contain_text('"ageBand"')
    await page.screenshot(path=tmp_path / "insight-segment-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []

    # Another operator's campaign, submitted: approved and scheduled from the calendar.
    starts = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)
    made = (await gql(CREATE, {"input": {
        "name": "双十二加息券", "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(days=2)).isoformat(),
        "placements": [{"kind": "HOME_BANNER", "title": "加息券", "link": "/promo/rates"}],
    }}, token=maker.access_token))["data"]["createCampaign"]
    assert (await gql(SUBMIT, {"id": made["id"]}, token=maker.access_token))["data"]["submitCampaign"]["state"] == "SUBMITTED"
    local = starts.astimezone(SHANGHAI)
    await page.locator("#insight-calendar").click()
    await page.locator("#calendar-month").fill(local.strftime("%Y-%m"))
    cell = page.locator(f"#calendar td[data-day='{local.date().isoformat()}']")
    await cell.locator(f"[data-campaign='{made['id']}']").click()
    await expect(page.locator("#campaign-state")).to_have_text("状态：待复核")
    await page.locator("#campaign-approve").click()
    await expect(page.locator("#calendar-status")).to_have_text("已通过")
    await page.locator("#campaign-schedule").click()
    await expect(page.locator("#campaign-state")).to_have_text("状态：已排期")
    await expect(cell.locator(f"[data-campaign='{made['id']}']")).to_have_text("双十二加息券（已排期）")
    await page.screenshot(path=tmp_path / "insight-calendar-zh-CN.png", full_page=True)
    assert await accessibility_problems(page) == []
    await page.locator("#language").click()
    await expect(page.locator("#insight-title")).to_have_text("Operations: analytics and marketing")
    await expect(page.locator("#campaign-state")).to_have_text("State: Scheduled")
    await context.close()

    # The maker may not approve their own campaign: the calendar shows the server's refusal.
    again = (await gql(CREATE, {"input": {
        "name": "自己复核", "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(days=1)).isoformat(),
        "placements": [{"kind": "HOME_BANNER", "title": "加息券"}],
    }}, token=maker.access_token))["data"]["createCampaign"]
    await gql(SUBMIT, {"id": again["id"]}, token=maker.access_token)
    context, mpage = await open_console(chromium, server_url, maker.access_token, problems)
    await mpage.locator("#insight-calendar").click()
    await mpage.locator("#calendar-month").fill(local.strftime("%Y-%m"))
    await mpage.locator(f"#calendar td[data-day='{local.date().isoformat()}'] [data-campaign='{again['id']}']").click()
    await mpage.locator("#campaign-approve").click()
    await expect(mpage.locator("#calendar-status")).not_to_be_empty()
    await expect(mpage.locator("#campaign-state")).to_have_text("状态：待复核")
    await context.close()

    # A developer and a customer: none of it on screen, and the server refuses them the fields.
    for person in (developer, shopper):
        context, other = await open_console(chromium, server_url, person.access_token, problems)
        await expect(other.locator("h1")).to_have_text("控制台")
        await expect(other.locator("#developer-title, #no-console")).to_have_count(1)
        assert await other.locator("#insight-title").count() == 0
        assert await accessibility_problems(other) == []
        await context.close()
        refused = await gql(CAMPAIGNS, token=person.access_token)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert problems == []
