r"""Tenure curves: Kaplan–Meier with right-censoring at the as-of date (lifelines).

The spells are :func:`talentkit.spells.spells`: months from hire to exit (``days /
30.4375``); people still employed on the as-of date are censored there; people hired after
it are left out. The curves count every spell from hire (``entry`` is not used here).
Retention at a horizon is the KM survival :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` with its
exponential Greenwood 95% interval (lifelines' default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter

from .core.errors import ParameterError
from .core.labels import label_and_scale, value_label
from .core.privacy import MIN_GROUP, SUPPRESSED, grouped, suppress
from .data.datasets import Dataset
from .spells import km_fitters, level_sizes, logrank_test, spells, visible_levels

HORIZONS = (6, 12, 24)


def durations(ds: Dataset, start=None, end=None, region: str | None = None) -> pd.DataFrame:
    """One row per person hired on or before the data's ``as_of`` (and in ``start`` .. ``end``,
    and into ``region``, if given): ``months`` of tenure and ``left`` (False = censored at ``as_of``),
    with the person's attributes (region and team as at hire); :func:`talentkit.spells.spells`."""
    s = spells(ds, ds.group_keys())
    keep = pd.Series(True, index=s.months.index)
    hired = ds.people.loc[keep.index, "hire_date"]
    if start is not None:
        keep &= hired >= pd.Timestamp(start)
    if end is not None:
        keep &= hired <= pd.Timestamp(end)
    out = s.frame()
    if region is not None:
        keep &= out["region"] == region
    return out[keep].reset_index(drop=True)


def _groups(d: pd.DataFrame, group_by: str | None):
    if group_by is None:
        return [("all", d)]
    if group_by not in d.columns:
        raise ParameterError(f"cannot group tenure by {group_by!r}; choose from {', '.join(d.columns[2:])}")
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
        by = f", by {value_label(label_and_scale(self.group_by)[0]).lower()}" if self.group_by else ""
        if self.start is None:
            return f"Tenure: share still employed{by}"
        start, end = pd.Timestamp(self.start), pd.Timestamp(self.end) if self.end is not None else None
        whole_year = end is not None and (start.month, start.day, end.month, end.day, start.year) == (1, 1, 12, 31, end.year)
        hired = f"{start:%Y}" if whole_year else f"from {start:%Y-%m-%d}" + (f" to {end:%Y-%m-%d}" if end is not None else "")
        return f"Cohort hired {hired}: share still employed{by}"


@grouped
def km_curves(ds: Dataset, group_by: str | None = None, start=None, end=None,
              min_group: int = MIN_GROUP, region: str | None = None, max_groups: int = 8) -> TenureCurves:
    """Kaplan–Meier curves per group, for the groups the privacy gate shows (the same groups
    as :func:`retention_table` shows, complements hidden too). A key with more than
    ``max_groups`` values (teams, say) gets one curve for everyone: more would not read.

    Parameters
    ----------
    ds : Dataset
        Any form (:func:`talentkit.spells.spells`).
    group_by : str, optional
        A people column; region and team as at hire.
    start, end : date, optional
        The hiring cohort (spells are censored on the data's ``as_of``).
    min_group : int
        Groups with fewer people are hidden, with their complements.
    region : str, optional
        Only the people hired into it.
    max_groups : int
        More groups than this give one curve for everyone.

    Returns
    -------
    TenureCurves
        A lifelines ``KaplanMeierFitter`` per group shown and every group's size.
    """
    d = durations(ds, start, end, region)
    if group_by is not None and group_by in d and d[group_by].nunique() > max_groups:
        group_by = None
    _groups(d, group_by)  # an unknown key is refused here
    levels = d[group_by] if group_by else pd.Series("all", index=d.index)
    sizes = _group_sizes(d, group_by, min_group)
    fitters = km_fitters(d["months"], d["left"], levels, visible_levels(sizes))
    return TenureCurves(fitters, sizes, min_group, group_by, start, end)


def _group_sizes(d: pd.DataFrame, group_by: str | None, min_group: int) -> pd.DataFrame:
    """The spells per group through the gate (:func:`talentkit.spells.level_sizes`)."""
    if group_by is None:
        return suppress(pd.DataFrame({"group": ["all"], "n": [len(d)]}), ["group"], min_group,
                        not_nested="one group, everyone")
    return level_sizes(d[group_by], min_group, group_by, people=d)


@grouped
def retention_table(ds: Dataset, group_by: str | None = None, horizons=HORIZONS,
                    start=None, end=None, min_group: int = MIN_GROUP,
                    region: str | None = None) -> pd.DataFrame:
    """Per group: ``n``, ``exits``, median tenure (months; missing while over half remain) and
    KM retention at each horizon with its 95% interval (``retention_12m``, ``_lo``, ``_hi``).

    Parameters
    ----------
    ds, group_by, start, end, min_group, region
        As for :func:`km_curves`: the data, the grouping, the hiring cohort, the gate's threshold, one region's hires.
    horizons : sequence of int
        Months at which retention is read.

    Returns
    -------
    DataFrame
        Per group ``n``, ``exits``, ``median_tenure_months``, ``retention_<h>m`` with intervals.
    """
    d = durations(ds, start, end, region)
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
    return suppress(t, [group_by or "group"], min_group, people=d if group_by else None,
                    not_nested=None if group_by else "one group, everyone")


@dataclass
class LogRank:
    """A log-rank test: the ``groups`` compared, its chi-square ``statistic`` and ``p_value``
    (missing with fewer than two groups shown)."""

    groups: int
    statistic: float
    p_value: float


def logrank(ds: Dataset, group_by: str, start=None, end=None,
            min_group: int = MIN_GROUP) -> LogRank:
    """Log-rank test of equal tenure curves across the groups the privacy gate shows
    (lifelines' ``multivariate_logrank_test``).

    Parameters
    ----------
    ds : Dataset
        Any form of data.
    group_by : str
        A people column; each group's curve is compared with the others'.
    start, end : date, optional
        The hiring cohort (spells are censored on the data's ``as_of``).
    min_group : int
        Only the groups the gate shows are compared (:func:`talentkit.spells.level_sizes`).

    Returns
    -------
    LogRank
        The groups compared, the chi-square statistic and the p-value.
    """
    d = durations(ds, start, end)
    _groups(d, group_by)  # an unknown key is refused here
    groups, statistic, p_value = logrank_test(d["months"], d["left"], d[group_by],
                                              visible_levels(_group_sizes(d, group_by, min_group)))
    return LogRank(groups, statistic, p_value)


def at_horizon(table: pd.DataFrame, horizon_months: int) -> pd.DataFrame:
    """A :func:`retention_table` with only the retention at ``horizon_months`` (and its
    interval) beside ``n`` and ``exits``; without that horizon, just ``n`` and ``exits``.

    Parameters
    ----------
    table : DataFrame
        From :func:`retention_table`.
    horizon_months : int
        The horizon to keep.

    Returns
    -------
    DataFrame
        The table's key, ``n``, ``exits`` and that horizon's retention with its interval.
    """
    measure = f"retention_{horizon_months}m"
    keep = [table.columns[0], "n", "exits"]
    if measure in table:
        keep += [measure, f"{measure}_lo", f"{measure}_hi"]
    return table[keep + [SUPPRESSED]]
