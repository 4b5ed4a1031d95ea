r"""Tenure spells: one contract for everything that needs time-to-event.

A spell is one person's time in the organisation, in lifelines' contract
``(durations, event_observed, entry)``: ``months`` from hire to exit or to ``as_of``
(:data:`~talentkit.core.dates.DAYS_PER_MONTH` days a month), ``left`` (the event; ``False`` is
censored at ``as_of``) and ``entry``, the tenure at which the spell came under observation
(0 = observed from hire; see below). :func:`spells` builds them from any dataset form;
:mod:`talentkit.tenure` and :mod:`talentkit.drivers` read them, and every Kaplan–Meier
curve and log-rank test goes through :func:`visible_levels`, :func:`km_fitters` and
:func:`logrank_test`, so one small-group rule holds for all of them.

**Delayed entry.** An event history starts with its first recorded exit
(``observed_from``): nobody who left before that day is in it, so a person hired earlier
enters at the tenure they had then (left truncation; Klein and Moeschberger, *Survival
Analysis*, 2003, ch. 3). A snapshot export is observed whole (``entry`` 0); its tenure is
the export's own, not dates rounded to days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from .core.dates import DAYS_PER_MONTH
from .core.markup import plot_label
from .core.privacy import MIN_GROUP, SUPPRESSED, grouped, suppress
from .data.datasets import Dataset
from .data.timeline import unit_at


@dataclass(frozen=True)
class Spells:
    """Tenure spells of the people hired by ``as_of``, indexed like the people table.

    ``months``, ``left`` and ``entry`` are lifelines' ``durations``, ``event_observed`` and
    ``entry``; ``groups`` holds the group columns asked for (region and team as at hire);
    ``observed_from`` is the first recorded exit of an event history (``None`` for a snapshot,
    or with no exit)."""

    months: pd.Series
    left: pd.Series
    entry: pd.Series
    groups: pd.DataFrame
    as_of: pd.Timestamp
    form: str
    observed_from: pd.Timestamp | None = None

    def __len__(self) -> int:
        return len(self.months)

    def from_hire(self) -> pd.Series:
        """The spells observed from hire (``entry`` 0): lifelines' log-rank test and
        Schoenfeld residuals know no delayed entry, so those use these only."""
        return self.entry <= 0

    def subset(self, rows: pd.Series) -> Spells:
        """The spells of ``rows`` (a boolean Series on the same index)."""
        return Spells(self.months[rows], self.left[rows], self.entry[rows], self.groups[rows], self.as_of,
                      self.form, self.observed_from)

    def frame(self) -> pd.DataFrame:
        """``months``, ``left`` and the group columns, one row a spell."""
        return pd.concat([pd.DataFrame({"months": self.months, "left": self.left}), self.groups], axis=1)


def spells(ds: Dataset, group_by: list[str] | None = None) -> Spells:
    """Parameters
    ----------
    ds : Dataset
        Any form: an event history or a snapshot export. Its ``as_of`` (one day, read once by
        ``load``: the data is cut there already) is the day spells end on when nobody left
        (censoring); people hired after it are left out.
    group_by : list of str, optional
        People columns to carry beside the spells (region and team as at hire); default none.

    Returns
    -------
    Spells
        :math:`\\text{months} = (\\min(\\text{exit}, \\text{as\\_of}) - \\text{hire}) / 30.4375`
        days, ``left`` when the exit is on or before ``as_of``, ``entry`` as in the module's
        notes on delayed entry.
    """
    as_of = ds.as_of
    hired = ds.people["hire_date"] <= as_of
    p = ds.people[hired]
    left = p["exit_date"].notna() & (p["exit_date"] <= as_of)
    months = (p["exit_date"].where(left, as_of) - p["hire_date"]).dt.days / DAYS_PER_MONTH
    entry = pd.Series(0.0, index=p.index)
    observed_from = None
    if ds.form == "snapshot":
        if "tenure_months" in p:
            months = p["tenure_months"]  # the export's own tenure, not dates rounded to days
    elif left.any():
        observed_from = p.loc[left, "exit_date"].min()
        entry = ((observed_from - p["hire_date"]).dt.days / DAYS_PER_MONTH).clip(lower=0)
    groups = pd.DataFrame(index=p.index)
    for k in group_by or []:
        groups[k] = unit_at(ds, k, ds.people["hire_date"])[hired] if k in ("region", "team") else p[k]
    return Spells(months.astype(float), left.astype(bool), entry.astype(float), groups, as_of, ds.form,
                  observed_from)


# --------------------------------------------------------------------------- curves and tests by group

@grouped
def level_sizes(levels: pd.Series, min_group: int = MIN_GROUP, name: str = "group", *, people: pd.DataFrame | None = None,
                not_nested: str | None = None) -> pd.DataFrame:
    """The spells per level of ``levels`` (``name``, ``n``), through the privacy gate: levels
    under ``min_group`` hidden with their complements (and across the tables of a run, by the
    groupings ``name`` nests in among ``people``; :func:`talentkit.core.privacy.suppress`), in the levels' sorted order (which
    settles ties between complements). The one small-group rule of every Kaplan–Meier curve
    and log-rank test."""
    counts = levels.value_counts(dropna=True).sort_index()
    counts = counts[counts > 0]  # a category with nobody in it is no group
    sizes = pd.DataFrame({name: counts.index.tolist(), "n": counts.to_numpy()})
    return suppress(sizes, [name], min_group, people=people, not_nested=not_nested)


def visible_levels(sizes: pd.DataFrame) -> list:
    """The levels a :func:`level_sizes` table shows, in its order."""
    return sizes.loc[~sizes[SUPPRESSED], sizes.columns[0]].tolist()


def km_fitters(months: pd.Series, left: pd.Series, levels: pd.Series, shown) -> dict[str, KaplanMeierFitter]:
    """A fitted Kaplan–Meier curve (lifelines) per level in ``shown``, in that order:
    :math:`\\hat S(t) = \\prod_{t_i \\le t} (1 - d_i / n_i)`."""
    return {str(name): KaplanMeierFitter(label=plot_label(name)).fit(months[levels == name], left[levels == name])
            for name in shown if (levels == name).any()}


def logrank_test(months: pd.Series, left: pd.Series, levels: pd.Series, shown) -> tuple[int, float, float]:
    """The log-rank test of equal curves across the levels in ``shown`` (lifelines'
    ``multivariate_logrank_test``): ``(levels compared, chi-square statistic, p-value)``,
    missing with fewer than two levels."""
    keep = levels.isin(list(shown))
    compared = int(levels[keep].nunique())
    if compared < 2:
        return compared, np.nan, np.nan
    r = multivariate_logrank_test(months[keep], levels[keep], left[keep])
    return compared, float(r.test_statistic), float(r.p_value)
