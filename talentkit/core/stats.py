r"""Statistics the analyses share: intervals for proportions and rates, sample sizes,
diversity. Pure functions of numbers and tables; nothing here knows the data contract.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ParameterError

Z95 = stats.norm.ppf(0.975)


def wilson_interval(k, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval for a proportion :math:`k/n`.

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + z^2/n}

    Missing where ``n == 0``.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    lo, hi = np.where(k == 0, 0.0, lo), np.where(k == n, 1.0, hi)  # exact at the ends, not 1e-18
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def poisson_interval(k, exposure, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact (Garwood) interval for a rate :math:`k / E`:
    :math:`[\chi^2_{\alpha/2}(2k)/2E,\ \chi^2_{1-\alpha/2}(2k+2)/2E]`.
    """
    k = np.asarray(k, dtype=float)
    e = np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0) / e
        hi = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2 / e
    bad = ~(e > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def add_proportion(table: pd.DataFrame, name: str, k: str, n: str) -> pd.DataFrame:
    """Add ``name`` = k/n with ``name_lo``/``name_hi`` (Wilson 95%)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        table[name] = np.where(table[n] > 0, table[k] / table[n], np.nan)
    table[f"{name}_lo"], table[f"{name}_hi"] = wilson_interval(table[k], table[n])
    return table


def add_rate(table: pd.DataFrame, name: str, k: str, exposure: str, scale=1.0) -> pd.DataFrame:
    """Add ``name`` = k/exposure × scale with ``name_lo``/``name_hi`` (exact Poisson 95%)."""
    scale = np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table[name] = np.where(table[exposure] > 0, table[k] / table[exposure], np.nan) * scale
    lo, hi = poisson_interval(table[k], table[exposure])
    table[f"{name}_lo"], table[f"{name}_hi"] = lo * scale, hi * scale
    return table


def sample_size_two_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int:
    r"""People per group to tell proportion ``p1`` from ``p2`` (two-sided test of two proportions):

    .. math::

        n = \frac{\left(z_{1-\alpha/2}\sqrt{2\bar p(1-\bar p)}
            + z_{1-\beta}\sqrt{p_1(1-p_1)+p_2(1-p_2)}\right)^2}{(p_1-p_2)^2}

    with :math:`\bar p = (p_1+p_2)/2` (Fleiss, *Statistical Methods for Rates and Proportions*,
    without continuity correction), rounded up.
    """
    if p1 == p2:
        raise ParameterError("the two proportions must differ")
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    pbar = (p1 + p2) / 2
    n = (za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    return int(np.ceil(n))


def blau_index(values: pd.Series) -> float:
    r"""Blau's diversity index :math:`1 - \sum_k p_k^2` over the categories of ``values``."""
    p = values.dropna().value_counts(normalize=True)
    return float(1 - (p**2).sum()) if len(p) else np.nan


def corrected_interval(values, n_train: int, n_test: int,
                       bounds: tuple[float, float] | None = None) -> tuple[float, float, float]:
    r"""Mean and 95% interval of scores over repeated cross-validation folds, with Nadeau and
    Bengio's (2003) correction for the overlap of training sets:
    :math:`\bar x \pm t_{J-1}\sqrt{(1/J + n_{test}/n_{train})\, s^2}`. The plain
    :math:`s/\sqrt J` would be too narrow: folds share most of their training rows.
    ``bounds``: the score's range (``(0, 1)`` for ROC-AUC, ``(-1, 1)`` for a difference of
    two); the interval is clipped to it, since the t interval knows none."""
    x = np.asarray(values, dtype=float)
    J = len(x)
    mean = float(x.mean())
    if J < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.975, J - 1) * np.sqrt((1 / J + n_test / n_train) * x.var(ddof=1))
    lo, hi = mean - half, mean + half
    if bounds is not None:
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
    return mean, lo, hi


