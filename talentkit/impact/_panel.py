r"""Outcomes as a unit x period panel, from the kit's one timeline.

Each unit (a value of the programme's ``unit_column``) and period (month or quarter) gets:

- ``headcount``: the people in the unit on the period's first day (:func:`talentkit.timeline.unit_at`);
- ``exposure``: person-years, :math:`(h_{\text{start}} + h_{\text{end}})/2 \times` the period's length in years;
- ``events``: exits (``turnover``), voluntary exits (``voluntary_turnover``) or moves out of the
  unit (``mobility``) in the period, each counted in the unit the person left; or, for
  ``acceptance``, offers accepted among offers made to candidates who applied in the period;
- ``y``: the outcome in its own unit: events per 100 person-years (percentage points a year)
  for the rates, the share accepted in percent for acceptance.

The periods run from the first to the last period with such events in the data (the data's
own span, said in the report).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from ..data.datasets import Dataset
from ..data.timeline import employed_on, unit_at

OUTCOMES = {"turnover": "exits per 100 person-years", "voluntary_turnover": "voluntary exits per 100 person-years",
            "mobility": "moves out per 100 person-years", "acceptance": "% of offers accepted"}
PERIODS = {"month": "MS", "quarter": "QS"}


def _events(ds: Dataset, unit_column: str, outcome: str) -> pd.DataFrame:
    """One row per event: ``unit``, ``date``, and for acceptance ``accepted``."""
    p = ds.people
    if outcome in ("turnover", "voluntary_turnover"):
        left = p[p["exit_date"].notna()]
        if outcome == "voluntary_turnover":
            left = left[left["exit_type"].astype(str) == "voluntary"]
        return pd.DataFrame({"unit": left[unit_column].astype(str).to_numpy(), "date": left["exit_date"].to_numpy()})
    if outcome == "mobility":
        m = ds.moves
        if m is None or f"from_{unit_column}" not in m:
            raise ParameterError(f"mobility needs moves with from_{unit_column}: this data has none")
        out = m[m[f"from_{unit_column}"].astype(str) != m[f"to_{unit_column}"].astype(str)]
        return pd.DataFrame({"unit": out[f"from_{unit_column}"].astype(str).to_numpy(), "date": out["date"].to_numpy()})
    c = ds.candidates
    if c is None or unit_column not in c or "reached" not in c:
        raise ParameterError(f"acceptance needs a candidates table with {unit_column} and reached: this data lacks it")
    offers = c[c["reached"].astype(str).isin(["offer", "hired"])]
    return pd.DataFrame({"unit": offers[unit_column].astype(str).to_numpy(), "date": offers["applied_date"].to_numpy(),
                         "accepted": (offers["reached"].astype(str) == "hired").to_numpy()})


def outcome_panel(ds: Dataset, unit_column: str, outcome: str = "turnover", period: str = "month") -> pd.DataFrame:
    """The unit x period panel of ``outcome`` (see the module): ``unit``, ``period`` (its
    first day), ``headcount``, ``exposure``, ``events``, ``y``."""
    if outcome not in OUTCOMES:
        raise ParameterError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if period not in PERIODS:
        raise ParameterError(f"period must be month or quarter, not {period!r}")
    events = _events(ds, unit_column, outcome).dropna(subset=["date"])
    if events.empty:
        raise ParameterError(f"no {outcome} events in the data: nothing to evaluate")
    starts = pd.date_range(events["date"].min().to_period("M").to_timestamp(), events["date"].max(),
                           freq=PERIODS[period])
    if period == "quarter":
        starts = pd.date_range(events["date"].min().to_period("Q").to_timestamp(), events["date"].max(), freq="QS")
    edges = list(starts) + [starts[-1] + (pd.DateOffset(months=1) if period == "month" else pd.DateOffset(months=3))]
    heads = {}
    for day in edges:
        here = unit_at(ds, unit_column, day).astype(str)[employed_on(ds.people, day)]
        heads[day] = here.value_counts()
    units = sorted(set().union(*[h.index for h in heads.values()]))
    rows = []
    bucket = np.searchsorted(np.array(edges, dtype="datetime64[ns]"), events["date"].to_numpy(), side="right") - 1
    events = events.assign(k=bucket)
    for k, day in enumerate(starts):
        here = events[events["k"] == k]
        years = (edges[k + 1] - day).days / 365.25
        for unit in units:
            h0, h1 = int(heads[day].get(unit, 0)), int(heads[edges[k + 1]].get(unit, 0))
            mine = here[here["unit"] == unit]
            rows.append((unit, day, h0, (h0 + h1) / 2 * years, len(mine),
                         int(mine["accepted"].sum()) if "accepted" in mine else 0))
    panel = pd.DataFrame(rows, columns=["unit", "period", "headcount", "exposure", "events", "accepted"])
    if outcome == "acceptance":
        panel["y"] = np.where(panel["events"] > 0, 100 * panel["accepted"] / panel["events"].clip(lower=1), np.nan)
    else:
        panel["y"] = np.where(panel["exposure"] > 0, 100 * panel["events"] / panel["exposure"].clip(lower=1e-9), np.nan)
    panel.attrs.update(outcome=outcome, unit_column=unit_column, period=period, measure=OUTCOMES[outcome])
    return panel.drop(columns="accepted")
