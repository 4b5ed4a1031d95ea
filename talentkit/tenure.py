r"""Tenure curves: Kaplan–Meier with right-censoring at the as-of date (lifelines).

Duration is months from hire to exit (``days / 30.4375``); people still employed on the
as-of date are censored there; people hired after it are left out. Retention at a horizon
is the KM survival :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` with its
exponential Greenwood 95% interval (lifelines' default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from .datasets import Dataset
from .markup import plot_label
from .privacy import MIN_GROUP, SUPPRESSED, grouped, nested_in, suppress
from .timeline import unit_at

DAYS_PER_MONTH = 30.4375
HORIZONS = (6, 12, 24)


def durations(ds: Dataset, as_of=None, start=None, end=None, region: str | None = None) -> pd.DataFrame:
    """One row per person hired on or before ``as_of`` (and in ``start`` .. ``end``, and into
    ``region``, if given): ``months`` of tenure and ``left`` (False = censored at ``as_of``),
    with the person's attributes (region and team as at hire)."""
    as_of = pd.Timestamp(as_of) if as_of is not None else ds.as_of
    p = ds.people
    keep = p["hire_date"] <= as_of
    if start is not None:
        keep &= p["hire_date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= p["hire_date"] <= pd.Timestamp(end)
    left = p["exit_date"].notna() & (p["exit_date"] <= as_of)
    last_day = p["exit_date"].where(left, as_of)
    months = (last_day - p["hire_date"]).dt.days / DAYS_PER_MONTH
    if ds.form == "snapshot" and as_of == ds.as_of and "tenure_months" in p:
        months = p["tenure_months"].astype(float)  # the export's own tenure, not dates rounded to days
    out = pd.DataFrame({"months": months, "left": left})
    for k in ds.group_keys():
        out[k] = unit_at(ds, k, p["hire_date"]) if k in ("region", "team") else p[k]
    if region is not None:
        keep &= out["region"] == region
    return out[keep].reset_index(drop=True)


def _groups(d: pd.DataFrame, group_by: str | None):
    if group_by is None:
        return [("all", d)]
    if group_by not in d.columns:
        raise ValueError(f"cannot group tenure by {group_by!r}; choose from {', '.join(d.columns[2:])}")
    return list(d.groupby(group_by, dropna=True, observed=True))


@dataclass
class TenureCurves:
    """Kaplan–Meier curves of the groups the privacy gate shows: ``fitters`` (a fitted
    lifelines ``KaplanMeierFitter`` per group shown), ``table`` (every group's ``n``, hidden
    ones marked ``suppressed``) and the ``min_group`` they passed."""

    fitters: dict[str, KaplanMeierFitter]
    table: pd.DataFrame
    min_group: int
    group_by: str | None = None
    start: pd.Timestamp | None = None  # the hiring cohort, when the curves are about one
    end: pd.Timestamp | None = None

    def title(self) -> str:
        """What the curves show, for a figure: the cohort and the grouping."""
        by = f", by {self.group_by}" if self.group_by else ""
        if self.start is None:
            return f"Tenure: share still employed{by}"
        start, end = pd.Timestamp(self.start), pd.Timestamp(self.end) if self.end is not None else None
        whole_year = end is not None and (start.month, start.day, end.month, end.day, start.year) == (1, 1, 12, 31, end.year)
        hired = f"{start:%Y}" if whole_year else f"from {start:%Y-%m-%d}" + (f" to {end:%Y-%m-%d}" if end is not None else "")
        return f"Cohort hired {hired}: share still employed{by}"


@grouped
def km_curves(ds: Dataset, group_by: str | None = None, as_of=None, start=None, end=None,
              min_group: int = MIN_GROUP, region: str | None = None, max_groups: int = 8) -> TenureCurves:
    """Kaplan–Meier curves per group, for the groups the privacy gate shows (the same groups
    as :func:`retention_table` shows, complements hidden too). A key with more than
    ``max_groups`` values (teams, say) gets one curve for everyone: more would not read."""
    d = durations(ds, as_of, start, end, region)
    if group_by is not None and group_by in d and d[group_by].nunique() > max_groups:
        group_by = None
    groups = _groups(d, group_by)
    sizes = _group_sizes(groups, group_by, min_group)
    shown = set(sizes.loc[~sizes[SUPPRESSED], group_by or "group"])
    fitters = {str(name): KaplanMeierFitter(label=plot_label(name)).fit(g["months"], g["left"])
               for name, g in groups if name in shown and len(g)}
    return TenureCurves(fitters, sizes, min_group, group_by, start, end)


def _group_sizes(groups, group_by: str | None, min_group: int) -> pd.DataFrame:
    key = group_by or "group"
    sizes = pd.DataFrame({key: [name for name, _ in groups], "n": [len(g) for _, g in groups]})
    people = pd.concat([g for _, g in groups]) if group_by and len(groups) else None
    return suppress(sizes, [key], min_group, nesting=nested_in(people, group_by) if people is not None else None)


def visible_groups(groups, group_by: str | None, min_group: int) -> set:
    """The groups that the privacy gate shows (at least ``min_group`` people, and not hidden as
    a complement): figures and tests draw exactly what the table beside them shows."""
    sizes = _group_sizes(groups, group_by, min_group)
    return set(sizes.loc[~sizes[SUPPRESSED], group_by or "group"])


@grouped
def retention_table(ds: Dataset, group_by: str | None = None, horizons=HORIZONS, as_of=None,
                    start=None, end=None, min_group: int = MIN_GROUP,
                    region: str | None = None) -> pd.DataFrame:
    """Per group: ``n``, ``exits``, median tenure (months; missing while over half remain) and
    KM retention at each horizon with its 95% interval (``retention_12m``, ``_lo``, ``_hi``)."""
    d = durations(ds, as_of, start, end, region)
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
    return suppress(t, [group_by or "group"], min_group, nesting=nested_in(d, group_by) if group_by else None)


@dataclass
class LogRank:
    """A log-rank test: the ``groups`` compared, its chi-square ``statistic`` and ``p_value``
    (missing with fewer than two groups shown)."""

    groups: int
    statistic: float
    p_value: float


def logrank(ds: Dataset, group_by: str, as_of=None, start=None, end=None,
            min_group: int = MIN_GROUP) -> LogRank:
    """Log-rank test of equal tenure curves across the groups the privacy gate shows
    (lifelines' ``multivariate_logrank_test``)."""
    d = durations(ds, as_of, start, end)
    d = d[d[group_by].isin(visible_groups(_groups(d, group_by), group_by, min_group))]
    groups = int(d[group_by].nunique())
    if groups < 2:
        return LogRank(groups, np.nan, np.nan)
    r = multivariate_logrank_test(d["months"], d[group_by], d["left"])
    return LogRank(groups, float(r.test_statistic), float(r.p_value))


def at_horizon(table: pd.DataFrame, horizon_months: int) -> pd.DataFrame:
    """A :func:`retention_table` with only the retention at ``horizon_months`` (and its
    interval) beside ``n`` and ``exits``; without that horizon, just ``n`` and ``exits``."""
    measure = f"retention_{horizon_months}m"
    keep = [table.columns[0], "n", "exits"]
    if measure in table:
        keep += [measure, f"{measure}_lo", f"{measure}_hi"]
    return table[keep + [SUPPRESSED]]

