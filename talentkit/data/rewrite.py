"""An event-form dataset written as the other dated forms: an assignment history, monthly snapshots.

``talentkit data make --form history|snapshots`` writes the built-in company this way, with
the mapping file that reads it back, so the forms can be tried (and tested: read back, they
give the event form's numbers wherever the form carries the information).

* As a history: one row per assignment, ``start`` .. ``end`` (the assignment's last day: the
  day before the next move, or before the exit), with its region, team and level, and the
  move's kind as its ``reason``; ``people.csv`` keeps hire and exit dates and the attributes
  a history does not hold.
* As snapshots: one row per person employed at each month's end (``snapshot_date``), with
  region, team and level on that day, the hire date and the other attributes. Exit types and
  anything between two month ends are not in this form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .datasets import Dataset
from .timeline import employed_on, level_on, unit_at

DAY = pd.Timedelta(days=1)
HISTORY_MAPPING = {"form": "history", "history": {"start": "start", "end": "end", "reason": "reason"}}
SNAPSHOTS_MAPPING = {"form": "snapshots", "snapshots": {"date": "snapshot_date"}}


def _levels_before_moves(ds: Dataset, moves: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each move's level before and after it: the export's level stepped down by the person's
    later promotions (levels in the order of :func:`talentkit.data.timeline.level_on`)."""
    levels = sorted(ds.people["level"].dropna().astype(str).unique(), key=lambda s: (len(s), s))
    index = {lv: i for i, lv in enumerate(levels)}
    current = moves["employee_id"].map(ds.people.set_index("employee_id")["level"].astype(str))
    promotion = (moves["kind"] == "promotion").astype(int)
    later = promotion[::-1].groupby(moves["employee_id"][::-1]).cumsum()[::-1]  # this move's and later ones
    after = [levels[max(0, index[c] - (n - p))] if c in index else c
             for c, n, p in zip(current, later, promotion)]
    before = [levels[max(0, index[c] - n)] if c in index else c for c, n in zip(current, later)]
    return pd.Series(before, index=moves.index), pd.Series(after, index=moves.index)


def as_history(ds: Dataset) -> dict[str, pd.DataFrame]:
    """``people`` (no region, team or level) and ``history`` (one row per assignment) holding
    what ``ds``'s people and moves say."""
    p = ds.people
    moves = (ds.moves if ds.moves is not None else pd.DataFrame(columns=["employee_id", "date", "kind"]))
    moves = moves.sort_values(["employee_id", "date"], kind="stable").reset_index(drop=True)
    before, after = _levels_before_moves(ds, moves)
    first = moves.groupby("employee_id").head(1).set_index("employee_id")
    opening = pd.DataFrame({"employee_id": p["employee_id"], "start": p["hire_date"], "reason": "hire"})
    for state in ("region", "team"):
        opening[state] = p["employee_id"].map(first[f"from_{state}"]).fillna(p[state])
    opening["level"] = p["employee_id"].map(pd.Series(before.to_numpy(), index=moves["employee_id"]).groupby(
        level=0).first()).fillna(p["level"])
    changes = pd.DataFrame({"employee_id": moves["employee_id"], "start": moves["date"], "reason": moves["kind"],
                            "region": moves["to_region"], "team": moves["to_team"], "level": after})
    rows = pd.concat([opening, changes], ignore_index=True).sort_values(["employee_id", "start"], kind="stable")
    next_start = rows.groupby("employee_id")["start"].shift(-1)
    exit_date = rows["employee_id"].map(p.set_index("employee_id")["exit_date"])
    rows["end"] = (next_start - DAY).fillna(exit_date - DAY)
    history = rows[["employee_id", "start", "end", "region", "team", "level", "reason"]].reset_index(drop=True)
    people = p.drop(columns=[c for c in ("region", "team", "level") if c in p.columns])
    return {"people": people, "history": history}


def as_snapshots(ds: Dataset) -> dict[str, pd.DataFrame]:
    """``snapshots``: everyone employed at each month's end from the first hire to
    ``as_of``, with region, team and level on that day and their other attributes."""
    p = ds.people
    first = p["hire_date"].min()
    ends = pd.date_range(first, ds.as_of, freq="ME")
    attributes = [c for c in p.columns if c not in ("exit_date", "exit_type", "regretted", "region", "team",
                                                    "level", "tenure_months")]
    parts = []
    for day in ends:
        here = employed_on(p, day).to_numpy()
        part = p.loc[here, attributes].copy()
        for state in ("region", "team", "level"):
            if state in p.columns:
                part[state] = np.asarray(unit_at(ds, state, day))[here] if state != "level" else level_on(ds, day)[here]
        part.insert(0, "snapshot_date", day)
        parts.append(part)
    return {"snapshots": pd.concat(parts, ignore_index=True)}

