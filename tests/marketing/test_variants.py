"""A/B variants: sticky hash assignment, a holdout, and the sample-ratio check in the report."""

from __future__ import annotations

from collections import Counter

import pytest

from identity.roles import Role
from marketing import posterior
from marketing.bucketing import HOLDOUT, assign, sample_ratio_p_value, two_proportion_p_value
from marketing.service import Variant
from tests.marketing.campaigns import banner, coupons, live

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


# Reference values from SciPy 1.17 (scipy.stats.beta, chi2, norm; integrate.quad of pdf_B * cdf_A
# for the chance to beat), which the project does not depend on: the implementation is math alone.
@pytest.mark.parametrize(("x", "a", "b", "expected"), [
    (0.3, 2, 5, 0.579825), (0.02, 11, 491, 0.4194835902938432), (0.13, 131, 871, 0.4815134782165293),
    (0.5, 100, 100, 0.5), (0.999, 3, 0.5, 0.9407468104840536),
])
def test_the_beta_cdf_matches_known_values(x, a, b, expected):
    assert posterior.beta_cdf(x, a, b) == pytest.approx(expected, abs=1e-12)


def test_the_credible_interval_is_the_posteriors_central_95_percent():
    # 10 of 100: Beta(11, 91)
    assert posterior.credible_interval(10, 100) == pytest.approx((0.05563722383530297, 0.17455282607711903), abs=1e-9)
    assert posterior.credible_interval(100, 1000) == pytest.approx((0.0829364, 0.12016913), abs=1e-7)
    low, high = posterior.credible_interval(0, 0)  # nothing seen: the uniform prior's
    assert (low, high) == pytest.approx((0.025, 0.975), abs=1e-9)


@pytest.mark.parametrize(("variant", "control", "expected"), [
    ((120, 1000), (100, 1000), 0.9231834389735597), ((10, 100), (10, 100), 0.5),
    ((250, 1000), (200, 1000), 0.9962833291304399), ((30, 200), (50, 220), 0.022337670216394063),
    ((3, 10), (7, 10), 0.04305446875106316),
    ((25_000, 100_000), (24_500, 100_000), 0.9952106054839539),  # past 20,000 terms: the normal approximation
])
def test_the_chance_to_beat_the_control_matches_known_values(variant, control, expected):
    assert posterior.chance_to_beat(*variant, *control) == pytest.approx(expected, abs=1e-6)


def test_the_frequentist_tests_match_known_values():
    # R: prop.test(c(200, 250), c(1000, 1000), correct = FALSE)$p.value
    assert two_proportion_p_value(200, 1000, 250, 1000) == pytest.approx(0.007419649261025687, rel=1e-9)
    # chi-square critical values at 5%, and a far tail: df 1, 2, 3
    assert sample_ratio_p_value({"A": 0, "B": 0}, {"A": 0.5, "B": 0.5}) is None
    assert sample_ratio_p_value({"A": 1_000, "B": 1_000}, {"A": 0.5, "B": 0.5}) == pytest.approx(1.0)
    from marketing.bucketing import _chi2_survival
    assert _chi2_survival(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-9)
    assert _chi2_survival(5.991464547107979, 2) == pytest.approx(0.05, abs=1e-9)
    assert _chi2_survival(20, 3) == pytest.approx(0.00016974243555282632, rel=1e-6)


REPORT = """query($id: ID!) { campaignReport(campaignId: $id) { __typename
  ... on CampaignReport { sampleRatioPValue variants { variant assigned claimed conversion pValueVsControl
    chanceToBeatControl credibleInterval { low high } } } } }"""


async def test_operators_read_each_variants_uncertainty_in_graphql(gql, sign_in, runtime):
    campaign = await live(runtime.marketing, coupons(1_000, variants=[Variant("A", 50), Variant("B", 50)]))
    claimed: Counter = Counter()
    for user_id in range(1, 201):
        [shown] = await runtime.marketing.shown_to(user_id=user_id)
        if user_id % (2 if shown.variant == "B" else 4) == 0:  # B converts about twice as often
            await runtime.marketing.claim_coupon(user_id=user_id, campaign_id=campaign.id)
            claimed[shown.variant] += 1
    operator = await sign_in("13900000888", Role.OPERATOR)
    customer = await sign_in("13900000001")

    report = (await gql(REPORT, {"id": str(campaign.id)}, token=operator.access_token))["data"]["campaignReport"]

    a, b = report["variants"]
    assert (a["variant"], b["variant"], a["claimed"], b["claimed"]) == ("A", "B", claimed["A"], claimed["B"])
    assert a["chanceToBeatControl"] is None and a["pValueVsControl"] is None  # A is the control
    assert b["chanceToBeatControl"] == pytest.approx(
        posterior.chance_to_beat(claimed["B"], b["assigned"], claimed["A"], a["assigned"]))
    assert b["chanceToBeatControl"] > 0.95
    for row in (a, b):
        low, high = posterior.credible_interval(row["claimed"], row["assigned"])
        assert row["credibleInterval"] == pytest.approx({"low": low, "high": high})
        assert low < row["conversion"] < high
    assert report["sampleRatioPValue"] > 0.001
    refused = await gql(REPORT, {"id": str(campaign.id)}, token=customer.access_token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
