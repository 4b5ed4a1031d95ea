"""Load a talent-network dataset: a folder of CSV/Parquet files, or a built-in synthetic one.

>>> ds = load("synthetic:small")          # built-in, seeded
>>> ds = load("exports/hris", columns={"Employee Number": "employee_id"})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import pooling
from ..core.dates import parse_day
from ..core.errors import DataError, ParameterError, Problem
from ..core.privacy import MIN_GROUP, check_min_group, require_group
from . import assignments, oneday, periodic, schema
from .asof import as_it_stood
from .mapping import FORM_TABLES, Mapping, check_mapping, read_mapping_file
from .setaside import SetAside

BUILTIN = "synthetic"


@dataclass
class Dataset:
    """The typed tables of one dataset. Optional tables are ``None`` when absent.

    ``as_of`` is the date the data describes: the latest date found in any table unless
    given. People still employed are censored there.
    """

    people: pd.DataFrame
    moves: pd.DataFrame | None = None
    sessions: pd.DataFrame | None = None
    attendance: pd.DataFrame | None = None
    candidates: pd.DataFrame | None = None
    texts: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None  # who e-mailed, messaged, met or reviewed whom (metadata only)
    participants: pd.DataFrame | None = None  # who took part in which meeting, thread or paper
    directed_interactions: bool = True  # the mapping's interactions: {directed: false}: ties without a direction
    source: str = ""
    as_of: pd.Timestamp | None = None
    warnings: list = field(default_factory=list)  # Problems that did not stop the load: shown atop reports
    form: str = "events"  # events (dated history) or snapshot (one row a person as of as_of)
    assumptions: list = field(default_factory=list)  # what reading the data assumed, said atop reports
    generated_ids: bool = False  # ids made from row numbers (a snapshot without ids): never shown
    attributes: dict = field(default_factory=dict)  # people's extra columns -> {"kind": ..., "order": [...]}
    hierarchy: dict = field(default_factory=dict)  # finer people column -> coarser (mapping's hierarchy:)
    set_aside: SetAside | None = None  # rows set aside (bad_rows: set_aside): counts for reports, rows for --set-aside-to
    observed_from: pd.Timestamp | None = None  # hires are known only after this day (snapshots: the first one)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name in schema.TABLES and getattr(self, f.name) is not None}

    def summary(self) -> dict:
        """Rows per table, the date span, and the regions (counts only: no ids, no text)."""
        p = self.people
        return {
            "source": self.source,
            "rows": {name: len(df) for name, df in self.tables().items()},
            "form": self.form,
            "first_hire": f"{p['hire_date'].min():%Y-%m-%d}" if p["hire_date"].notna().any() else "",
            "as_of": f"{self.as_of:%Y-%m-%d}" if self.as_of is not None and pd.notna(self.as_of) else "",
            "regions": ({str(k): int(v) for k, v in p["region"].value_counts().sort_index().items()}
                        if "region" in p else {}),
            "attributes": {name: described["kind"] for name, described in self.attributes.items()},
            "warnings": [str(w) for w in self.warnings],
        }

    def people_view(self):
        """``people`` as a report may show it when ids are allowed: without the row numbers
        made up for an export that had no ids."""
        return self.people.drop(columns=["employee_id"]) if self.generated_ids else self.people

    def personal_columns(self) -> list[str]:
        """The export's personal columns (names, contacts, dates of birth, ids:
        :mod:`talentkit.data.personal`), never analysed, grouped by or shown."""
        return [n for n, described in self.attributes.items() if described["kind"] == "personal" and n in self.people]

    def dated_events(self) -> list[pd.Series]:
        """Hires, exits and moves, blanks left out: what activity in a period means."""
        p, moves = self.people, self.moves
        events = [p["hire_date"], p["exit_date"] if "exit_date" in p else None,
                  moves["date"] if moves is not None else None]
        return [e.dropna() for e in events if e is not None]

    def active_between(self, start, end) -> bool:
        """Whether any hire, exit or move falls on ``start`` .. ``end`` (both days included)."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        return any(((e >= start) & (e <= end)).any() for e in self.dated_events())

    def has(self, column: str) -> bool:
        """Whether ``people`` has ``column`` with at least one value."""
        return column in self.people.columns and bool(self.people[column].notna().any())

    def group_keys(self) -> list[str]:
        """The people columns a table may be grouped by: the contract's attributes present and
        the export's own category, boolean and ordinal columns."""
        contract = [k for k in schema.PERSON_KEYS if self.has(k)]
        own = [n for n in self.attributes if self._groupable_kind(n) and self.has(n)]
        return contract + [n for n in own if n not in contract]

    def is_group_key(self, column: str) -> bool:
        """Whether ``column`` is one of :meth:`group_keys`, looking at that column's values
        alone (a million people's: 7 ms a column, where the whole list reads every column)."""
        return (column in schema.PERSON_KEYS or self._groupable_kind(column)) and self.has(column)

    def _groupable_kind(self, column: str) -> bool:
        described = self.attributes.get(column)
        return described is not None and described["kind"] not in ("number", "personal")


