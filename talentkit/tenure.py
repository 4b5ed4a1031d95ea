r"""Tenure curves: Kaplan–Meier with right-censoring at the as-of date (lifelines).

Duration is months from hire to exit (``days / 30.4375``); people still employed on the
as-of date are censored there; people hired after it are left out. Retention at a horizon
is the KM survival :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` with its
exponential Greenwood 95% interval (lifelines' default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from .datasets import Dataset
from .metrics import PERSON_KEYS, unit_at
from .markup import plot_label
from .privacy import MIN_GROUP, SUPPRESSED, suppress

DAYS_PER_MONTH = 30.4375
HORIZONS = (6, 12, 24)


def durations(ds: Dataset, as_of=None, cohort_start=None, cohort_end=None, region: str | None = None) -> pd.DataFrame:
    """One row per person hired on or before ``as_of`` (and in the cohort window, and into
    ``region``, if given): ``months`` of tenure and ``left`` (False = censored at ``as_of``),
    with the person's attributes (region and team as at hire)."""
    as_of = pd.Timestamp(as_of) if as_of is not None else ds.as_of
    p = ds.people
    keep = p["hire_date"] <= as_of
    if cohort_start is not None:
        keep &= p["hire_date"] >= pd.Timestamp(cohort_start)
    if cohort_end is not None:
        keep &= p["hire_date"] <= pd.Timestamp(cohort_end)
    left = p["exit_date"].notna() & (p["exit_date"] <= as_of)
    end = p["exit_date"].where(left, as_of)
    out = pd.DataFrame({"months": (end - p["hire_date"]).dt.days / DAYS_PER_MONTH, "left": left})
    for k in PERSON_KEYS:
        if k in p.columns:
            out[k] = unit_at(ds, k, p["hire_date"]) if k in ("region", "team") else p[k]
    if region is not None:
        keep &= out["region"] == region
    return out[keep].reset_index(drop=True)


def _groups(d: pd.DataFrame, group_by: str | None):
    if group_by is None:
        return [("all", d)]
    if group_by not in d.columns:
        raise ValueError(f"cannot group tenure by {group_by!r}; choose from {', '.join(PERSON_KEYS)}")
    return list(d.groupby(group_by, dropna=True))


def km_curves(ds: Dataset, group_by: str | None = None, as_of=None, cohort_start=None, cohort_end=None,
              min_group: int = MIN_GROUP, region: str | None = None) -> dict[str, KaplanMeierFitter]:
    """A fitted ``KaplanMeierFitter`` per group shown by the privacy gate (the same groups as
    :func:`retention_table` shows, complements hidden too)."""
    d = durations(ds, as_of, cohort_start, cohort_end, region)
    groups = _groups(d, group_by)
    shown = visible_groups(groups, group_by, min_group)
    return {str(name): KaplanMeierFitter(label=plot_label(name)).fit(g["months"], g["left"])
            for name, g in groups if name in shown and len(g)}


def visible_groups(groups, group_by: str | None, min_group: int) -> set:
    """The groups that the privacy gate shows (at least ``min_group`` people, and not hidden as
    a complement): figures and tests draw exactly what the table beside them shows."""
    key = group_by or "group"
    sizes = pd.DataFrame({key: [name for name, _ in groups], "n": [len(g) for _, g in groups]})
    checked = suppress(sizes, [key], min_group)
    return set(checked.loc[~checked[SUPPRESSED], key])


def retention_table(ds: Dataset, group_by: str | None = None, horizons=HORIZONS, as_of=None,
                    cohort_start=None, cohort_end=None, min_group: int = MIN_GROUP,
                    region: str | None = None) -> pd.DataFrame:
    """Per group: ``n``, ``exits``, median tenure (months; missing while over half remain) and
    KM retention at each horizon with its 95% interval (``retention_12m``, ``_lo``, ``_hi``)."""
    d = durations(ds, as_of, cohort_start, cohort_end, region)
    rows = []
    for name, g in _groups(d, group_by):
        row = {"group": str(name), "n": len(g), "exits": int(g["left"].sum())}
        if len(g):
            km = KaplanMeierFitter().fit(g["months"], g["left"])
            median = km.median_survival_time_
            row["median_tenure_months"] = float(median) if np.isfinite(median) else np.nan
            ci = km.confidence_interval_survival_function_
            for h in horizons:
                if h > g["months"].max():  # nobody observed that long: no estimate
                    row[f"retention_{h}m"] = row[f"retention_{h}m_lo"] = row[f"retention_{h}m_hi"] = np.nan
                    continue
                row[f"retention_{h}m"] = float(km.predict(h))
                at = ci.index[ci.index <= h].max()
                row[f"retention_{h}m_lo"], row[f"retention_{h}m_hi"] = (float(v) for v in ci.loc[at])
        rows.append(row)
    t = pd.DataFrame(rows).rename(columns={"group": group_by or "group"})
    return suppress(t, [group_by or "group"], min_group)


def logrank(ds: Dataset, group_by: str, as_of=None, cohort_start=None, cohort_end=None,
            min_group: int = MIN_GROUP) -> dict:
    """Log-rank test of equal tenure curves across the groups the privacy gate shows."""
    d = durations(ds, as_of, cohort_start, cohort_end)
    d = d[d[group_by].isin(visible_groups(_groups(d, group_by), group_by, min_group))]
    if d[group_by].nunique() < 2:
        return {"groups": int(d[group_by].nunique()), "statistic": np.nan, "p_value": np.nan}
    r = multivariate_logrank_test(d["months"], d[group_by], d["left"])
    return {"groups": int(d[group_by].nunique()), "statistic": float(r.test_statistic), "p_value": float(r.p_value)}
