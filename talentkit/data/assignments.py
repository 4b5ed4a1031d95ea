"""Assignment histories (``form: history``) turned into people and moves by stated rules, and
the rules both dated forms share (the other is :mod:`talentkit.data.periodic`).

Two dated forms besides the event form (``people`` with hire and exit dates, ``moves``):

* ``form: history``: one row per assignment or change (Workday's Job History, SAP infotype
  0001, BambooHR's Job Information), with an effective start, often an end, and the unit,
  team, region and level of that spell. Ends are the assignment's last day.
* ``form: snapshots``: one row per person per period (a monthly headcount file), stacked with
  a snapshot-day column, or one file per period with its day in the mapping.

Both become the event form's ``people`` and ``moves`` (with ``from_level``/``to_level``, so
each person's unit, team, region and level on any day is exact where the form says it), and
every rule applied is said, with its count, in the dataset's ``assumptions`` (atop reports).

History rules (:func:`from_history`):

* an end the day before its start is a superseded row: dropped, counted;
* an end earlier than that, or a start that is not a date, is a bad row (``bad_rows:``); a
  row without a start is set aside;
* overlapping assignments keep the later start: the earlier one ends the day before (counted);
* a gap between two assignments is counted; the person stays employed, in the unit of the
  assignment before it (the event form has no "no unit"), until the next starts;
* a move is every change of region, team or level between consecutive assignments, dated the
  new one's start; its kind is the export's reason where the mapping names it (``kinds:``),
  else ``promotion`` when an ordered level rises, else ``transfer``;
* without a people table: hired on the first start; left the day after the last end, when the
  last assignment is closed before ``as_of``, or on the start of an exit row (a reason the
  mapping's ``kinds:`` maps to ``voluntary``, ``involuntary`` or ``exit``): rows after an exit
  are a rehire, a spell of its own (``<id> (spell 2)``), as in snapshots.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..core.errors import Problem
from .schema import MOVES, coerce_dates, mapping_for

STATES = ("region", "team", "level")  # what an assignment or a snapshot says of a person
DAY = pd.Timedelta(days=1)
KINDS = MOVES.columns["kind"]
PERIOD_DAY = "_snapshot_day"  # the day of a snapshot file given in the mapping (one file per period)
EXIT_KINDS = ("voluntary", "involuntary", "exit")  # a reason mapped to one of these ends the person's spell


def column_of(df: pd.DataFrame, name: str, file: str, role: str, needed: bool = True):
    """The column ``name`` of ``df`` (as the export or the mapping names it), or a problem."""
    if name in df.columns:
        return df[name], []
    if not needed:
        return None, []
    return None, [Problem(file, f"the {role} column '{name}' is not in the file",
                          f"name one of its columns in the mapping: {', '.join(map(str, list(df.columns)[:12]))}",
                          row=1, column=name)]


def level_order(levels, attributes: dict | None) -> list[str] | None:
    """The order of levels: the mapping's ``attributes: {level: {ordinal: [...]}}``, else the
    natural order when every level is a common prefix and a number (``L1``..``L12``, ``Grade 7``),
    else ``None`` (no promotions can be told from a change of level)."""
    given = ((attributes or {}).get("level") or {})
    if isinstance(given, dict) and given.get("ordinal"):
        return [str(v).strip() for v in given["ordinal"]]
    values = sorted({str(v) for v in levels if isinstance(v, str) or pd.notna(v)})
    parts = [re.fullmatch(r"(\D*?)\s*(\d+)", v) for v in values]
    found = [p for p in parts if p is not None]
    if values and len(found) == len(values) and len({p.group(1) for p in found}) == 1:
        number = {v: int(p.group(2)) for v, p in zip(values, found)}
        return sorted(values, key=number.__getitem__)
    return None


def typed_history(df: pd.DataFrame, file: str, keys, columns, rules, notes: list) -> tuple[
        pd.DataFrame | None, list[Problem], list[Problem]]:
    """The history's rows typed: ``employee_id``, ``start``, ``end``, the states present and
    ``reason``. Returns the frame, the problems of bad rows (the mapping's ``bad_rows:``
    decides), and the rows without a start (always set aside). A missing column refuses."""
    h = df.rename(columns={k: v for k, v in mapping_for("history", columns).items() if k in df.columns})
    problems = []
    _, found = column_of(h, "employee_id", file, "person id")
    problems += found
    _, found = column_of(h, keys.start, file, "start")
    problems += found
    if keys.end:
        problems += column_of(h, keys.end, file, "end", needed=keys.end != "end")[1]
    if keys.reason:
        problems += column_of(h, keys.reason, file, "reason")[1]
    if problems:
        return None, problems, []
    out = pd.DataFrame({"employee_id": h["employee_id"].astype("string").str.strip()}, index=h.index)
    bad = []
    out["start"], found = coerce_dates(h[keys.start], file, keys.start, rules, notes)
    bad += found
    if keys.end and keys.end in h.columns:
        out["end"], found = coerce_dates(h[keys.end], file, keys.end, rules, notes)
        bad += found
    else:
        out["end"] = pd.Series(pd.NaT, index=h.index, dtype="datetime64[ns]")
    for state in STATES:
        if state in h.columns:
            out[state] = h[state].astype("string").str.strip().astype(object).where(h[state].notna(), None)
    if keys.reason:
        out["reason"] = h[keys.reason].astype("string").str.strip()
    no_id = out["employee_id"].isna() | out["employee_id"].eq("")
    bad += [Problem(file, "required value is empty", "fill in the person's id, or drop the row", r, "employee_id")
            for r in out.index[no_id]]
    backwards = out["end"].notna() & (out["end"] < out["start"] - DAY)
    bad += [Problem(file, f"the assignment ends before it starts ({out.at[r, 'start']:%Y-%m-%d})",
                    "correct either date, or add bad_rows: set_aside to the mapping to set such rows aside "
                    "(counted at the top of every report)", r, keys.end, f"{out.at[r, 'end']:%Y-%m-%d}")
            for r in out.index[backwards]]
    unread = {p.row for p in bad}
    if out["start"].isna().all() and any(p.column == keys.start for p in bad):
        return out, bad, []  # the start column as a whole is unread: said once, not again as an empty start per row
    no_start = [Problem(file, "required value is empty", "the row is set aside: an assignment needs its start", r,
                        "start") for r in out.index[out["start"].isna() & ~out.index.isin(unread)]]
    return out, bad, no_start


def _kinds(from_level, to_level, reason, order, kinds: dict) -> np.ndarray:
    """Each move's kind: the reason's (mapped by ``kinds`` or naming a kind), else promotion when
    the level rises in ``order``, else transfer."""
    rank = {lv: i for i, lv in enumerate(order or [])}
    rises = np.array([rank.get(b, -1) > rank.get(a, 10**9) for a, b in zip(from_level, to_level)], dtype=bool)
    out = np.where(rises, "promotion", "transfer").astype(object)
    if reason is not None:
        lookup = {str(k).strip().lower(): v for k, v in kinds.items()} | {k: k for k in KINDS}
        named = pd.Series(reason, dtype="string").str.lower().map(lookup)
        out = np.where(named.notna().to_numpy(), named.to_numpy(dtype=object), out)
    return out


def moves_between(rows: pd.DataFrame, continues: np.ndarray, ids, dates, order, reason=None,
                   kinds: dict | None = None) -> pd.DataFrame:
    """A move for each row of ``rows`` (sorted by person and time) that continues the row above
    (``continues``) with another region, team or level: dated ``dates``, indexed by the row's
    line, with its from and to states and its kind (:func:`_kinds`)."""
    states = [s for s in STATES if s in rows.columns]
    changed = np.zeros(len(rows), dtype=bool)
    for s in states:
        now, before = rows[s].astype(object).to_numpy(), rows[s].shift(1).astype(object).to_numpy()
        changed |= continues & (now != before) & ~(pd.isna(now) & pd.isna(before))
    moves = pd.DataFrame({"employee_id": np.asarray(ids)[changed], "date": np.asarray(dates)[changed]},
                         index=rows["line"].to_numpy()[changed])
    for s in states:
        moves[f"from_{s}"] = rows[s].shift(1).to_numpy()[changed]
        moves[f"to_{s}"] = rows[s].to_numpy()[changed]
    none = [None] * len(moves)
    moves["kind"] = _kinds(moves.get("from_level", none), moves.get("to_level", none),
                           None if reason is None else np.asarray(reason)[changed], order, kinds or {})
    return moves


def _exit_rows(h: pd.DataFrame, kinds: dict, people_given: bool, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history without its exit rows (a reason the mapping's ``kinds:`` maps to voluntary,
    involuntary or exit), each person's rows after an exit a spell of its own
    (``<id> (spell 2)``); and each spell's exit: dated the exit row's start (the first day gone),
    with its type. Beside a people table, exits are the people table's: exit rows are dropped."""
    exits = pd.DataFrame(columns=["exit_date", "exit_type"])
    lookup = {str(k).strip().lower(): v for k, v in kinds.items() if v in EXIT_KINDS}
    if "reason" not in h or not lookup:
        return h, exits
    is_exit = h["reason"].str.lower().map(lookup).notna().fillna(False).to_numpy(dtype=bool)
    if people_given:
        notes.append(f"{int(is_exit.sum()):,} exit rows dropped: the people table gives hire and exit dates.")
        return h[~is_exit], exits
    person = h["employee_id"].to_numpy()
    after = pd.Series(is_exit.astype(int), index=h.index).groupby(person).cumsum().to_numpy() - is_exit
    spell_id = np.where(after > 0, h["employee_id"] + " (spell " + (after + 1).astype(str) + ")", h["employee_id"])
    h = h.assign(employee_id=spell_id)
    ended = h[is_exit]
    kind = ended["reason"].str.lower().map(lookup)
    exits = pd.DataFrame({"exit_date": ended["start"].to_numpy(),
                          "exit_type": kind.where(kind != "exit").to_numpy(dtype=object)}, index=ended["employee_id"])
    exits = exits[~exits.index.duplicated(keep="first")]
    notes.append(f"{int(is_exit.sum()):,} exit rows (reasons mapped to an exit): the person is gone from the row's "
                 f"start; {int((after > 0).sum()):,} rows after an exit are a rehire, a spell with its own row.")
    return h[~is_exit], exits


