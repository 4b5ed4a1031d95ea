"""The guards a careful analyst runs before estimating, each stated with what it found and dropped.

The reference implementations of the staggered estimators have lost never-treated units to a
code, dropped them when balancing, and given wrong answers without them (bcallaway11/did #264,
#266, #275). So :func:`design` checks and says, before any estimate:

1. **units the programme names that the data lacks** (listed as a count);
2. **always-treated units** (started on or before the panel's first period): no period before,
   nothing to compare; dropped;
3. **a balanced panel**: a unit with no people in some period is dropped, not imputed, and so
   is a control unit of fewer than ``min_group`` people in some period (its outcome would
   describe them);
4. **treatments that switch off**: a unit's periods after its programme's end are dropped (the
   estimators assume that once treated, a unit stays treated);
5. **never-treated units**: how many; without any, the not-yet-treated are the controls and the
   periods after the last cohort's start, which have none, are dropped;
6. **the pre-period**: the periods before the first start; fewer than :data:`MIN_PRE_PERIODS`
   and the estimate is refused;
7. **cohort sizes**: the people of each cohort (the units starting in one period) on its start;
   a cohort of fewer than ``min_group`` people in any period is refused, as its figures would
   describe them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError, SmallGroupError
from ..core.privacy import MIN_GROUP

MIN_PRE_PERIODS = 3


@dataclass
class Design:
    """A programme's panel ready to estimate (``unit``, ``period``, ``t``, ``start`` (the
    cohort's period index, 0 for never-treated), ``treat``, ``rel``, ``y``, ``headcount``),
    the guards' findings and the cohorts."""

    programme: str
    panel: pd.DataFrame
    guards: pd.DataFrame
    cohorts: pd.DataFrame
    measure: str
    min_group: int
    notes: list[str] = field(default_factory=list)

    @property
    def treated_units(self) -> list[str]:
        return sorted(self.panel.loc[self.panel["start"] > 0, "unit"].unique())


def _starts(programmes: pd.DataFrame, programme: str, unit_column: str) -> pd.DataFrame:
    rows = programmes[(programmes["programme"].astype(str) == programme)
                      & (programmes["unit_column"].astype(str) == unit_column)]
    if rows.empty:
        known = sorted(set(programmes["programme"].astype(str)))
        raise ParameterError(f"no programme {programme!r} on {unit_column} in the programmes table; it holds "
                             f"{', '.join(known)}")
    return rows.groupby(rows["unit"].astype(str)).agg(start=("start", "min"), end=("end", "max"))


