"""The Bayesian read of a variant's conversion (GrowthBook's): a Beta posterior, its credible
interval, and the chance it beats the control.

With a uniform prior Beta(1, 1), ``x`` conversions of ``n`` customers give the posterior
Beta(1 + x, 1 + n - x). Exact with ``math`` alone (no SciPy): the regularized incomplete beta
by its continued fraction, quantiles by bisection, and P(B > A) by Evan Miller's closed-form
sum for integer parameters, with a normal approximation once the sum would pass 20,000 terms.
"""

from __future__ import annotations

import math

_EXACT_TERMS = 20_000


def _ln_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _continued_fraction(x: float, a: float, b: float) -> float:
    """Lentz's method for the incomplete beta's continued fraction (converges for x < (a+1)/(a+b+2))."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (tiny if abs(d) < tiny else d)
    h = d
    for m in range(1, 10_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (tiny if abs(d) < tiny else d)
            c = 1 + numerator / c
            c = tiny if abs(c) < tiny else c
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """P(X <= x) for X ~ Beta(a, b): the regularized incomplete beta I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - _ln_beta(a, b))
    if x < (a + 1) / (a + b + 2):
        return front * _continued_fraction(x, a, b) / a
    return 1 - front * _continued_fraction(1 - x, b, a) / b


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = p, by bisection to 1e-12."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if beta_cdf(middle, a, b) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def credible_interval(converted: int, assigned: int, mass: float = 0.95) -> tuple[float, float]:
    """The central ``mass`` of the conversion's posterior."""
    a, b = 1 + converted, 1 + assigned - converted
    tail = (1 - mass) / 2
    return beta_quantile(tail, a, b), beta_quantile(1 - tail, a, b)


def _beats(a1: int, b1: int, a2: int, b2: int) -> float:
    """P(X1 > X2) for X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), integer a1 (a1 terms)."""
    base = _ln_beta(a2, b2)
    return sum(math.exp(_ln_beta(a2 + i, b1 + b2) - math.log(b1 + i) - _ln_beta(1 + i, b1) - base)
               for i in range(a1))


def chance_to_beat(converted: int, assigned: int, control_converted: int, control_assigned: int) -> float:
    """P(this variant's conversion > the control's) under both posteriors."""
    a1, b1 = 1 + converted, 1 + assigned - converted
    a2, b2 = 1 + control_converted, 1 + control_assigned - control_converted
    if min(a1, a2) > _EXACT_TERMS:  # both posteriors are near normal by then
        mean1, mean2 = a1 / (a1 + b1), a2 / (a2 + b2)
        var1 = a1 * b1 / ((a1 + b1) ** 2 * (a1 + b1 + 1))
        var2 = a2 * b2 / ((a2 + b2) ** 2 * (a2 + b2 + 1))
        return 0.5 * math.erfc(-(mean1 - mean2) / math.sqrt(2 * (var1 + var2)))
    chance = _beats(a1, b1, a2, b2) if a1 <= a2 else 1 - _beats(a2, b2, a1, b1)
    return min(1.0, max(0.0, chance))