def from_history(h: pd.DataFrame, keys, as_of, attributes: dict | None, people_given: bool = False) -> tuple[
        pd.DataFrame, pd.DataFrame, list[str]]:
    """People (hire, exit and the last state; ``None`` columns left to ``people`` when given)
    and moves from typed history rows (:func:`typed_history`, bad rows already set aside), and
    the rules applied with their counts. See the module's rules."""
    notes: list[str] = []
    h = h[h["start"].notna()].copy()
    h["line"] = h.index
    h = h.sort_values(["employee_id", "start", "line"], kind="stable")
    h, exits = _exit_rows(h, keys.kinds, people_given, notes)
    superseded = h["end"].notna() & (h["end"] == h["start"] - DAY)
    if superseded.any():
        notes.append(f"{int(superseded.sum()):,} assignment rows end the day before they start: superseded, dropped.")
    h = h[~superseded]
    h = _one_row_a_day(h, notes)
    h = _returns_after_temporary(h, notes)
    person = h["employee_id"].to_numpy()
    same = np.r_[False, person[1:] == person[:-1]]  # the row continues the person above
    next_start = h["start"].shift(-1)
    overlaps = np.r_[same[1:], False] & (h["end"].isna() | (h["end"] >= next_start)).to_numpy()
    if overlaps.any():
        h.loc[overlaps, "end"] = next_start[overlaps] - DAY
        notes.append(f"{int(overlaps.sum()):,} assignments overlap the next one: the later start is kept, the earlier "
                     "assignment ends the day before.")
    prev_end = h["end"].shift(1)
    gaps = same & (h["start"] > prev_end + DAY).to_numpy()
    if gaps.any():
        days = int((h["start"] - prev_end - DAY)[gaps].dt.days.sum())
        notes.append(f"{int(gaps.sum()):,} gaps between assignments ({days:,} person-days): the person counts as "
                     "employed, in the unit of the assignment before the gap, until the next one starts.")
    states = [s for s in STATES if s in h.columns]
    order = level_order(h["level"], attributes) if "level" in h else None
    moves = moves_between(h, same, person, h["start"].to_numpy(), order,
                           h["reason"].to_numpy() if "reason" in h else None, keys.kinds)
    first = h.groupby("employee_id", sort=False).head(1)
    last = h.groupby("employee_id", sort=False).tail(1).set_index("employee_id")
    out = pd.DataFrame({"employee_id": first["employee_id"].to_numpy()}, index=first["line"].to_numpy().astype(int))
    for s in states:
        out[s] = last.loc[out["employee_id"], s].to_numpy()
    if not people_given:
        out["hire_date"] = first["start"].to_numpy()
        end = last.loc[out["employee_id"], "end"].to_numpy()
        closed = pd.notna(end) & ((end < np.datetime64(as_of)) if as_of is not None else True)
        out["exit_date"] = np.where(closed, end + np.timedelta64(1, "D"), np.datetime64("NaT"))
        if len(exits):  # an exit row says when, and how, the spell ended
            said = out["employee_id"].map(exits["exit_date"])
            out["exit_date"] = said.where(said.notna(), out["exit_date"]).astype("datetime64[ns]")
            out["exit_type"] = out["employee_id"].map(exits["exit_type"])
        notes.append("Hire dates are each person's first assignment start; a person whose last assignment is closed "
                     "left the day after it ends.")
    notes.append(f"Read as an assignment history: {len(h):,} assignments of {len(out):,} people; {len(moves):,} moves "
                 "(every change of region, team or level between consecutive assignments, dated the new start; "
                 + ("kinds from the export's reasons where named, " if "reason" in h else "")
                 + ("promotion when the level rises" if order else "no level order, so no promotions are told")
                 + ", else transfer).")
    return out, moves, notes


