"""Each worker keeps the live campaigns it read, and reads them again once any campaign changed
anywhere: the showing script checks the worker's version in the same round trip as the caps, so a
campaign paused, ended or made live on one worker is never shown stale by another."""

from __future__ import annotations

from infra.pii import PiiCipher
from marketing.service import MarketingService, Placement, PlacementKind
from openplatform.service import tell_customer
from tests.marketing.campaigns import CHECKER, banner, live

HOME = frozenset({PlacementKind.HOME_BANNER.value, PlacementKind.POPUP.value})


def other_worker(runtime) -> MarketingService:
    """A second worker's marketing: its own cache, the same database and Redis."""
    mine = runtime.marketing
    return MarketingService(redis=mine.redis, cipher=PiiCipher.from_settings(runtime.settings), ledger=mine.ledger, tell=tell_customer)


async def shown(marketing: MarketingService, user_id: int = 42) -> list[str]:
    return sorted(s.title for s in await marketing.shown_to(user_id=user_id, kinds=HOME))


async def test_a_change_on_one_worker_is_seen_by_the_next_showing_on_another(runtime):
    here, there = runtime.marketing, other_worker(runtime)
    spring = await live(here, banner(name="春季", placements=[Placement(PlacementKind.HOME_BANNER, "春")]))
    assert await shown(here) == await shown(there) == ["春"]

    await live(there, banner(name="夏季", placements=[Placement(PlacementKind.HOME_BANNER, "夏")]))
    assert await shown(here, 43) == ["夏", "春"]  # made live on the other worker

    await there.pause_campaign(by_user_id=CHECKER, campaign_id=spring.id)
    assert await shown(here, 44) == ["夏"]
    await here.resume_campaign(by_user_id=CHECKER, campaign_id=spring.id)
    assert await shown(there, 45) == ["夏", "春"]
    await here.end_campaign(by_user_id=CHECKER, campaign_id=spring.id)
    assert await shown(there, 46) == await shown(here, 46) == ["夏"]


async def test_the_live_list_is_read_once_until_a_campaign_changes(runtime):
    marketing = runtime.marketing
    await live(marketing, banner(name="春季", placements=[Placement(PlacementKind.HOME_BANNER, "春")]))
    assert await shown(marketing, 100) == ["春"]  # the change above made this worker's list stale: read again
    rows, version = marketing.live.rows, marketing.live.version
    for user_id in range(101, 110):
        assert await shown(marketing, user_id) == ["春"]
    assert marketing.live.rows is rows and marketing.live.version == version  # not read again

    await live(marketing, banner(name="夏季", placements=[Placement(PlacementKind.HOME_BANNER, "夏")]))
    assert await shown(marketing, 110) == ["夏", "春"]
    assert marketing.live.rows is not rows and marketing.live.version != version


async def test_frequency_caps_hold_when_showings_race(runtime):
    """The cap is checked and moved in one script: 20 showings at once of a 3-a-day cap show it 3 times."""
    import asyncio

    marketing = runtime.marketing
    await live(marketing, banner(name="弹窗", placements=[Placement(PlacementKind.POPUP, "新客礼")], cap_count=3,
                                 cap_hours=24))
    answers = await asyncio.gather(*(shown(other_worker(runtime), 7) for _ in range(20)))
    assert sum(len(a) for a in answers) == 3
