"""talentkit.core.stats: every formula against a hand computation or another library
(scipy's chi-square contingency test, its exact binomial, the chi-square quantiles)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from talentkit.core import stats


def test_the_wilson_interval_by_hand_and_exact_at_the_ends():
    lo, hi = stats.wilson_interval(8, 20)
    z, p, n = 1.959963984540054, 0.4, 20
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (float(lo), float(hi)) == pytest.approx((centre - half, centre + half))
    assert (float(lo), float(hi)) == pytest.approx((0.2188, 0.6134), abs=1e-4)  # the textbook value
    lo, hi = stats.wilson_interval([0, 5, 3], [5, 5, 0])
    assert lo[0] == 0.0 and hi[1] == 1.0 and np.isnan(lo[2]) and np.isnan(hi[2])


def test_the_exact_poisson_interval_is_garwoods():
    lo, hi = stats.poisson_interval(4, 2.0)  # 4 events in 2 person-years
    assert float(lo) == pytest.approx(sps.chi2.ppf(0.025, 8) / 2 / 2.0)
    assert float(hi) == pytest.approx(sps.chi2.ppf(0.975, 10) / 2 / 2.0)
    assert float(stats.poisson_interval(0, 1.0)[0]) == 0.0 and float(stats.poisson_interval(0, 1.0)[1]) == \
        pytest.approx(3.6889, abs=1e-4)  # the rule of three, exactly: -ln(0.025)


def test_the_two_proportion_test_is_pearsons_chi_square_without_correction():
    table = [[30, 70], [45, 55]]
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    assert stats.proportion_difference_p(30, 100, 45, 100) == pytest.approx(p)
    assert stats.proportion_difference_p(0, 10, 0, 12) == 1.0 and math.isnan(stats.proportion_difference_p(1, 0, 1, 2))


def test_two_rates_by_the_conditional_binomial_test():
    # 3 events in 10 person-years against 12 in 20: given 15 events, k2 ~ Binomial(15, 20/30)
    assert stats.rate_difference_p(3, 10, 12, 20) == pytest.approx(sps.binomtest(12, 15, 2 / 3).pvalue)
    assert stats.rate_difference_p(0, 1, 0, 1) == 1.0 and math.isnan(stats.rate_difference_p(1, 0, 1, 1))


def test_two_estimates_by_their_intervals():
    se = math.hypot(0.2 / (2 * 1.959963984540054), 0.1 / (2 * 1.959963984540054))
    assert stats.estimate_difference_p(0.5, 0.4, 0.6, 0.7, 0.65, 0.75) == pytest.approx(2 * sps.norm.sf(0.2 / se))
    assert stats.estimate_difference_p(0.5, 0.5, 0.5, 0.5, 0.5, 0.5) == 1.0


def test_sample_size_and_diversity_by_hand():
    # Fleiss without continuity correction: p1 0.5, p2 0.7, alpha 0.05, power 0.8 -> 93 a group
    z_a, z_b, p1, p2 = sps.norm.ppf(0.975), sps.norm.ppf(0.8), 0.5, 0.7
    bar = (p1 + p2) / 2
    n = (z_a * math.sqrt(2 * bar * (1 - bar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    assert stats.sample_size_two_proportions(0.5, 0.7) == math.ceil(n) == 93
    assert stats.blau_index(pd.Series(["a", "a", "b", "c", None])) == pytest.approx(1 - (0.5**2 + 0.25**2 + 0.25**2))