@privacy.grouped
def design(panel: pd.DataFrame, programmes: pd.DataFrame, programme: str, min_group: int = MIN_GROUP) -> Design:
    """The guards of the module, run in order on ``panel`` (:func:`outcome_panel`) for
    ``programme``; a cohort under ``min_group`` people or too short a pre-period is refused."""
    unit_column = panel.attrs.get("unit_column", "unit")
    starts = _starts(programmes, programme, unit_column)
    periods = np.sort(panel["period"].unique())
    p = panel.copy()
    found: list[tuple[str, str, int]] = []
    absent = sorted(set(starts.index) - set(p["unit"]))
    found.append(("units the data lacks", ", ".join(absent) or "none", 0))
    always = sorted(starts.index[starts["start"] <= periods[0]].intersection(p["unit"].unique()))
    found.append(("always-treated units (dropped)", ", ".join(always) or "none", int(p["unit"].isin(always).sum())))
    p = p[~p["unit"].isin(always)]
    empty = sorted(p.loc[p["headcount"] <= 0, "unit"].unique())
    found.append(("units missing periods (dropped: balanced panel)", ", ".join(empty) or "none",
                  int(p["unit"].isin(empty).sum())))
    p = p[~p["unit"].isin(empty)]
    few = sorted(set(p.loc[p["headcount"] < min_group, "unit"]) - set(starts.index))
    found.append((f"control units under {min_group} people in some period (dropped: their outcome would describe "
                  "them)", str(len(few)) if few else "none", int(p["unit"].isin(few).sum())))
    p = p[~p["unit"].isin(few)]
    ends = starts["end"].reindex(p["unit"]).to_numpy()
    after_end = pd.notna(ends) & (p["period"].to_numpy() > ends)
    switched = sorted(p.loc[after_end, "unit"].unique())
    found.append(("treatments that switch off (periods after the end dropped)", ", ".join(switched) or "none",
                  int(after_end.sum())))
    p = p[~after_end]
    start_of = starts["start"].reindex(p["unit"]).to_numpy()
    late = pd.notna(start_of) & (start_of > periods[-1])  # starts after the data ends: untreated here
    found.append(("units starting after the data ends (untreated here)",
                  ", ".join(sorted(p.loc[late, "unit"].unique())) or "none", 0))
    start_of = np.where(late, np.datetime64("NaT"), start_of)
    never = sorted(p.loc[pd.isna(start_of), "unit"].unique())
    if never:
        found.append(("never-treated units (the controls)", ", ".join(never), 0))
    else:
        last = np.nanmax(start_of)
        beyond = p["period"].to_numpy() >= last
        found.append(("never-treated units", "none: the not-yet-treated are the controls; periods from the last "
                      "start dropped", int(beyond.sum())))
        p, start_of = p[~beyond], start_of[~beyond]
    p = _indexed(p, start_of, periods)
    pre = int(p.loc[p["start"] > 0, "start"].min() - 1) if (p["start"] > 0).any() else 0
    found.append(("periods before the first start", str(pre), 0))
    if not (p["start"] > 0).any():
        raise ParameterError(f"no unit of {programme!r} is left to evaluate after the guards: see what they dropped")
    if pre < MIN_PRE_PERIODS:
        raise ParameterError(f"{programme!r} starts {pre} period(s) into the data; an event study needs at least "
                             f"{MIN_PRE_PERIODS} before it to check the trends")
    cohorts = _cohorts(p, min_group)
    guards = privacy.not_personal(pd.DataFrame(found, columns=["guard", "found", "rows_dropped"]),
                                  "what the guards found: unit names and counts of rows")
    return Design(programme, p.reset_index(drop=True), guards, cohorts, panel.attrs.get("measure", "y"), min_group)


def _indexed(p: pd.DataFrame, start_of: np.ndarray, periods: np.ndarray) -> pd.DataFrame:
    """Periods as 1, 2, ...; each unit's cohort (its start's period index, 0 never); treat and rel."""
    index = {pd.Timestamp(d): k + 1 for k, d in enumerate(periods)}
    out = p.assign(t=p["period"].map(lambda d: index[pd.Timestamp(d)]).astype(int))
    first = np.array([np.searchsorted(periods, np.datetime64(s), side="left") + 1 if pd.notna(s) else 0
                      for s in start_of])
    out["start"] = first
    out["treat"] = ((out["start"] > 0) & (out["t"] >= out["start"])).astype(int)
    out["rel"] = np.where(out["start"] > 0, out["t"] - out["start"], -1)
    return out


def _cohorts(p: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Each cohort: its start, units, and people on its start; refused when it holds fewer than
    ``min_group`` people in any period of the panel."""
    treated = p[p["start"] > 0]
    on_start = treated[treated["t"] == treated["start"]]
    table = on_start.groupby("start").agg(first_period=("period", "first"), units=("unit", "nunique"),
                                          n=("headcount", "sum")).reset_index()
    smallest = treated.groupby(["start", "t"])["headcount"].sum().groupby(level="start").min()
    small = table[table["start"].map(smallest) < min_group]
    if not small.empty:
        raise SmallGroupError(f"the cohort starting {pd.Timestamp(small['first_period'].iloc[0]):%Y-%m-%d} has fewer "
                              f"than {min_group} people (min_group) in some period; its effect would describe them. "
                              "Evaluate a coarser unit, or pool it with the next cohort")
    table["people"] = table["n"]
    table["first_period"] = pd.to_datetime(table["first_period"]).dt.strftime("%Y-%m-%d")
    return privacy.mark(table.drop(columns="start"), min_group)
