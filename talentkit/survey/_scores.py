r"""The scores of a survey, as pure functions of answers: favourability, means, eNPS,
Cronbach's alpha with its interval, item-rest correlations, and relative weights.

Answers arrive with N/A already set apart (missing): every statistic here reads the
answered values only, and counts what it read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..core.stats import Z95, wilson_interval

PROMOTERS = (9, 10)  # eNPS on the 0-10 scale: promoters answer 9 or 10
DETRACTORS = tuple(range(0, 7))  # and detractors 0 to 6


def favourability(values: pd.Series, favourable: set, unfavourable: set) -> dict:
    r"""Top-box share of the answered values (Culture Amp's favourable: the answers named
    favourable), with its Wilson 95 % interval, the unfavourable and neutral shares, and the
    mean with its t interval :math:`\bar x \pm t_{0.975,\,n-1}\, s/\sqrt n`. Missing values
    (N/A, skipped) are not answers: they are left out of every share and of the mean."""
    answered = values.dropna().astype(float)
    n = len(answered)
    fav = int(answered.isin(favourable).sum())
    unfav = int(answered.isin(unfavourable).sum())
    lo, hi = wilson_interval(fav, n)
    mean = float(answered.mean()) if n else np.nan
    half = float(sps.t.ppf(0.975, n - 1) * answered.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return {"answered": n, "favourable": fav / n if n else np.nan, "favourable_lo": float(lo),
            "favourable_hi": float(hi), "neutral": (n - fav - unfav) / n if n else np.nan,
            "unfavourable": unfav / n if n else np.nan, "mean": mean, "mean_lo": mean - half, "mean_hi": mean + half}


def enps(values: pd.Series) -> dict:
    r"""Employee net promoter score on a 0-10 answer: the share of promoters (9, 10) minus
    the share of detractors (0-6), times 100. Its 95 % interval treats the answer as a
    score of +1, 0 or -1 per person: :math:`\mathrm{Var} = (p + d - (p - d)^2)/n`, kept within
    -100 to 100."""
    answered = values.dropna().astype(float)
    n = len(answered)
    if not n:
        return {"answered": 0, "promoters": np.nan, "detractors": np.nan, "enps": np.nan, "enps_lo": np.nan,
                "enps_hi": np.nan}
    p, d = answered.isin(PROMOTERS).mean(), answered.isin(DETRACTORS).mean()
    half = Z95 * np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return {"answered": n, "promoters": p, "detractors": d, "enps": 100 * (p - d),
            "enps_lo": max(100 * (p - d - half), -100.0), "enps_hi": min(100 * (p - d + half), 100.0)}


def cronbach_alpha(matrix: pd.DataFrame) -> dict:
    r"""Cronbach's alpha of the items (columns) over the respondents who answered every one:
    :math:`\alpha = \frac{k}{k-1}\left(1 - \frac{\sum_i s_i^2}{s_X^2}\right)`, with Feldt's
    95 % interval :math:`1 - (1-\alpha) F_{0.025}` to :math:`1 - (1-\alpha) F_{0.975}`,
    :math:`F` on :math:`n-1` and :math:`(n-1)(k-1)` degrees of freedom."""
    complete = matrix.dropna().astype(float)
    n, k = complete.shape
    if k < 2 or n < 3:
        return {"items": k, "complete": n, "alpha": np.nan, "alpha_lo": np.nan, "alpha_hi": np.nan}
    total_var = complete.sum(axis=1).var(ddof=1)
    alpha = k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_var) if total_var > 0 else np.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return {"items": k, "complete": n, "alpha": alpha,
            "alpha_lo": 1 - (1 - alpha) * sps.f.ppf(0.975, df1, df2),
            "alpha_hi": 1 - (1 - alpha) * sps.f.ppf(0.025, df1, df2)}


def item_rest(matrix: pd.DataFrame) -> pd.Series:
    """Each item's Pearson correlation with the sum of the other items, over the
    respondents who answered every item (an item that does not belong correlates weakly)."""
    complete = matrix.dropna().astype(float)
    total = complete.sum(axis=1)
    return pd.Series({c: complete[c].corr(total - complete[c]) for c in complete.columns}, name="item_rest")


def relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Johnson's (2000) relative weights of the columns of ``x`` on ``y``: the predictors'
    correlation matrix :math:`R = Q \Lambda Q^\top` gives orthogonal stand-ins
    :math:`Z` whose correlations with the predictors are :math:`\Lambda^* = Q \Lambda^{1/2}
    Q^\top`; with :math:`\beta = \Lambda^{*-1} r_{xy}` (the stand-ins' regression weights),
    :math:`\epsilon_j = \sum_k \Lambda^{*2}_{jk} \beta_k^2`. The weights sum to the model's
    :math:`R^2`."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    corr = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    eigval, eigvec = np.linalg.eigh(rxx)
    lam = eigvec @ np.diag(np.sqrt(np.clip(eigval, 0, None))) @ eigvec.T
    beta = np.linalg.solve(lam, rxy)
    return (lam ** 2) @ (beta ** 2)
