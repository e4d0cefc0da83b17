"""Conversions credited last-touch within a window, from tracked exposures and clicks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.marketing.campaigns import banner, live
from tests.tracking.support import drain, event, send


async def test_the_last_click_within_the_window_takes_the_conversion(runtime, client, sign_in):
    began = datetime.now(timezone.utc) - timedelta(hours=2)
    ours = await live(runtime.marketing, banner(name="我们的", starts_at=began, ends_at=began + timedelta(days=1)))
    theirs = await live(runtime.marketing, banner(name="别人的", starts_at=began, ends_at=began + timedelta(days=1)))
    alice, bob, carol, dave = [await sign_in(f"1390000000{i}") for i in range(1, 5)]
    for person in (alice, bob, carol, dave):
        await runtime.marketing.shown_to(user_id=person.user_id)  # assigned to a variant of each campaign
    now = datetime.now(timezone.utc)

    def as_(person, name, minutes_ago, campaign=None):
        properties = {"campaignId": str(campaign.id)} if campaign is not None else {}
        return event(name, user_id=str(person.user_id), anonymous_id=f"d-{person.user_id}", properties=properties,
                     at=now - timedelta(minutes=minutes_ago))

    batches = [
        (alice, [as_(alice, "campaign_exposure", 30, ours), as_(alice, "campaign_click", 29, ours),
                 as_(alice, "class_two_opened", 5)]),
        # Bob clicked ours, then another campaign last: the other one is credited.
        (bob, [as_(bob, "campaign_click", 30, ours), as_(bob, "campaign_click", 20, theirs),
               as_(bob, "class_two_opened", 5)]),
        # Carol only saw ours, no click: the exposure is the last touch.
        (carol, [as_(carol, "campaign_exposure", 10, ours), as_(carol, "class_two_opened", 1)]),
        # Dave converted without any touch.
        (dave, [as_(dave, "class_two_opened", 1)]),
    ]
    scope = await runtime.tracking.scope(user_id=0, sees_everything=True)
    touch = {"type": "object", "properties": {"campaignId": {"type": "string"}}, "required": ["campaignId"]}
    for name, schema in (("campaign_exposure", touch), ("campaign_click", touch), ("class_two_opened", {"type": "object"})):
        await runtime.tracking.register_event(scope=scope, app_id="", name=name, schema=schema)
    for person, events in batches:
        sent = await send(client, events, token=person.access_token)
        assert sent.json()["accepted"] == len(events), sent.json()
    await drain(runtime)

    report = await runtime.marketing.report(campaign_id=ours.id, goal="class_two_opened", within_hours=1)
    assert sum(v.converted for v in report.variants) == 2  # Alice (click) and Carol (exposure)
    other = await runtime.marketing.report(campaign_id=theirs.id, goal="class_two_opened", within_hours=1)
    assert sum(v.converted for v in other.variants) == 1  # Bob
    assert [(v.variant, v.assigned, v.conversion) for v in report.variants] == [("DEFAULT", 4, 0.5)]
