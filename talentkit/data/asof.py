"""The data as it stood on a day: an event history cut at ``as_of``.

A team that keeps one event history (hires, exits, moves, sessions, ties) can run the batch
for any past day and get what a run on that day would have shown: :func:`as_it_stood` is
the load step that cuts the typed tables at ``as_of`` (:func:`talentkit.data.datasets.load` calls
it whenever ``as_of`` is given for a dated form; a snapshot export already describes one day).

* people hired after the day are left out; an exit after it is not yet known (the person is
  still employed, and censored there), nor its type or whether it was regretted;
* the people table holds each person's latest region, team and level; where a person moved
  after the day, they were then in that move's ``from_`` unit (the earliest such move), the
  same rule :class:`talentkit.data.timeline.GroupCoder` reads a day by;
* moves, sessions (and their attendance), candidates who applied, dated texts, interactions
  and participants dated after the day are left out; rows without a date are kept.

What a candidate's stage was on the day is not in the data (the export holds the latest):
the funnel counts the stage reached by the candidates who had applied by then.
"""

from __future__ import annotations

import pandas as pd

DATE_COLUMN = {"moves": "date", "sessions": "date", "candidates": "applied_date", "texts": "date",
               "interactions": "date", "participants": "date"}


def as_it_stood(tables: dict[str, pd.DataFrame], day: pd.Timestamp) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """``tables`` (typed, by table name) as they stood at the end of ``day``, and one sentence
    for the report saying what was left out; the tables given are not changed."""
    day = pd.Timestamp(day)
    out = dict(tables)
    people = tables["people"]
    later_hires = people["hire_date"] > day
    later_exits = people["exit_date"] > day if "exit_date" in people else pd.Series(False, index=people.index)
    people = people[~later_hires].copy()
    later_exits = later_exits[~later_hires]
    if "exit_date" in people:
        people.loc[later_exits, "exit_date"] = pd.NaT
        for column in ("exit_type", "regretted"):
            if column in people:
                people[column] = people[column].where(~later_exits)
    moves = tables.get("moves")
    if moves is not None:
        people = _units_on(people, moves[moves["date"] > day])
    out["people"] = people
    dropped = {}
    for name, column in DATE_COLUMN.items():
        frame = tables.get(name)
        if frame is not None and column in frame:
            later = frame[column] > day
            dropped[name] = int(later.sum())
            out[name] = frame[~later]
    if out.get("attendance") is not None and out.get("sessions") is not None:
        kept = out["attendance"]["session_id"].isin(out["sessions"]["session_id"])
        dropped["attendance"] = int((~kept).sum())
        out["attendance"] = out["attendance"][kept]
    later = ", ".join(f"{n:,} {name}" for name, n in dropped.items() if n)
    note = (f"The data as it stood on {day:%Y-%m-%d} (as_of): {int(later_hires.sum()):,} people hired later left out, "
            f"{int(later_exits.sum()):,} later exits not yet known (counted as employed)"
            + (f", and the rows dated later left out ({later})" if later else "") + ".")
    return out, [note]


def _units_on(people: pd.DataFrame, later_moves: pd.DataFrame) -> pd.DataFrame:
    """Each person's units on the day: where they moved after it, the ``from_`` value of their
    earliest later move, for every column the moves carry (``from_region``, ``from_team``,
    ``from_level``, a hierarchy's levels)."""
    if later_moves.empty:
        return people
    first = later_moves.sort_values("date", kind="stable").drop_duplicates("employee_id").set_index("employee_id")
    for column in [c for c in first.columns if c.startswith("from_")]:
        key = column[len("from_"):]
        if key not in people:
            continue
        then = people["employee_id"].map(first[column])
        known = then.notna()
        if known.any():
            if isinstance(people[key].dtype, pd.CategoricalDtype):
                people[key] = people[key].astype(object)
            people.loc[known, key] = then[known]
    return people
