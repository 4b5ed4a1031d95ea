r"""Estimates of a staggered programme's effect, by pyfixest, side by side.

- **Imputation** (the default; Gardner 2022's two-stage DiD, equal to Borusyak, Jaravel and
  Spiess's imputation estimator): unit and period effects are fitted on the untreated cells
  only, each treated cell's untreated outcome is imputed, and the effect is the mean gap
  (``pyfixest.did2s``); by relative period, the same with one term per period since the start.
- **Saturated event study** (Sun and Abraham 2021's interaction-weighted estimator:
  ``pyfixest.event_study(estimator="saturated")``): every cohort x relative period its own
  term, averaged by the cohorts' shares of treated cells.
- **Two-way fixed effects** (``pyfixest.feols``), shown only to say how far it is from the
  two: with staggered starts it weighs early-treated units as controls for later ones.

Errors are clustered by unit. With fewer than :data:`FEW_CLUSTERS` units the imputation
estimate's interval is a **wild cluster bootstrap** (:func:`wild_bootstrap`, written here:
pyfixest bootstraps one-stage regressions only): the estimator is linear in the outcome,
:math:`\hat\tau = a'y`, so each draw is :math:`\hat\tau + \sum_g w_g \sum_{i \in g} a_i \hat e_i`
with Webb's six-point weights :math:`w_g` (Webb 2023) on the residuals of the fitted model
(unit and period effects, one effect for the treated), and the interval is the draws'
2.5 and 97.5 percentiles around :math:`\hat\tau`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.stats import Z95
from ._design import Design

FEW_CLUSTERS = 30
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _fixest():
    import pyfixest  # imported on use: a notebook without 09 never loads it

    return pyfixest


def imputation(design: Design) -> tuple[float, float]:
    """The imputation estimate of the effect on the treated and its standard error (clustered by unit)."""
    fit = _fixest().did2s(design.panel, yname="y", first_stage="~ 0 | unit + t", second_stage="~ treat",
                          treatment="treat", cluster="unit")
    return float(fit.coef()["treat"]), float(fit.se()["treat"])


def imputation_weights(design: Design) -> np.ndarray:
    """The weights :math:`a` with :math:`\\hat\\tau = a'y` of the imputation estimator: the
    treated cells' mean, less the mean of their outcomes imputed from the untreated cells'
    unit and period effects (least squares, by hand: a test checks it against pyfixest)."""
    p = design.panel
    dummies = pd.get_dummies(p["unit"].astype(str)).to_numpy(float)
    periods = pd.get_dummies(p["t"]).to_numpy(float)[:, 1:]
    x = np.hstack([dummies, periods])
    treated = p["treat"].to_numpy() == 1
    xu, xt = x[~treated], x[treated]
    mean_xt = xt.mean(axis=0)
    v = np.linalg.lstsq(xu.T @ xu, mean_xt, rcond=None)[0]
    a = np.zeros(len(p))
    a[treated] = 1 / treated.sum()
    a[~treated] = -(xu @ v)
    return a


def wild_bootstrap(design: Design, resamples: int = 999, seed: int = 0) -> tuple[float, float, float]:
    """The imputation estimate's wild cluster bootstrap interval (the module's) and the share
    of draws at least as far from it as it is from zero (a two-sided p-value)."""
    p = design.panel
    a = imputation_weights(design)
    y = p["y"].to_numpy(float)
    tau = float(a @ y)
    fitted = _fixest().feols("y ~ treat | unit + t", data=p)
    resid = y - fitted.predict()
    cluster = pd.factorize(p["unit"])[0]
    per_cluster = np.bincount(cluster, weights=a * resid)
    w = np.random.default_rng(seed).choice(WEBB, size=(resamples, len(per_cluster)))
    draws = w @ per_cluster
    lo, hi = tau - np.quantile(draws, 0.975), tau - np.quantile(draws, 0.025)
    return lo, hi, float(np.mean(np.abs(draws) >= abs(tau)))


def saturated(design: Design) -> tuple[pd.DataFrame, float, float]:
    """The saturated event study: by relative period (``rel``, ``estimate``, ``lo``, ``hi``),
    and its average over the treated cells with its standard error."""
    p = design.panel.assign(g=design.panel["start"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest marks the class beta and lists collinear terms
        fit = _fixest().event_study(p, yname="y", idname="unit", tname="t", gname="g", estimator="saturated")
        by_period = fit.aggregate()
    table = pd.DataFrame({"rel": by_period.index.astype(float).astype(int), "estimate": by_period["Estimate"].astype(float),
                          "lo": by_period["2.5%"].astype(float), "hi": by_period["97.5%"].astype(float)})
    # the average over treated cells: each cohort x period term weighed by its treated cells
    # (the shares pyfixest's aggregate uses by period, here over every period since the start)
    names, beta, vcov = list(fit._coefnames), np.asarray(fit._beta_hat), np.asarray(fit._vcov)
    cells = p[p["treat"] == 1].groupby(["g", "rel"]).size()
    r = np.zeros(len(names))
    for (g, rel), n in cells.items():
        name = f"rel_time::{float(rel)}:first_treated_period::{g}"
        if name in names:
            r[names.index(name)] = n
    r = r / r.sum()
    return table.reset_index(drop=True), float(r @ beta), float(np.sqrt(r @ vcov @ r))


def imputation_by_period(design: Design, leads: int = 6, lags: int = 12) -> pd.DataFrame:
    """The imputation event study: ``rel`` from ``-leads`` to ``lags`` (the ends binned), the
    never-treated in the reference period -1, with intervals clustered by unit."""
    p = design.panel.assign(rel_bin=np.clip(design.panel["rel"], -leads, lags).astype(float))
    p.loc[p["start"] == 0, "rel_bin"] = -1.0
    fit = _fixest().did2s(p, yname="y", first_stage="~ 0 | unit + t", second_stage="~ i(rel_bin, ref=-1.0)",
                          treatment="treat", cluster="unit")
    t = fit.tidy()
    rel = t.index.str.extract(r"::(-?[\d.]+)")[0].astype(float).astype(int).to_numpy()
    return pd.DataFrame({"rel": rel, "estimate": t["Estimate"].to_numpy(float), "lo": t["2.5%"].to_numpy(float),
                         "hi": t["97.5%"].to_numpy(float)}).sort_values("rel").reset_index(drop=True)


def twfe(design: Design) -> tuple[float, float]:
    """The two-way fixed effects estimate and its standard error (clustered by unit)."""
    fit = _fixest().feols("y ~ treat | unit + t", data=design.panel, vcov={"CRV1": "unit"})
    return float(fit.coef()["treat"]), float(fit.se()["treat"])


def _imputation_interval(design: Design, resamples: int, seed: int) -> tuple[float, float, float, str]:
    """The imputation estimate, its 95 % interval and how it was had: clustered by unit, or the
    wild cluster bootstrap under :data:`FEW_CLUSTERS` units."""
    tau, se = imputation(design)
    units = design.panel["unit"].nunique()
    if units >= FEW_CLUSTERS:
        return tau, tau - Z95 * se, tau + Z95 * se, f"errors clustered by unit ({units} units)"
    lo, hi, _ = wild_bootstrap(design, resamples, seed)
    return tau, lo, hi, f"wild cluster bootstrap ({units} units, fewer than {FEW_CLUSTERS}: Webb weights, " \
                        f"{resamples} draws)"


@dataclass
class Estimates:
    """The estimators side by side (``table``), both event studies (``by_period``), the
    inference used, and the verdict's numbers (the imputation estimate's)."""

    table: pd.DataFrame
    by_period: pd.DataFrame
    inference: str
    measure: str
    programme: str
    min_group: int


@privacy.grouped
def estimate(design: Design, leads: int = 6, lags: int = 12, resamples: int = 999, seed: int = 0,
             min_group: int = privacy.MIN_GROUP) -> Estimates:
    """Every estimate of the module for ``design`` (its cohorts passed the gate in :func:`design`)."""
    tau, lo, hi, inference = _imputation_interval(design, resamples, seed)
    by_period, sat, sat_se = saturated(design)
    two_way, two_way_se = twfe(design)
    table = pd.DataFrame({"estimator": ["imputation (did2s)", "saturated event study", "two-way fixed effects"],
                          "estimate": [tau, sat, two_way],
                          "estimate_lo": [lo, sat - Z95 * sat_se, two_way - Z95 * two_way_se],
                          "estimate_hi": [hi, sat + Z95 * sat_se, two_way + Z95 * two_way_se]})
    studies = imputation_by_period(design, leads, lags).merge(
        by_period[(by_period["rel"] >= -leads) & (by_period["rel"] <= lags)], on="rel", how="outer",
        suffixes=("", "_saturated"))
    return Estimates(privacy.not_personal(table, "estimates over cohorts that passed the gate"),
                     privacy.not_personal(studies, "estimates by period since the start, over gated cohorts"),
                     inference, design.measure, design.programme, min_group)


def placebo(design: Design, seed: int = 0, resamples: int = 999) -> tuple[float, float, float, int]:
    """The imputation estimate of a start moved back half the pre-period, on the periods before
    the real starts only: ``(estimate, lo, hi, shift)``; a real pre-trend shows here."""
    p = design.panel
    first = int(p.loc[p["start"] > 0, "start"].min())
    shift = max(2, (first - 1) // 2)
    keep = np.where(p["start"] > 0, p["t"] < p["start"], p["t"] < p.loc[p["start"] > 0, "start"].max())
    fake = p[keep].copy()
    fake["start"] = np.where(fake["start"] > 0, fake["start"] - shift, 0)
    fake["treat"] = ((fake["start"] > 0) & (fake["t"] >= fake["start"])).astype(int)
    fake["rel"] = np.where(fake["start"] > 0, fake["t"] - fake["start"], -1)
    moved = Design(design.programme, fake.reset_index(drop=True), design.guards, design.cohorts, design.measure,
                   design.min_group)
    tau, lo, hi, _ = _imputation_interval(moved, resamples, seed)
    return tau, lo, hi, shift
