"""Explanation: a Cox model of tenure, and a penalised logistic model of leaving within the
horizon, on one design of the attributes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from ..core.dates import DAYS_PER_MONTH
from ..core.privacy import MIN_GROUP, SUPPRESSED, grouped, suppress
from ..core.stats import percentile_bootstrap, percentile_mc_error, resamples_for
from ._population import DriverData

CONTRASTS = "a model's contrasts ('A vs B'), each level of min_group people or more (design)"


def implied(data: DriverData) -> dict[str, str]:
    """Categories implied by a finer one (every level of the finer lies within one level of
    the coarser, as each team lies in one region): ``{coarser: finer}``. A model given both
    cannot tell their effects apart."""
    cats = sorted((c for c in data.attributes if data.kinds[c] != "number"),
                  key=lambda c: -data.X[c].nunique())
    out: dict[str, str] = {}
    for i, fine in enumerate(cats):
        for coarse in cats[i + 1:]:
            if coarse not in out and data.X[fine].nunique() > data.X[coarse].nunique() and \
                    data.X.groupby(fine, observed=True)[coarse].nunique().max() == 1:
                out[coarse] = fine
    return out


CLOCK_RHO = 0.8  # a number this correlated with tenure counts time rather than describing a person


def clocks(data: DriverData) -> dict[str, str]:
    """Numbers that keep time with tenure (Spearman correlation with the spell's length of at
    least :data:`CLOCK_RHO`), such as years in the current role or with the current manager
    in a snapshot: measured at the end of each spell, they partly restate its length, so a
    Cox model given them would explain tenure by tenure (its concordance inflated).
    ``{attribute: why}``; the screening and the classifiers still see them."""
    out = {}
    for attr in data.attributes:
        if data.kinds[attr] == "number":
            rho = data.X[attr].astype(float).corr(data.months, method="spearman")
            if np.isfinite(rho) and rho >= CLOCK_RHO:
                out[attr] = f"keeps time with tenure (Spearman {rho:.2f}): it would explain tenure by tenure"
    return out


def design(data: DriverData, min_group: int = MIN_GROUP, rows: pd.Series | None = None,
           leave_out=()) -> tuple[pd.DataFrame, dict]:
    """The numeric design of the attributes (but ``leave_out``): one 0/1 column per category
    level but the most common (levels under ``max(min_group, 10)`` people pooled into
    ``(other)``), numbers standardised (per standard deviation; missing set to the median).
    Returns the frame and each column's ``(attribute, level, n)``."""
    X = data.X if rows is None else data.X[rows]
    out, meta = {}, {}
    small = max(min_group, 10)
    for attr in (a for a in data.attributes if a not in leave_out):
        x = X[attr]
        if data.kinds[attr] == "number":
            v = x.astype(float).fillna(x.median())
            sd = v.std(ddof=0)
            if sd > 0:
                out[attr] = (v - v.mean()) / sd
                meta[attr] = (attr, "per standard deviation", len(v))
            continue
        level = x.astype(object).astype(str)
        sizes = level.value_counts()
        level = level.where(~level.isin(sizes[sizes < small].index), "(other)")
        sizes = level.value_counts()
        ref = sizes.index[0]
        for name in sizes.index[1:]:
            col = f"{attr}={name}"
            out[col] = (level == name).astype(float)
            meta[col] = (attr, f"{name} vs {ref}", int(sizes[name]))
    return pd.DataFrame(out, index=X.index), meta


@dataclass
class CoxResult:
    """A fitted Cox model: ``table`` (hazard ratios with 95% intervals, p-values and the
    proportional-hazards test per covariate), ``concordance``, ``frame`` (the design the
    model was fitted on, with ``months`` and ``left``), ``fitter`` (lifelines), ``penalizer``."""

    table: pd.DataFrame
    concordance: float
    frame: pd.DataFrame
    fitter: CoxPHFitter
    penalizer: float
    min_group: int
    ph_violations: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # attribute -> why the model leaves it out
    time_grid: str = ""  # "week", "month", "quarter" or "year" where tenure was grouped to keep the fit fast; "": days
    fit_problems: list[str] = field(default_factory=list)  # what lifelines warned of, in the report's words
    ph_sample: int = 0  # spells of the seeded sample the proportional-hazards test read (0: every spell)

    def top(self, k: int = 5, alpha: float = 0.05) -> pd.DataFrame:
        """The ``k`` covariates farthest from a hazard ratio of 1 among those with p < ``alpha``."""
        t = self.table[~self.table[SUPPRESSED] & (self.table["p"] < alpha)]
        order = np.abs(np.log(t["hazard_ratio"])).sort_values(ascending=False).index
        return t.loc[order].head(k).reset_index(drop=True)