def parse_builtin(source: str) -> tuple[str, int, str] | None:
    """``synthetic``, ``synthetic:small``, ``synthetic:42``, ``synthetic:small:42``, with
    ``:zh`` for Chinese texts -> (size, seed, language)."""
    if not source.startswith(BUILTIN):
        return None
    parts = source.split(":")
    if parts[0] != BUILTIN:
        return None
    size, seed, language = "default", 0, "en"
    for part in parts[1:]:
        if part in ("small", "default", "large"):
            size = part
        elif part in ("en", "zh"):
            language = part
        elif re.fullmatch(r"\d+", part):
            seed = int(part)
        elif re.fullmatch(r"\d+(\.\d+)?k", part):  # a people count: the default company scaled
            size = part
        else:
            raise DataError([Problem(source, f"unknown built-in dataset option '{part}'",
                                     "use synthetic, synthetic:small, synthetic:<seed> or synthetic:small:<seed>, "
                                     "a people count such as synthetic:30k, with :zh for Chinese texts")])
    return size, seed, language


def load(source: str | Path, columns: dict | None = None, files: dict | None = None,
         encoding: str | None = None, as_of: str | None = None, regions: list[str] | None = None,
         min_group: int = MIN_GROUP, mapping: str | Path | None = None) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    source : a folder holding ``people.csv`` (required) and any of ``moves``, ``sessions``,
        ``attendance``, ``candidates``, ``texts``, ``interactions``, ``participants`` (``.csv``, ``.csv.gz`` or ``.parquet``); a
        single file (the people table, e.g. an HRIS export); or a built-in name:
        ``synthetic``, ``synthetic:small``, ``synthetic:<seed>``.
    columns : foreign column name -> contract name, flat or per table, so an HRIS export
        is used unedited. A mapping file's whole content also works here (see ``mapping``).
    files : table -> file name, where the files are not named after the tables.
    encoding : the files' text encoding when it is not UTF-8 (e.g. ``cp1252``).
    as_of : the date the data describes (default: the latest date in the data; a snapshot
        export needs it, here or in its mapping).
    regions : keep only these regions (:func:`subset`); the selection must hold at least
        ``min_group`` people, since every figure of the report is then about it.
    mapping : a mapping file (YAML) with any of ``columns:``, ``files:``, ``form:``
        (``events``, ``snapshot``, ``history`` or ``snapshots``), ``as_of:``, ``snapshot:`` (how
        to read a snapshot, see :mod:`talentkit.data.oneday`), ``history:`` and ``snapshots:``
        (see :mod:`talentkit.data.assignments`), ``dates:``, ``decimal:``, ``bad_rows:`` and
        ``max_set_aside:`` (see :mod:`talentkit.data.setaside`) and ``attributes:`` (the kind of
        each extra column); every key is described in :class:`talentkit.data.mapping.Mapping`.

    The steps, each a function below: the mapping checked, the files read, a snapshot export
    or a history or snapshots turned into people and moves, every table typed, bad rows set
    aside (or refused), references and plausibility checked, a dated form cut to the data as
    it stood on ``as_of`` when it is given (:func:`talentkit.data.asof.as_it_stood`), the
    :class:`Dataset` made.

    Empty values (``{}``, ``""``, ``[]``: a notebook parameter left empty) mean not given.

    Raises
    ------
    DataError listing every problem, each with file, row, column, value and fix.
    """
    check_min_group(min_group, allow_small_groups=True)  # a whole number of 1 or more; the notebook's own rule first
    checked = _mapping(mapping, columns, files)
    encoding = encoding or checked.encoding or None
    source_text = str(source)
    asked = _as_of_asked(as_of, checked)  # the one reading of as_of: a day, or None
    raw, problems, day = _read(source, checked, encoding, asked)
    problems += _interactions_from_matrix(raw, checked)
    assumptions = _read_notes(raw)  # what the reading assumed, shown atop reports
    aside = SetAside(checked.max_set_aside, active=checked.bad_rows == "set_aside")
    form = _read_as_snapshot(raw, checked, checked.form, day, assumptions, problems, source_text)
    form = _roster(raw, checked, form, assumptions)
    window: dict = {}  # snapshots: the first and last snapshot day (what they can tell)
    states = _read_dated_form(raw, checked, asked, assumptions, problems, aside, source_text, window)
    cut = asked if form not in ("snapshot", "roster") else None  # a dated form is cut as it stood on as_of
    typed, file_names, kinds = _typed_tables(raw, checked, problems, assumptions, roster=form == "roster")
    problems = _set_aside(typed, raw, file_names, problems, aside)
    if not problems:
        aside.with_people(typed, file_names, raw)
        problems += _set_aside(typed, raw, file_names, schema.check_references(typed, file_names), aside)
        aside.with_people(typed, file_names, raw)  # people set aside for an exit before the hire
    _history_states(typed, states)
    _default_channel(typed, checked)
    warnings: list[Problem] = []
    if not problems:
        warnings += schema.fold_spellings(typed, file_names, [c for c, k in kinds.items() if k["kind"] == "category"])
        found, more = plausibility(typed, file_names, asked if cut is None else None)  # cut: not warned
        warnings += more
        problems += _set_aside(typed, raw, file_names, found, aside)
    if not problems and checked.hierarchy:
        problems += pooling.check_hierarchy(typed["people"], checked.hierarchy, file_names.get("people", "people"))
    if problems:
        raise DataError(problems, source_text)
    typed = _as_it_stood(typed, cut, assumptions)
    day = _within_snapshots(day, window, assumptions)
    ds = _dataset(typed, source_text, warnings, form, assumptions, kinds, day, aside, file_names)
    ds.observed_from = window.get("observed_from")
    ds.directed_interactions = checked.interactions.directed
    _with_hierarchy(ds, checked, file_names)
    if regions:
        ds = subset(ds, regions)
        require_group(len(ds.people), min_group, "the selected regions")
    return ds


def _as_of_asked(as_of, mapping: Mapping) -> pd.Timestamp | None:
    """The ``as_of`` asked (the parameter, else the mapping's) as a day, read once by
    :func:`talentkit.core.dates.parse_day`: every step after this one takes the day. A one-day
    snapshot export describes the day its mapping gives: another ``as_of`` would re-date it."""
    if as_of and mapping.as_of and mapping.form == "snapshot" and parse_day(as_of, "as_of") != parse_day(mapping.as_of, "as_of"):
        raise ParameterError(f"as_of {as_of}: a one-day snapshot export describes the day its mapping gives "
                             f"({parse_day(mapping.as_of, 'as_of'):%Y-%m-%d}), and as_of cannot move it (a backfill over "
                             "it would make a series of one picture); leave as_of empty, or use exports of other days")
    as_of = as_of or mapping.as_of or None
    return parse_day(as_of, "as_of") if as_of else None


def _read_notes(raw: dict) -> list[str]:
    """What reading the files left out (an unnamed empty column...), said among the assumptions."""
    return [note for frame, _ in raw.values() if isinstance(frame, pd.DataFrame)
            for note in frame.attrs.get(schema.READ_NOTES, [])]


def _with_hierarchy(ds: "Dataset", mapping: Mapping, file_names: dict) -> None:
    """A person's department on a day is their team's: the moves carry each level of the
    mapping's hierarchy (in place)."""
    if mapping.hierarchy:
        ds.hierarchy, ds.moves = dict(mapping.hierarchy), pooling.with_parent_moves(ds.moves, ds.people, mapping.hierarchy)
        ds.warnings += pooling.unplaced(ds.moves, mapping.hierarchy, file_names.get("moves", "moves"))


def _within_snapshots(as_of: pd.Timestamp | None, window: dict, assumptions: list[str]) -> pd.Timestamp | None:
    """``as_of``, or the last snapshot's day when it asks for a later one: snapshots say
    nothing of the days after the last of them (who left, who joined), so the figures
    describe that day, and the report says so."""
    last = window.get("last")
    if as_of is not None and last is not None and as_of > last:
        assumptions.append(f"as_of {as_of:%Y-%m-%d} is after the last snapshot ({last:%Y-%m-%d}): the "
                           f"snapshots say nothing of the days between, so the figures describe {last:%Y-%m-%d}.")
        return last.normalize()
    return as_of


def _as_it_stood(typed: dict, day, assumptions: list[str]) -> dict:
    """``typed`` as it stood on ``day`` (:func:`talentkit.data.asof.as_it_stood`), said in
    ``assumptions``; as it is when ``day`` is ``None``."""
    if day is None:
        return typed
    first = typed["people"]["hire_date"].min() if "hire_date" in typed["people"] else pd.NaT
    if pd.notna(first) and day < first:
        raise ParameterError(f"as_of {day:%Y-%m-%d} is before the first hire in the data ({first:%Y-%m-%d}): nobody "
                             f"was employed then; choose a day from {first:%Y-%m-%d}, or leave as_of empty")
    typed, said = as_it_stood(typed, day)
    assumptions += said
    return typed


def _mapping(mapping, columns, files) -> Mapping:
    """The mapping file's content with ``columns`` given beside it, checked."""
    given = read_mapping_file(mapping) if mapping else None
    if given is not None and columns:
        given = {**given, "columns": {**(given.get("columns") or {}), **columns}}
    return check_mapping(given if given is not None else (columns or None), files or None,
                         str(mapping) if mapping else "the column mapping")


def _read(source, mapping: Mapping, encoding, as_of: pd.Timestamp | None) -> tuple[dict, list[Problem],
                                                                                   pd.Timestamp | None]:
    """The raw tables (text, indexed by file line) with their file labels: built in, or read
    from a folder or a single file; the problems of reading; ``as_of`` (the built-in's own)."""
    builtin = parse_builtin(str(source)) if isinstance(source, str) else None
    if builtin:
        from . import synth, synthmarket

        frames = synth.generated(size=builtin[0], seed=builtin[1], language=builtin[2])
        frames["candidates"] = synthmarket.with_institutions(frames["candidates"], builtin[1])
        return {name: (df, f"{name} (built-in)") for name, df in frames.items()}, [], as_of if as_of is not None else synth.AS_OF
    folder, files_given = Path(source), mapping.files
    if folder.is_file():  # one file: the people table (an HRIS or survey export)
        table = mapping.form if mapping.form in FORM_TABLES else "people"
        folder, files_given = folder.parent, {**(mapping.files or {}), table: folder.name}
    raw, problems = _read_folder(folder, files_given, encoding, mapping)
    return raw, problems, as_of


def _dataset(typed: dict, source_text: str, warnings: list, form, assumptions: list, kinds: dict,
             as_of: pd.Timestamp | None, aside, file_names: dict) -> "Dataset":
    """The loaded tables as a :class:`Dataset`: an empty ``exit_date`` where the export has
    none, its ``as_of``, and the rows set aside said first among the assumptions."""
    tables = {name: df.reset_index(drop=True) for name, df in typed.items() if name in schema.TABLES}
    if "exit_date" not in tables["people"]:  # every analysis reads it: absent, nobody has left
        tables["people"]["exit_date"] = pd.Series(pd.NaT, index=tables["people"].index, dtype="datetime64[ns]")
        if form != "roster":  # a roster has no dates at all: nothing to say about one of them
            assumptions.append("The people table has no exit_date column: everyone is counted as still employed.")
    generated = form == "snapshot" and tables["people"]["employee_id"].astype(str).str.startswith(
        oneday.GENERATED_ID_PREFIX).all()
    if aside.records:
        why = "bad_rows: set_aside" if aside.active else "the form's rule: an assignment or snapshot row without its day"
        assumptions[:0] = [f"Rows set aside ({why}): {line}." for line in aside.summary()]
    ds = Dataset(**tables, source=source_text, warnings=warnings, form=form or "events", assumptions=assumptions,
                 generated_ids=bool(generated), attributes=kinds,
                 set_aside=aside if aside.records else None)
    if as_of is not None:
        ds.as_of = as_of
    else:
        ds.as_of, stray = _latest_date(ds)
        ds.warnings += [stray] if stray else []
    if ds.form in ("events", "history", "snapshots"):
        ds.warnings += _empty_period_warning(ds, file_names)
    return ds


def _set_aside(typed: dict, raw: dict, files: dict, problems: list[Problem], aside: SetAside,
               force: bool = False) -> list[Problem]:
    """``problems`` that refuse the load: all of them under ``bad_rows: refuse`` (unless
    ``force``: a rule sets them aside whatever it says), or any one not tied to a row, or a
    table's bad rows above ``max_set_aside``; else none, the bad rows having left ``typed`` (in
    place) and been recorded in ``aside``."""
    if not problems or not (aside.active or force):
        return problems
    by_row, rest = aside.split(problems, files)
    if rest or any(typed.get(t) is None for t in by_row):
        return problems
    refusals = []
    for table, rows in by_row.items():
        typed[table], refused = aside.take(table, typed[table], rows, files[table], raw.get(table, (None,))[0],
                                           by_rule=force)
        refusals += refused
    return refusals + (problems[:20] if refusals else [])


def _read_dated_form(raw: dict, mapping: Mapping, as_of, assumptions: list[str], problems: list[Problem], aside,
                     source_text: str, window: dict | None = None) -> pd.DataFrame | None:
    """A history or snapshots table turned into raw ``people`` and ``moves`` (in ``raw``, in
    place) by :mod:`talentkit.data.assignments`' rules, said in ``assumptions``. Returns, for a history
    beside a people table, each person's last region, team and level (the people table's own
    are replaced by them); its bad rows refuse or are set aside by the mapping's ``bad_rows:``."""
    if mapping.form not in FORM_TABLES or mapping.form not in raw:
        return None
    if problems:  # the files could not all be read: their problems refuse the load, the form is not read
        raw.pop(mapping.form)
        return None
    parts, label = raw.pop(mapping.form)
    parts = parts if isinstance(parts, list) else [(parts, label)]  # snapshots may come one file per period
    typed_parts = []
    for df, part_label in parts:
        typed = _typed_form_table(df, part_label, mapping, assumptions, problems, aside)
        if typed is not None:
            typed_parts.append(typed)
    if problems:
        raise DataError(problems, source_text)
    typed = typed_parts[0] if len(typed_parts) == 1 else pd.concat(typed_parts, ignore_index=True).set_axis(
        pd.RangeIndex(2, 2 + sum(map(len, typed_parts))))  # stacked: a row's line is its place in the stack
    given_people = mapping.form == "history" and "people" in raw  # snapshots give the people themselves
    if mapping.form == "history":
        people, moves, notes = assignments.from_history(typed, mapping.history, as_of, mapping.attributes, given_people)
    else:
        people, moves, notes = periodic.from_snapshots(typed, as_of, mapping.attributes)
        days = typed["snapshot_date"].dropna()
        days = days[days <= as_of] if as_of is not None else days
        if window is not None and len(days):
            window["last"] = days.max()
            if "hire_date" not in typed.columns:  # who was there at the first snapshot joined at an unknown day
                window["observed_from"] = days.min()
    assumptions += notes
    if "moves" in raw:
        assumptions.append(f"{raw['moves'][1]} is not read: the {mapping.form} gives the moves.")
    raw.pop("moves", None)
    if len(moves):  # nobody moved: no moves table, as in an event export without one
        raw["moves"] = (moves, f"{label} (as moves)")
    if not given_people:
        raw["people"] = (people, f"{label} (as people)")
        return None
    return people.set_index("employee_id")[[s for s in assignments.STATES if s in people.columns]]


def _typed_form_table(df: pd.DataFrame, label: str, mapping: Mapping, assumptions: list[str], problems: list[Problem],
                      aside: SetAside) -> pd.DataFrame | None:
    """One history or snapshots file typed by :mod:`talentkit.data.assignments`, its bad rows set aside
    (or added to ``problems``, which refuse the load): rows without a start, or a snapshot row
    without its day, are set aside whatever ``bad_rows`` says (the form's rule)."""
    reader = assignments.typed_history if mapping.form == "history" else periodic.typed_snapshots
    typed, bad, no_start = reader(df, label, getattr(mapping, str(mapping.form)), mapping.columns, mapping.date_rules,
                                    assumptions)
    if typed is None:
        problems += bad
        return None
    holder, files = {mapping.form: typed}, {mapping.form: label}
    problems += _set_aside(holder, {mapping.form: (df, label)}, files, no_start, aside, force=True)
    problems += _set_aside(holder, {mapping.form: (df, label)}, files, bad, aside)
    return holder[mapping.form]


def _interactions_from_matrix(raw: dict, mapping: Mapping) -> list[Problem]:
    """A survey matrix (``interactions: {matrix: true}``) read as an edge list, in ``raw``: the
    first column names the respondent (sender), every other column a person named (recipient),
    a cell the tie's weight; blank or 0 is no tie. Each edge keeps its respondent's file line,
    so a later problem names the row. A cell that is not a number is a problem naming its row
    and column."""
    if not mapping.interactions.matrix or "interactions" not in raw:
        return []
    frame, label = raw["interactions"]
    if frame.shape[1] < 2:
        return [Problem(label, "a survey matrix needs the respondent's id and one column per person",
                        "write the respondent's id first, then one column per person named")]
    sender, named = frame.columns[0], list(frame.columns[1:])
    ids = frame[sender].astype("string").str.strip()
    twice = ids[ids.duplicated(keep="first") & ids.notna() & (ids != "")]
    if len(twice):  # summed silently, a respondent would count double
        first = ids[ids == twice.iloc[0]].index[0]
        return [Problem(label, f"respondent '{twice.iloc[0]}' has {int((ids == twice.iloc[0]).sum())} rows (the first on "
                        f"line {first}); {len(twice)} row(s) repeat a respondent", "keep one row per respondent "
                        "(merge their answers first)", int(twice.index[0]), str(sender), str(twice.iloc[0]))]
    cells = frame.melt(id_vars=[sender], value_vars=named, var_name="recipient_id", value_name="weight",
                       ignore_index=False).rename(columns={sender: "sender_id"})
    text = cells["weight"].astype("string").str.strip()
    weight = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (text != "") & weight.isna()
    problems = [Problem(label, "a tie's weight is not a number", "write a number (blank or 0: no tie)", int(line),
                        str(name), str(value)) for line, name, value in
                zip(cells.index[bad], cells.loc[bad, "recipient_id"], text[bad])][:20]
    edges = cells[weight.fillna(0) != 0].assign(weight=text[weight.fillna(0) != 0]).sort_index(kind="stable")
    raw["interactions"] = (edges[["sender_id", "recipient_id", "weight"]], f"{label} (a survey matrix)")
    mapping.columns = {k: v for k, v in (mapping.columns or {}).items() if k != "interactions"} or None
    return problems


def _default_channel(typed: dict, mapping: Mapping) -> None:
    """The mapping's ``interactions: {channel: ...}`` as every tie's channel where the file has
    none (in place)."""
    frame = typed.get("interactions")
    if frame is not None and mapping.interactions.channel and "channel" not in frame.columns:
        frame["channel"] = mapping.interactions.channel


def _history_states(typed: dict, states: pd.DataFrame | None) -> None:
    """Each person's last region, team and level from their history, over the people table's
    own (in place): the history says where a person is."""
    if states is None or "people" not in typed or typed["people"] is None:
        return
    people = typed["people"]
    for column in states.columns:
        value = people["employee_id"].map(states[column])
        people[column] = value.where(value.notna(), people[column] if column in people else None)


def _read_as_snapshot(raw: dict, mapping: Mapping, form: str | None, as_of: pd.Timestamp | None, assumptions: list[str],
                      problems: list[Problem],
                      source_text: str) -> str | None:
    """The people table read as a snapshot export when the mapping says so or its columns
    show it (no hire dates; tenure and a leaver flag): ``raw["people"]`` replaced by the
    people it describes, what was assumed added to ``assumptions``. Returns the form; a
    snapshot that cannot be read raises its problems at once."""
    columns = mapping.columns
    snapshot_section = mapping.snapshot
    renamed = raw["people"][0].rename(columns=schema.mapping_for("people", columns)) if "people" in raw else None
    if renamed is not None and not problems and form != "snapshot":
        detected = oneday.detect(list(renamed.columns)) if form is None else None
        if detected is not None:
            form, snapshot_section = "snapshot", detected
            assumptions.append(f"Read as a snapshot export (detected: no hire dates; tenure in "
                               f"'{detected['tenure']}' taken as years, leavers from '{detected['left']}'). Write "
                               "form: snapshot in a mapping file to say so, or to read it otherwise.")
    if form == "snapshot" and renamed is not None and not problems:
        label = raw["people"][1]
        snapshot_section = snapshot_section or {}
        problems += oneday.check_section(snapshot_section, "the mapping")
        if as_of is None and assumptions:  # detected, not declared: say how to declare it
            problems.append(Problem(label, "this looks like a snapshot export (no hire dates; tenure in "
                                    f"'{snapshot_section['tenure']}', leavers in '{snapshot_section['left']}') and needs the "
                                    "day it describes", "pass as_of, or write a mapping file: "
                                    + oneday.suggested_mapping(snapshot_section)))
        elif as_of is None:
            problems.append(Problem(label, "a snapshot export needs the day it describes",
                                    "write as_of: YYYY-MM-DD in the mapping file (or pass as_of)"))
        if not problems:
            converted, made, found = oneday.to_people(renamed, snapshot_section, as_of, label,
                                                        decimal=mapping.decimal)
            raw["people"] = (converted, label)
            assumptions += made
            problems += found
        if problems:  # the people table could not be read as a snapshot: nothing after this would help
            raise DataError(problems, source_text)
    return form


ROSTER_TABLES = ("interactions", "participants", "texts")  # what a people list without dates may come with


DATED_TABLES = ("moves", "sessions", "attendance", "candidates")  # beside these, a missing hire_date is an error


def _roster(raw: dict, mapping, form: str | None, assumptions: list[str]) -> str | None:
    """``roster`` for a people list without dates: said in the mapping (``form: roster``), or
    a people table with no date column at all (none named or close to hire_date or
    exit_date) beside ties or texts and no dated table. A valid dataset for the analyses that
    need no dates (who works with whom, what texts say), with nothing invented; else
    ``form`` as it was (a hire_date column mistyped stays an error that names it)."""
    if form == "roster" and "people" in raw:
        pass
    elif form or mapping.form in FORM_TABLES or "people" not in raw or not any(t in raw for t in ROSTER_TABLES) \
            or any(t in raw for t in DATED_TABLES):
        return form
    columns = [str(c) for c in raw["people"][0].rename(columns=schema.mapping_for("people", mapping.columns)).columns]
    if form != "roster" and ("hire_date" in columns or "exit_date" in columns
                             or schema.close_match("hire_date", columns) or schema.close_match("exit_date", columns)):
        return form
    assumptions.append("A people list without dates (no hire_date column): the sections that need hire and exit "
                       "dates are skipped, each saying so; ties and texts are read as recorded.")
    return "roster"


MAX_OWN_COLUMNS = 200  # an export's own people columns read without being named (each is profiled, screened)


def _bounded_columns(df: pd.DataFrame, mapping, label: str, problems: list[Problem], notes: list[str]) -> pd.DataFrame:
    """The people table with at most :data:`MAX_OWN_COLUMNS` columns of the export's own: a
    wider export (3,000 columns once took 00 and 06 past their time limit) reads only the
    columns its mapping's ``attributes:`` names, said; without them it is refused."""
    contract = set(schema.mapping_for("people", mapping.columns)) | set(schema.PEOPLE.columns)
    own = [c for c in df.columns if c not in contract]
    if len(own) <= MAX_OWN_COLUMNS:
        return df
    named = set(map(str, mapping.attributes or {}))
    if not named:
        problems.append(Problem(label, f"the people table has {len(own):,} columns of its own, more than the "
                                f"{MAX_OWN_COLUMNS} read without being named", "name the columns to read under "
                                "attributes: in the mapping (with their kinds); the others are then left out"))
        return df[[c for c in df.columns if c in contract]]  # refused: not worth typing 3,000 columns first
    notes.append(f"{label}: {len(own) - len(named & set(own)):,} of its {len(own):,} own columns are left out; only "
                 "those the mapping's attributes: names are read.")
    return df[[c for c in df.columns if c in contract or c in named]]


def _typed_tables(raw: dict, mapping, problems: list[Problem], notes: list[str],
                  roster: bool = False) -> tuple[dict, dict, dict]:
    """Every table validated and typed by the contract (problems added to ``problems``): the
    typed tables, each table's file label, and the kinds of the people table's own columns.
    A ``roster``'s people need only their ids; their dates are empty."""
    typed: dict[str, pd.DataFrame] = {}
    file_names = {name: label for name, (_, label) in raw.items()}
    kinds: dict[str, dict] = {}
    for name, (df, label) in raw.items():
        table = schema.TABLES[name]
        if name == "people":
            df = _bounded_columns(df, mapping, label, problems, notes)
        if roster and name == "people":
            table = replace(table, required=("employee_id",))
        frame, found = schema.validate_table(df, table, label, mapping.columns, mapping.decimal, mapping.date_rules, notes)
        problems += found
        if frame is not None and roster and name == "people":
            frame["hire_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        if frame is not None and name == "people":
            # a level of the mapping's hierarchy is a unit, whatever its values look like (department 185)
            levels = {str(c): "category" for pair in (mapping.hierarchy or {}).items() for c in pair
                      if str(c) in frame.columns and str(c) not in schema.PEOPLE.columns}
            frame, kinds, found = schema.type_attributes(frame, schema.PEOPLE, {**levels, **(mapping.attributes or {})},
                                                         label, mapping.decimal)
            problems += found
        if frame is not None:
            typed[name] = frame
    return typed, file_names, kinds


EARLIEST_PLAUSIBLE = pd.Timestamp("1900-01-01")
MAX_TIE_WEIGHT = 1e12  # a tie's weight: messages, minutes, reviews; sums of larger ones lose their digits
FUTURE_TOLERANCE = pd.Timedelta(days=366)  # a signed hire may start next year; 2099 is a typo


def plausibility(tables: dict[str, pd.DataFrame], files: dict[str, str],
                 as_of: pd.Timestamp | None = None, today: pd.Timestamp | None = None):
    """Dates that cannot be right (errors) and what looks wrong (warnings), each with file and row.

    Errors: a date before 1900, or more than a year after today (one mistyped year would
    otherwise move the whole analysis, since ``as_of`` defaults to the latest date).
    Warnings: dates after today, dates after a given ``as_of`` (outside the analysis), and
    columns that are empty in every row (grouping by them would give one blank group).
    """
    today = pd.Timestamp(today) if today is not None else pd.Timestamp.today().normalize()
    errors, warnings = [], []
    for name, df in tables.items():
        contract = schema.TABLES[name]
        for col, kind in contract.columns.items():
            if col not in df.columns:
                continue
            values = df[col]
            if values.isna().all() and col not in contract.required:
                warnings.append(Problem(files[name], "the column is empty in every row",
                                        "fill it in, or leave it out of the export (grouped by it, everyone falls in one "
                                        "blank group)",
                                        column=col))
                continue
            if (name, col) == ("interactions", "weight"):
                for row, value in values[values < 0].head(20).items():
                    errors.append(Problem(files[name], "a tie's weight is negative", "write the messages, minutes or "
                                          "reviews the tie stands for (0 or more)", row, col, f"{value:g}"))
                huge = values[~np.isfinite(values.fillna(0)) | (values > MAX_TIE_WEIGHT)]
                for row, value in huge.head(20).items():  # summed, 1e308 overflows to infinity
                    errors.append(Problem(files[name], f"a tie's weight is not a finite number of at most "
                                          f"{MAX_TIE_WEIGHT:.0e}", "write the messages, minutes or reviews the tie "
                                          "stands for; rescale a column of larger numbers", row, col, f"{value:g}"))
            if kind != "date":
                continue
            for row, value in values[values < EARLIEST_PLAUSIBLE].items():
                errors.append(Problem(files[name], "the date is before 1900", "correct the year", row, col,
                                      f"{value:%Y-%m-%d}"))
            for row, value in values[values > today + FUTURE_TOLERANCE].items():
                errors.append(Problem(files[name], f"the date is more than a year after today ({today:%Y-%m-%d})",
                                      "correct the year (a mistyped year would move the whole analysis)",
                                      row, col, f"{value:%Y-%m-%d}"))
            future = values[(values > today) & (values <= today + FUTURE_TOLERANCE)]
            if len(future):
                row, value = next(iter(future.items()))
                warnings.append(Problem(files[name], f"{len(future)} date(s) after today ({today:%Y-%m-%d}), "
                                        f"first at this row", "check them; set as_of to the export's date",
                                        row, col, f"{value:%Y-%m-%d}"))
            if as_of is not None:
                late = values[values > as_of]
                if len(late):
                    row, value = next(iter(late.items()))
                    warnings.append(Problem(files[name], f"{len(late)} date(s) after as_of {as_of:%Y-%m-%d}, first "
                                            "at this row; they lie outside the analysis",
                                            "set as_of to the export's date, or leave it empty", row, col,
                                            f"{value:%Y-%m-%d}"))
    return errors, warnings


def _empty_period_warning(ds: "Dataset", files: dict[str, str]) -> list[Problem]:
    """A warning when the year before ``as_of`` holds no hire, exit or move: the period the
    notebooks analyse by default would be empty (often one row dated far after the rest)."""
    if ds.active_between(ds.as_of - pd.DateOffset(years=1) + pd.Timedelta(days=1), ds.as_of):
        return []
    return [Problem(files.get("people", "people"), f"no hire, exit or move in the year before as_of "
                    f"{ds.as_of:%Y-%m-%d}: the period analysed by default is empty",
                    "check the latest dates for a typo, or set as_of (and the period) to when the data ends")]


def _read_folder(folder: Path, files: dict | None, encoding: str | None, mapping: Mapping | None = None):
    if not folder.exists():
        raise DataError([Problem(str(folder), "no such folder",
                                 "give the folder that holds people.csv, or a built-in name such as 'synthetic'")])
    if not folder.is_dir():
        raise DataError([Problem(str(folder), "not a folder",
                                 "give the folder that holds people.csv (and the other tables), not a single file")])
    raw, problems = {}, []
    outside_ok = mapping is not None and mapping.files_outside_folder
    form = mapping.form if mapping is not None and mapping.form in FORM_TABLES else None
    wanted_tables = {name: t.optional_table and name != form for name, t in schema.TABLES.items()}
    if form:  # the form's own table is required; people is optional beside it
        wanted_tables |= {"people": True, form: False}
    periods = mapping.snapshots.files if form == "snapshots" and mapping is not None and mapping.snapshots else None
    if periods:
        wanted_tables.pop("snapshots")
        raw["snapshots"], found = _read_periods(folder, periods, encoding, outside_ok)
        problems += found
    for name, optional in wanted_tables.items():
        path = schema.find_table_file(folder, name, files)
        if path is not None and not outside_ok and not path.resolve().is_relative_to(folder.resolve()):
            problems.append(Problem(str(path), f"the file named for table '{name}' lies outside the dataset folder "
                                    f"{folder}", "move it into the folder, or set files_outside_folder: true in the "
                                    "mapping if that is intended"))
            continue
        if path is None or not path.exists():
            if not optional:
                wanted = files[name] if files and name in files else f"{name}.csv"
                problems.append(Problem(str(folder / wanted), f"required table '{name}' not found",
                                        f"add {name}.csv (or .parquet), or name its file with files: {{{name}: <file>}}"))
            continue
        df, found = schema.read_table_file(path, encoding)
        problems += found
        if df is not None:
            raw[name] = (df, path.name)
    return raw, problems


def _read_periods(folder: Path, periods: dict, encoding, outside_ok: bool = False) -> tuple[tuple, list[Problem]]:
    """Snapshots written one file per period (``snapshots: {files: {file: day}}``): each file
    read, with the day the mapping gives it; ``([(frame, file)...], label)`` and the problems
    of reading."""
    parts, problems = [], []
    for name, day in sorted(periods.items(), key=lambda kv: kv[1]):
        path = folder / name
        if not outside_ok and not path.resolve().is_relative_to(folder.resolve()):
            problems.append(Problem(str(path), "the snapshot file lies outside the dataset folder",
                                    "move it into the folder, or set files_outside_folder: true in the mapping if "
                                    "that is intended"))
            continue
        if not path.is_file():
            problems.append(Problem(str(path), "the snapshot file named in snapshots: files: is not there",
                                    "correct the name, or remove it from the list"))
            continue
        df, found = schema.read_table_file(path, encoding)
        problems += found
        if df is not None:
            df[assignments.PERIOD_DAY] = pd.Timestamp(day)  # the mapping's day, typed already
            parts.append((df, path.name))
    return (parts, f"{len(parts)} snapshot files"), problems


STRAY_GAP = pd.Timedelta(days=365)  # a latest date this far after all the others is stray
STRAY_SHARE = 0.001  # ... when at most this share of the dated events (and at least one) lie there
STRAY_FROM = 20  # dated events a dataset needs before any is called stray


def _latest_date(ds: Dataset) -> tuple[pd.Timestamp | None, Problem | None]:
    """The default ``as_of``: the latest dated event (hire, exit, move, session, tie,
    application), unless the latest few are stray. The rule: of at least :data:`STRAY_FROM`
    dated events, the latest ``k`` (at most :data:`STRAY_SHARE` of them, and at least one) lie
    more than :data:`STRAY_GAP` after every other; then the default is the latest other date,
    and a warning says which dates were passed over. An ``as_of`` given always wins."""
    parts = []
    for name, df in ds.tables().items():
        for col in ("hire_date", "exit_date", "date", "applied_date"):
            if col in df.columns and df[col].notna().any() and (col != "hire_date" or name == "people"):
                parts.append(pd.DataFrame({"day": df[col].dropna().to_numpy(), "where": f"{name}.{col}"}))
    if not parts:  # a roster with undated ties: no day to describe
        return None, None
    events = pd.concat(parts, ignore_index=True).sort_values("day", kind="stable", ignore_index=True)
    latest = events["day"].iloc[-1]
    if len(events) < STRAY_FROM:
        return latest, None
    most = max(1, int(len(events) * STRAY_SHARE))
    gaps = events["day"].diff().iloc[-most:]
    far = gaps[gaps > STRAY_GAP]
    if far.empty:
        return latest, None
    first_stray = far.index[0]  # the widest set of stray dates the rule allows
    kept = events["day"].iloc[first_stray - 1]
    stray = events.iloc[first_stray:]
    where = ", ".join(f"{w} {d:%Y-%m-%d}" for w, d in zip(stray["where"].head(3), stray["day"].head(3)))
    return kept, Problem(ds.source or "the data", f"{len(stray)} date(s) lie more than a year after every other "
                         f"date of the data ({where}); the default as_of is the latest other date, {kept:%Y-%m-%d}",
                         "check those dates for a typo; set as_of to choose the day the analysis describes")


def subset(ds: Dataset, regions: list[str] | None) -> Dataset:
    """The part of ``ds`` about ``regions``: people who were ever in one of them (now or
    before a move), their moves, the regions' sessions and attendance, candidates and texts,
    the interactions they sent or received, and their rows of participants.
    ``None`` or an empty list keeps everything."""
    if not regions:
        return ds
    regions = [str(r) for r in regions]
    unknown = sorted(set(regions) - set(ds.people["region"].astype(str)))
    if unknown:
        raise ParameterError(f"regions {unknown} are not in the data; it has {sorted(ds.people['region'].unique())}")
    keep = ds.people["region"].isin(regions)
    moves = ds.moves
    if moves is not None and "from_region" in moves.columns:
        keep |= ds.people["employee_id"].isin(moves.loc[moves["from_region"].isin(regions), "employee_id"])
    people = ds.people[keep].reset_index(drop=True)
    ids = set(people["employee_id"])

    def only(df, mask):
        return None if df is None else df[mask(df)].reset_index(drop=True)

    sessions = only(ds.sessions, lambda s: s["presenter_id"].isin(ids) & (s["region"].isin(regions)
                                                                           if "region" in s else True))
    out = Dataset(
        people=people,
        moves=only(moves, lambda m: m["employee_id"].isin(ids)),
        sessions=sessions,
        attendance=only(ds.attendance, lambda a: a["employee_id"].isin(ids)
                        & a["session_id"].isin(set(sessions["session_id"]) if sessions is not None else set())),
        candidates=only(ds.candidates, lambda c: c["region"].isin(regions) if "region" in c else c.index >= 0),
        texts=only(ds.texts, lambda t: t["employee_id"].isin(ids) | t["employee_id"].isna()
                   if "employee_id" in t else t.index >= 0),
        interactions=only(ds.interactions, lambda t: t["sender_id"].isin(ids) | t["recipient_id"].isin(ids)),
        participants=only(ds.participants, lambda t: t["employee_id"].isin(ids)),
        source=f"{ds.source} [{', '.join(regions)}]", as_of=ds.as_of, warnings=list(ds.warnings),
        directed_interactions=ds.directed_interactions)
    return out