def _one_row_a_day(h: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Two assignments of one person starting the same day: the later row in the file is kept
    (it is the correction), never a transfer on that day; counted."""
    twice = h.duplicated(["employee_id", "start"], keep="last")
    if twice.any():
        notes.append(f"{int(twice.sum()):,} assignments start on the same day as another of the same person: the later "
                     "row in the file is kept, and no move is made on that day.")
    return h[~twice]


def _returns_after_temporary(h: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """A temporary assignment inside a longer one (open, or ending later): the person returns
    to the longer one the day after it ends, a row of its own, never a leaver; counted."""
    added = []
    for _ in range(3):  # nested twice over at most, in practice
        nxt = h.groupby("employee_id", sort=False)[["start", "end"]].shift(-1)
        inside = nxt["start"].notna() & nxt["end"].notna() & (h["end"].isna() | (h["end"] > nxt["end"]))
        if not inside.any():
            break
        back = h[inside].copy()
        back["start"] = nxt.loc[inside, "end"] + DAY
        back["line"] = back["line"] + 0.5  # after the row it resumes, for a stable order
        added.append(int(inside.sum()))
        h = pd.concat([h, back]).sort_values(["employee_id", "start", "line"], kind="stable")
        h.index = h["line"].to_numpy()
    if added:
        notes.append(f"{sum(added):,} temporary assignments lie inside a longer one: the person returns to the longer "
                     "one the day after the temporary one ends.")
    return h
