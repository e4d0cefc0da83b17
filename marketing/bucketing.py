"""Sticky assignment to a campaign's variants and holdout, and the sample-ratio check.

A customer's bucket is a hash of (campaign, customer): the same answer on every worker and
every visit, without storing anything (GrowthBook's and Unleash's stickiness). The holdout
is taken from one hash, the variant from another, so changing the holdout size does not
reshuffle who sees which variant.
"""

from __future__ import annotations

import hashlib
import math

HOLDOUT = "HOLDOUT"
BUCKETS = 10_000


def _bucket(salt: str, campaign_id: int, user_id: int) -> int:
    digest = hashlib.blake2b(f"{salt}\x00{campaign_id}\x00{user_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def assign(*, campaign_id: int, user_id: int, variants: list[dict], holdout_percent: int) -> str:
    """The variant key the customer sees, or HOLDOUT (they see nothing, as the control)."""
    if _bucket("holdout", campaign_id, user_id) < holdout_percent * (BUCKETS // 100):
        return HOLDOUT
    point = _bucket("variant", campaign_id, user_id)
    edge = 0
    for variant in variants:
        edge += variant["weight"] * (BUCKETS // 100)
        if point < edge:
            return variant["key"]
    return variants[-1]["key"]


def expected_shares(variants: list[dict], holdout_percent: int) -> dict[str, float]:
    shares = {v["key"]: (100 - holdout_percent) * v["weight"] / 10_000 for v in variants if v["weight"]}
    if holdout_percent:
        shares[HOLDOUT] = holdout_percent / 100
    return shares


def sample_ratio_p_value(observed: dict[str, int], expected: dict[str, float]) -> float | None:
    """Pearson's chi-square test of the assignment counts against the configured split; a
    small p-value (< 0.001 by convention) means the assignment or its logging is broken."""
    total = sum(observed.get(k, 0) for k in expected)
    if total == 0 or len(expected) < 2:
        return None
    chi2 = sum((observed.get(k, 0) - total * share) ** 2 / (total * share) for k, share in expected.items())
    return _chi2_survival(chi2, len(expected) - 1)


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test (is conversion x1/n1 unlike x2/n2?)."""
    if n1 == 0 or n2 == 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    z = abs(x1 / n1 - x2 / n2) / spread
    return math.erfc(z / math.sqrt(2))


def _chi2_survival(x: float, dof: int) -> float:
    """P(X >= x) for chi-square with ``dof`` degrees of freedom: the regularized upper
    incomplete gamma Q(dof/2, x/2), by series below a+1 and continued fraction above."""
    a, z = dof / 2, x / 2
    if z <= 0:
        return 1.0
    lg = math.lgamma(a)
    if z < a + 1:
        term = total = 1 / a
        n = a
        for _ in range(500):
            n += 1
            term *= z / n
            total += term
            if abs(term) < abs(total) * 1e-12:
                break
        return max(0.0, 1 - total * math.exp(-z + a * math.log(z) - lg))
    b, c, d = z + 1 - a, 1 / 1e-300, 1 / (z + 1 - a)
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-12:
            break
    return min(1.0, math.exp(-z + a * math.log(z) - lg) * h)
