"""Periodic snapshots (``form: snapshots``: one row per person per period, a monthly headcount
file) turned into people and moves by stated rules; the rules both dated forms share are in
:mod:`talentkit.data.assignments`.

Snapshot rules (:func:`from_snapshots`): a person missing from the next snapshot left between
the two, and the exit is dated the day after the last snapshot seen (so they count in it); a
person first seen in a later snapshot was hired the day after the one before (or on the hire
date column, when there is one); one who comes back after missing a snapshot is rehired: a new
spell, with its own row in ``people`` (``<id> (spell 2)``); a change of unit or level between
two snapshots is a move dated the day after the first. Nothing is dated finer than the
snapshots allow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import Problem
from .assignments import PERIOD_DAY, STATES, column_of, level_order, moves_between
from .schema import coerce_dates, mapping_for


def from_snapshots(s: pd.DataFrame, as_of, attributes: dict | None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """People (one row per spell) and moves from typed snapshot rows (``employee_id``,
    ``snapshot_date``, the states, an optional ``hire_date`` and other columns), with the rules
    applied and their counts. See the module's rules."""
    days = np.sort(s["snapshot_date"].dropna().unique())
    if as_of is not None:
        days = days[days <= np.datetime64(as_of)]
    s = s[s["snapshot_date"].isin(days)].copy()
    s["k"] = np.searchsorted(days, s["snapshot_date"].to_numpy())
    s["line"] = s.index
    s = s.sort_values(["employee_id", "k", "line"], kind="stable")
    person, k = s["employee_id"].to_numpy(), s["k"].to_numpy()
    same = np.r_[False, person[1:] == person[:-1]]
    new_spell = ~same | (k != np.r_[-2, k[:-1]] + 1)
    s["spell"] = pd.Series(new_spell.astype(int), index=s.index).groupby(person).cumsum().to_numpy()
    rehires = int((new_spell & same).sum())
    s["person"] = np.where(s["spell"] > 1, s["employee_id"] + " (spell " + s["spell"].astype(str) + ")",
                           s["employee_id"])
    firsts = s[new_spell]
    ends = s[np.r_[new_spell[1:], True]]
    before = np.where(firsts["k"] > 0, days[np.maximum(firsts["k"] - 1, 0)] + np.timedelta64(1, "D"), days[0])
    hire = before
    if "hire_date" in s.columns:
        given = firsts["hire_date"].to_numpy()
        use = (firsts["spell"].to_numpy() == 1) & pd.notna(given) & (given <= firsts["snapshot_date"].to_numpy())
        hire = np.where(use, given, before)
    last_k = len(days) - 1
    exit_date = np.where(ends["k"].to_numpy() < last_k, days[ends["k"].to_numpy()] + np.timedelta64(1, "D"),
                         np.datetime64("NaT"))
    people = ends.drop(columns=["snapshot_date", "k", "line", "spell", "employee_id"], errors="ignore").rename(
        columns={"person": "employee_id"})
    people["hire_date"] = np.asarray(hire, dtype="datetime64[ns]")
    people["exit_date"] = np.asarray(exit_date, dtype="datetime64[ns]")
    people.index = firsts["line"].to_numpy()
    states = [c for c in STATES if c in s.columns]
    order = level_order(s["level"], attributes) if "level" in s else None
    moves = moves_between(s, ~new_spell, s["person"].to_numpy(), days[np.maximum(k - 1, 0)] + np.timedelta64(1, "D"),
                           order)
    notes = [f"Read as {len(days)} snapshots ({pd.Timestamp(days[0]):%Y-%m-%d} .. {pd.Timestamp(days[-1]):%Y-%m-%d}) "
             f"of {s['employee_id'].nunique():,} people: nothing is dated finer than the snapshots. A person missing "
             "from the next snapshot left the day after the last one seen; one first seen later was hired the day "
             "after the snapshot before" + (" (or on the hire date given)" if "hire_date" in s.columns else
                                            "; people in the first snapshot joined at a day the snapshots do not "
                                            "tell: dated hired on it for tenure, never counted as hires")
             + f"; {len(moves):,} moves (a change of " + ", ".join(states) + " between two snapshots, dated the day "
             "after the first).",
             f"{rehires:,} people come back after missing a snapshot: each return is a rehire, a new spell with its own "
             "row (id '<id> (spell 2)')."]
    return people, moves, notes


def typed_snapshots(df: pd.DataFrame, file: str, keys, columns, rules, notes: list) -> tuple[
        pd.DataFrame | None, list[Problem], list[Problem]]:
    """The stacked snapshots typed: ``employee_id``, ``snapshot_date``, the states, a
    ``hire_date`` when present, other columns as written (typed later with the people table).
    Returns the frame, the problems of bad rows (a day not read, no id, a person twice in one
    snapshot) and rows without a snapshot day (always set aside). A missing column refuses."""
    s = df.rename(columns={k: v for k, v in mapping_for("snapshots", columns).items() if k in df.columns})
    per_file = PERIOD_DAY in s.columns
    problems = column_of(s, "employee_id", file, "person id")[1]
    problems += [] if per_file else column_of(s, keys.date, file, "snapshot day")[1]
    if problems:
        return None, problems, []
    out = s.drop(columns=[PERIOD_DAY if per_file else keys.date]).copy()
    out["employee_id"] = s["employee_id"].astype("string").str.strip()
    bad = []
    if per_file:
        out["snapshot_date"] = s[PERIOD_DAY].astype("datetime64[ns]")
    else:
        out["snapshot_date"], found = coerce_dates(s[keys.date], file, keys.date, rules, notes)
        bad += found
    if "hire_date" in s.columns:
        out["hire_date"], found = coerce_dates(s["hire_date"], file, "hire_date", rules, notes)
        bad += found
    for state in STATES:
        if state in s.columns:
            out[state] = s[state].astype("string").str.strip().astype(object).where(s[state].notna(), None)
    no_id = out["employee_id"].isna() | out["employee_id"].eq("")
    bad += [Problem(file, "required value is empty", "fill in the person's id, or drop the row", r, "employee_id")
            for r in out.index[no_id]]
    latest = pd.Timestamp.today().normalize() + pd.Timedelta(days=366)  # a snapshot of next year is a typo
    future = out["snapshot_date"] > latest
    bad += [Problem(file, "the snapshot day is more than a year after today: everyone missing from it would be "
                    "counted as leaving", "correct the year", r, keys.date, f"{out.at[r, 'snapshot_date']:%Y-%m-%d}")
            for r in out.index[future]]
    twice = out.duplicated(["employee_id", "snapshot_date"], keep="first") & out["snapshot_date"].notna() & ~no_id
    bad += [Problem(file, "the person is in this snapshot twice", "keep one row per person per snapshot", r,
                    "employee_id") for r in out.index[twice]]
    unread = {p.row for p in bad}
    no_day = [Problem(file, "required value is empty", "the row is set aside: a snapshot row needs its day", r,
                      keys.date) for r in out.index[out["snapshot_date"].isna() & ~out.index.isin(unread)]]
    return out, bad, no_day