@grouped
def cox(data: DriverData, penalizer: float = 0.01, min_group: int = MIN_GROUP) -> CoxResult:
    r"""A Cox proportional-hazards model of tenure (lifelines ``CoxPHFitter``):
    :math:`h(t \mid x) = h_0(t)\exp(\beta^\top x)`, fitted by partial likelihood with a small
    ridge ``penalizer`` (stable with many levels). The hazard ratio :math:`e^{\beta_j}` is the
    multiplier of the leaving hazard at any tenure for a level against the reference (or per
    standard deviation of a number). The proportional-hazards check is lifelines'
    ``proportional_hazard_test`` (rank time transform; Grambsch–Therneau): a small p says the
    ratio changes with tenure, and the model's ratio is then an average over tenure.
    Concordance is Harrell's C. Spells enter at their ``entry`` tenure (delayed entry). Left
    out: a category implied by a finer one (:func:`implied`: the finer carries it) and a
    number that keeps time with tenure (:func:`clocks`).

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    penalizer : float
        lifelines' ridge penalty.
    min_group : int
        Levels with fewer people are hidden.

    Returns
    -------
    CoxResult
        ``table`` of hazard ratios, ``concordance``, ``ph_violations``, ``left_out``.
    """
    left_out = {a: f"implied by {fine}" for a, fine in implied(data).items()} | clocks(data)
    X, meta = design(data, min_group, leave_out=left_out)
    months, entry, grid = _on_time_grid(data.months.clip(lower=1e-3), data.entry, data.left)
    frame = X.assign(months=months.to_numpy(), left=data.left.astype(int).to_numpy(),
                     entry=np.minimum(entry, months * 0.999).to_numpy())
    with warnings.catch_warnings(record=True) as caught:  # lifelines' warnings become the report's words
        warnings.simplefilter("always")
        delayed = bool((frame["entry"] > 0).any())
        # without delayed entry the fit needs no entry column, and the PH test reuses it (no second fit)
        fitter = CoxPHFitter(penalizer=penalizer).fit(frame if delayed else frame.drop(columns="entry"), "months",
                                                      "left", entry_col="entry" if delayed else None, batch_mode=False)
        s = fitter.summary
        ph, ph_sample = _ph_test(frame, penalizer, None if delayed else fitter)
    table = pd.DataFrame({
        "attribute": [meta[c][0] for c in s.index], "level": [meta[c][1] for c in s.index],
        "n": [meta[c][2] for c in s.index], "hazard_ratio": s["exp(coef)"].to_numpy(),
        "hr_lo": s["exp(coef) lower 95%"].to_numpy(), "hr_hi": s["exp(coef) upper 95%"].to_numpy(),
        "p": s["p"].to_numpy(), "ph_p": ph.reindex(s.index).to_numpy()})
    table = suppress(table, ["attribute", "level"], min_group, not_nested=CONTRASTS)
    violations = table.loc[~table[SUPPRESSED] & (table["ph_p"] < 0.01), ["attribute", "level"]]
    return CoxResult(table, float(fitter.concordance_index_), frame, fitter, penalizer, min_group,
                     [f"{a} ({lv})" for a, lv in violations.itertuples(index=False)], left_out, grid,
                     fit_problems(caught), ph_sample)


def fit_problems(caught: list) -> list[str]:
    """What lifelines warned of while fitting, as a reader needs it (each kind once): a fit
    that did not converge, or a covariate with (almost) no variance or that separates leavers,
    makes some hazard ratios unreliable. Never the library's own text or stack in a report."""
    said = []
    for w in caught:
        name = type(w.message).__name__ if isinstance(w.message, Warning) else w.category.__name__
        text = str(w.message).lower()
        if name == "ConvergenceWarning" or "converge" in text:
            line = ("The Cox fit did not fully converge: usually a level with almost no variance or one in which "
                    "(nearly) everyone or nobody left. Hazard ratios near 0, very large, or with very wide intervals "
                    "are not to be read; pool or drop that level (max_levels, attributes) and rerun.")
        elif "variance" in text:
            line = ("A covariate has almost no variance in some spells: its hazard ratio rests on very few people "
                    "and is not to be read.")
        elif name in ("StatisticalWarning", "ApproximationWarning") or w.category.__module__.startswith("lifelines"):
            line = "lifelines flagged a statistical caveat of the fit: read the widest intervals with care."
        else:
            continue
        if line not in said:
            said.append(line)
    return said


COX_WORK = 5e6  # spells x distinct leaving times above which tenure is counted on a coarser grid
GRIDS = (("week", 7 / DAYS_PER_MONTH), ("month", 1.0), ("quarter", 3.0), ("year", 12.0))


