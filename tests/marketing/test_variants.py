"""A/B variants: sticky hash assignment, a holdout, and the sample-ratio check in the report."""

from __future__ import annotations

from collections import Counter

from marketing.bucketing import HOLDOUT, assign, sample_ratio_p_value
from marketing.service import Variant
from tests.marketing.campaigns import banner, live

SPLIT = [{"key": "A", "weight": 50}, {"key": "B", "weight": 50}]


def test_assignment_is_sticky_and_follows_the_split():
    first = [assign(campaign_id=3, user_id=u, variants=SPLIT, holdout_percent=10) for u in range(20_000)]
    again = [assign(campaign_id=3, user_id=u, variants=SPLIT, holdout_percent=10) for u in range(20_000)]
    assert first == again
    counts = Counter(first)
    assert 1_700 < counts[HOLDOUT] < 2_300 and 8_500 < counts["A"] < 9_500 and 8_500 < counts["B"] < 9_500
    # Growing the holdout takes customers out of variants but moves nobody from A to B.
    wider = [assign(campaign_id=3, user_id=u, variants=SPLIT, holdout_percent=20) for u in range(20_000)]
    assert all(w in (HOLDOUT, f) for f, w in zip(first, wider, strict=True) if f != HOLDOUT)


def test_the_sample_ratio_check_flags_a_broken_split():
    shares = {"A": 0.45, "B": 0.45, HOLDOUT: 0.10}
    assert sample_ratio_p_value({"A": 4_520, "B": 4_480, HOLDOUT: 1_000}, shares) > 0.1
    assert sample_ratio_p_value({"A": 5_000, "B": 4_000, HOLDOUT: 1_000}, shares) < 0.001
    assert sample_ratio_p_value({}, shares) is None


async def test_the_report_counts_assignments_per_variant_from_what_customers_were_shown(runtime):
    campaign = await live(runtime.marketing, banner(variants=[Variant("A", 50, "标题甲"), Variant("B", 50, "标题乙")],
                                                    holdout_percent=10))
    titles = Counter()
    for user_id in range(1, 301):
        for shown in await runtime.marketing.shown_to(user_id=user_id):
            titles[shown.title] += 1
        await runtime.marketing.shown_to(user_id=user_id)  # a second visit is not a second assignment
    report = await runtime.marketing.report(campaign_id=campaign.id)

    by_key = {v.variant: v for v in report.variants}
    assert sum(v.assigned for v in report.variants) == 300
    assert titles == {"标题甲": by_key["A"].assigned, "标题乙": by_key["B"].assigned}
    assert by_key[HOLDOUT].assigned > 0  # the holdout sees nothing but is counted
    assert report.sample_ratio_p_value is not None and report.sample_ratio_p_value > 0.001