def percentile_bootstrap(statistic, n: int, resamples: int, seed: int = 0,
                         level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Percentile bootstrap interval (Efron and Tibshirani, *An Introduction to the
    Bootstrap*, 1993, ch. 13) of a statistic of ``n`` rows.

    Parameters
    ----------
    statistic : callable
        ``statistic(rows)`` of an array of ``n`` row numbers drawn with replacement; returns
        a number or an array of them, or ``None`` where the resample cannot be used (one
        class only, say): that resample counts as missing.
    n : int
        Rows to resample.
    resamples : int
        How many resamples, drawn in turn from ``numpy.random.default_rng(seed)``.
    seed : int
        The generator's seed: the same seed gives the same resamples.
    level : float
        The interval's coverage.

    Returns
    -------
    lo, hi, draws : numpy arrays
        The :math:`(1-\text{level})/2` and :math:`(1+\text{level})/2` percentiles of the
        draws (missing ones left out, per component), and the draws, one row a resample.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(resamples):
        value = statistic(rng.integers(0, n, n))
        rows.append(None if value is None else np.atleast_1d(np.asarray(value, dtype=float)))
    width = max((len(r) for r in rows if r is not None), default=1)
    draws = np.vstack([r if r is not None else np.full(width, np.nan) for r in rows]) if rows else np.empty((0, width))
    tail = 100 * (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a component missing in every resample: nan
        lo, hi = np.nanpercentile(draws, [tail, 100 - tail], axis=0)
    return lo, hi, draws


BOOTSTRAP_WORK = 1_000_000  # rows x resamples a bootstrap of a refitted model may cost before it takes fewer
MIN_RESAMPLES = 50


def resamples_for(n: int, wanted: int, work: int = BOOTSTRAP_WORK, least: int = MIN_RESAMPLES) -> int:
    """How many bootstrap resamples of ``n`` rows to draw: ``wanted`` while ``n * wanted``
    is at most ``work``, else fewer in proportion (at least ``least``), so the cost of a
    bootstrap that refits a model stops growing with the data; the interval's Monte Carlo
    error (:func:`percentile_mc_error`) says what that costs in precision."""
    return int(max(least, min(wanted, work // max(n, 1))))


def percentile_mc_error(draws: np.ndarray, level: float = 0.95, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    r"""Monte Carlo error of a percentile interval's two ends, per component: half the
    distance between the order statistics that bracket each end with 95% confidence. The
    number of the :math:`B` draws below the :math:`q` quantile is binomial
    :math:`(B, q)`, so the quantile lies between the order statistics of ranks
    :math:`Bq \mp z\sqrt{Bq(1-q)}` (the distribution-free interval for a quantile:
    Conover, *Practical Nonparametric Statistics*, 1999, sec. 3.2). Zero when the draws agree."""
    out = []
    for q in ((1 - level) / 2, (1 + level) / 2):
        b = np.sum(~np.isnan(draws), axis=0).astype(float)
        spread = z * np.sqrt(b * q * (1 - q))
        lo_q = np.clip((b * q - spread) / np.maximum(b, 1), 0, 1)
        hi_q = np.clip((b * q + spread) / np.maximum(b, 1), 0, 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cols = [(np.nanquantile(draws[:, j], hi_q[j]) - np.nanquantile(draws[:, j], lo_q[j])) / 2
                    if b[j] > 0 else np.nan for j in range(draws.shape[1])]
        out.append(np.asarray(cols, dtype=float))
    return out[0], out[1]


# --------------------------------------------------------------------------- two runs: is a difference noise?

def rate_difference_p(k1: float, t1: float, k2: float, t2: float) -> float:
    r"""Two-sided p-value that two Poisson rates :math:`k_1/t_1` and :math:`k_2/t_2` are equal:
    the conditional (binomial) test of Przyborowski & Wilenski (1940). Given :math:`k_1 + k_2`
    events, under equal rates :math:`k_2 \sim \mathrm{Binomial}(k_1 + k_2,\ t_2 / (t_1 + t_2))`;
    exact, so it holds for the few events of a small unit. ``t``: exposure (person-years), or
    equal weights for two counts. NaN without exposure."""
    if not (t1 > 0 and t2 > 0) or any(_missing(v) for v in (k1, k2)):
        return float("nan")
    k1, k2 = int(round(k1)), int(round(k2))
    if k1 + k2 == 0:
        return 1.0
    return float(stats.binomtest(k2, k1 + k2, t2 / (t1 + t2)).pvalue)


def proportion_difference_p(x1: float, n1: float, x2: float, n2: float) -> float:
    r"""Two-sided p-value of the pooled two-proportion z-test:
    :math:`z = (\hat p_2 - \hat p_1) / \sqrt{\bar p (1 - \bar p)(1/n_1 + 1/n_2)}` with
    :math:`\bar p = (x_1 + x_2)/(n_1 + n_2)` (the same as Pearson's :math:`\chi^2` of the 2×2
    table without continuity correction). NaN without trials; 1 when both are 0 % or 100 %."""
    if not (n1 > 0 and n2 > 0) or any(_missing(v) for v in (x1, x2)):
        return float("nan")
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    z = (x2 / n2 - x1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return float(2 * stats.norm.sf(abs(z)))


def estimate_difference_p(v1: float, lo1: float, hi1: float, v2: float, lo2: float, hi2: float) -> float:
    r"""Two-sided p-value that two independent estimates with 95 % intervals differ, each
    standard error read off its interval, :math:`SE = (hi - lo) / (2 \times 1.96)`, and
    :math:`z = (v_2 - v_1)/\sqrt{SE_1^2 + SE_2^2}` (Altman & Bland, *Interaction revisited:
    the difference between two estimates*, BMJ 2003). NaN when an interval is missing."""
    values = (v1, lo1, hi1, v2, lo2, hi2)
    if any(_missing(v) for v in values):
        return float("nan")
    se = np.hypot((hi1 - lo1) / (2 * Z95), (hi2 - lo2) / (2 * Z95))
    if se == 0:
        return 1.0 if v1 == v2 else 0.0
    return float(2 * stats.norm.sf(abs(v2 - v1) / se))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