def _on_time_grid(months: pd.Series, entry: pd.Series, left: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    """Tenure as the Cox model counts it: in days while spells x distinct leaving times is at
    most :data:`COX_WORK`; else on the finest grid (weeks, months, quarters, then years: records
    reaching back decades) that brings it under,
    each spell's end rounded up and its entry down to the grid, and ties broken by Efron's
    method. lifelines' fit with delayed entry costs about that product per Newton step (each
    leaving time sums over every spell at risk), so 30,000 spells counted in days take
    minutes a fit; grouping time this way is the field's usual answer (Kalbfleisch and
    Prentice, 2002, sec. 4.8: grouped-data Cox models). Returns the two and the grid's name
    (empty: days, as recorded)."""
    work = lambda m: len(m) * m[left.to_numpy(bool)].nunique()  # noqa: E731
    if work(months) <= COX_WORK:
        return months, entry, ""
    for name, step in GRIDS:  # the last grid (years) whatever its cost
        on_grid = np.ceil(months / step - 1e-9) * step
        if work(on_grid) <= COX_WORK:
            break
    return on_grid, np.floor(entry / step + 1e-9) * step, name


PH_TEST_SPELLS = 10_000  # spells the proportional-hazards test reads at most (a seeded sample above)


def _ph_test(frame: pd.DataFrame, penalizer: float, fitted: CoxPHFitter | None = None) -> tuple[pd.Series, int]:
    """The proportional-hazards test's p-value per covariate, and the spells of the sample it
    read (0: all), on ``fitted`` (the model, fitted
    without delayed entry) where given. lifelines computes Schoenfeld residuals only without
    delayed entry, so with delayed entry the test runs on the same model refitted to the
    spells observed from hire. lifelines builds the residuals one spell at a time, in time
    that grows with the square of the spells (28 s at 31,700, minutes at 100,000): above
    :data:`PH_TEST_SPELLS` the test runs on the model refitted to a seeded random sample of
    that many spells (the notes say so), a check whose power still far exceeds what a
    report reads from it."""
    if (frame["entry"] > 0).any():
        frame, fitted = frame[frame["entry"] <= 0], None
    sample = PH_TEST_SPELLS if len(frame) > PH_TEST_SPELLS else 0
    if sample:  # lifelines' residuals cost the square of the spells: a seeded sample
        frame, fitted = frame.sample(sample, random_state=0), None
    if fitted is None:
        frame = frame[[c for c in frame.columns if c in ("months", "left") or frame[c].std() > 0]]
    frame = frame.drop(columns="entry", errors="ignore")
    fitter = fitted or CoxPHFitter(penalizer=penalizer).fit(frame, "months", "left", batch_mode=False)
    return proportional_hazard_test(fitter, frame, time_transform="rank").summary["p"], sample


@grouped
def odds_ratios(data: DriverData, C: float = 1.0, n_boot: int = 200, seed: int = 0,
                min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""A penalised logistic model of leaving within the horizon (the window's rows):
    :math:`\Pr(\text{left}) = \sigma(\beta_0 + \beta^\top x)`, L2 penalty with strength
    :math:`1/C`, on the same design as the Cox model plus tenure at the window's start (per
    standard deviation). ``odds_ratio`` is :math:`e^{\beta_j}`; the penalty shrinks it toward 1,
    so its 95% interval is the bootstrap percentile interval over ``n_boot`` resamples of
    people (refitted each time), not a Wald interval. On many rows the resamples are fewer
    (:func:`talentkit.core.stats.resamples_for`: the cost stops growing with the data), and the
    table's ``attrs["talentkit.bootstrap"]`` says how many and the largest Monte Carlo error
    of an interval's end on the log-odds scale (:func:`talentkit.core.stats.percentile_mc_error`).

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    C : float
        Inverse strength of the L2 penalty.
    n_boot, seed : int
        Bootstrap resamples wanted (fewer on many rows) and their seed
        (:func:`talentkit.core.stats.percentile_bootstrap`).
    min_group : int
        Levels with fewer people are hidden.

    Returns
    -------
    DataFrame
        Per covariate ``attribute``, ``level``, ``n``, ``odds_ratio``, ``or_lo``, ``or_hi``.
    """
    X, meta = design(data, min_group, data.window, leave_out=implied(data))
    t = data.tenure_at_start[data.window]
    X["tenure_months"] = ((t - t.mean()) / t.std(ddof=0)).to_numpy()
    meta["tenure_months"] = ("tenure", "per standard deviation", len(t))
    y = data.outcome()
    model = LogisticRegression(C=C, max_iter=5000)
    coef = model.fit(X, y).coef_[0]
    values = X.to_numpy()

    def refitted(i):  # a resample of one outcome only cannot be fitted
        if len(np.unique(y[i])) < 2:
            return None
        # started from the full fit's solution (warm start): the penalised problem has one optimum,
        # which a resample's lies near, so lbfgs reaches it in a few steps instead of from zero
        again = clone(model).set_params(warm_start=True)
        again.coef_, again.intercept_ = model.coef_.copy(), model.intercept_.copy()
        return again.fit(values[i], y[i]).coef_[0]

    resamples = resamples_for(len(y), n_boot)
    lo, hi, draws = percentile_bootstrap(refitted, len(y), resamples, seed)
    mc_lo, mc_hi = percentile_mc_error(draws)
    table = pd.DataFrame({"attribute": [meta[c][0] for c in X.columns], "level": [meta[c][1] for c in X.columns],
                          "n": [meta[c][2] for c in X.columns], "odds_ratio": np.exp(coef),
                          "or_lo": np.exp(lo), "or_hi": np.exp(hi)})
    table = suppress(table, ["attribute", "level"], min_group, not_nested=CONTRASTS)
    table.attrs["talentkit.bootstrap"] = {"resamples": resamples, "wanted": n_boot,
                                          "mc_error": float(np.nanmax(np.r_[mc_lo, mc_hi], initial=0.0))}
    return table
