"""Load a talent-network dataset: a folder of CSV/Parquet files, or a built-in synthetic one.

>>> ds = load("synthetic:small")          # built-in, seeded
>>> ds = load("exports/hris", columns={"Employee Number": "employee_id"})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from . import schema
from .schema import DataError, Problem

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
    source: str = ""
    as_of: pd.Timestamp | None = None

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
            "first_hire": f"{p['hire_date'].min():%Y-%m-%d}",
            "as_of": f"{self.as_of:%Y-%m-%d}",
            "regions": {str(k): int(v) for k, v in p["region"].value_counts().sort_index().items()},
        }


def parse_builtin(source: str) -> tuple[str, int] | None:
    """``synthetic``, ``synthetic:small``, ``synthetic:42`` or ``synthetic:small:42`` -> (size, seed)."""
    if not source.startswith(BUILTIN):
        return None
    parts = source.split(":")
    if parts[0] != BUILTIN:
        return None
    size, seed = "default", 0
    for part in parts[1:]:
        if part in ("small", "default", "large"):
            size = part
        elif re.fullmatch(r"\d+", part):
            seed = int(part)
        else:
            raise DataError([Problem(source, f"unknown built-in dataset option '{part}'",
                                     "use synthetic, synthetic:small, synthetic:<seed> or synthetic:small:<seed>")])
    return size, seed


def load(source: str | Path, columns: dict | None = None, files: dict | None = None,
         encoding: str | None = None, as_of: str | None = None) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    source : a folder holding ``people.csv`` (required) and any of ``moves``, ``sessions``,
        ``attendance``, ``candidates``, ``texts`` (``.csv``, ``.csv.gz`` or ``.parquet``);
        or a built-in name: ``synthetic``, ``synthetic:small``, ``synthetic:<seed>``.
    columns : foreign column name -> contract name, flat or per table, so an HRIS export
        is used unedited. A mapping file's whole content also works here: ``{"columns": {...},
        "files": {...}}``.
    files : table -> file name, where the files are not named after the tables.
    encoding : the files' text encoding when it is not UTF-8 (e.g. ``cp1252``).
    as_of : the date the data describes (default: the latest date in the data).

    Raises
    ------
    DataError listing every problem, each with file, row, column, value and fix.
    """
    if columns and set(columns) <= {"columns", "files"}:  # a mapping file's content, passed whole
        files = {**(columns.get("files") or {}), **(files or {})}
        columns = columns.get("columns")
    source_text = str(source)
    builtin = parse_builtin(source_text) if isinstance(source, str) else None
    if builtin:
        from . import synth

        frames = synth.generate(size=builtin[0], seed=builtin[1])
        raw = {name: (df, f"{name} (built-in)") for name, df in frames.items()}
        problems: list[Problem] = []
        as_of = as_of or synth.AS_OF
    else:
        raw, problems = _read_folder(Path(source), files, encoding)
    typed: dict[str, pd.DataFrame] = {}
    file_names = {name: label for name, (_, label) in raw.items()}
    for name, (df, label) in raw.items():
        frame, found = schema.validate_table(df, schema.TABLES[name], label, columns)
        problems += found
        if frame is not None:
            typed[name] = frame
    if not problems:
        problems += schema.check_references(typed, file_names)
    if problems:
        raise DataError(problems, source_text)
    tables = {name: df.reset_index(drop=True) for name, df in typed.items()}
    ds = Dataset(**tables, source=source_text)
    ds.as_of = pd.Timestamp(as_of) if as_of else _latest_date(ds)
    return ds


def _read_folder(folder: Path, files: dict | None, encoding: str | None):
    if not folder.exists():
        raise DataError([Problem(str(folder), "no such folder",
                                 "give the folder that holds people.csv, or a built-in name such as 'synthetic'")])
    if not folder.is_dir():
        raise DataError([Problem(str(folder), "not a folder",
                                 "give the folder that holds people.csv (and the other tables), not a single file")])
    raw, problems = {}, []
    for name, spec in schema.TABLES.items():
        path = schema.find_table_file(folder, name, files)
        if path is None or not path.exists():
            if not spec.optional_table:
                wanted = files[name] if files and name in files else f"{name}.csv"
                problems.append(Problem(str(folder / wanted), f"required table '{name}' not found",
                                        f"add {name}.csv (or .parquet), or name its file with files: {{{name}: <file>}}"))
            continue
        df, found = schema.read_table_file(path, encoding)
        problems += found
        if df is not None:
            raw[name] = (df, path.name)
    return raw, problems


def _latest_date(ds: Dataset) -> pd.Timestamp:
    dates = [ds.people["hire_date"].max()]
    for name, df in ds.tables().items():
        for col in ("exit_date", "date", "applied_date"):
            if col in df.columns and df[col].notna().any():
                dates.append(df[col].max())
    return max(d for d in dates if pd.notna(d))


def subset(ds: Dataset, regions: list[str] | None) -> Dataset:
    """The part of ``ds`` about ``regions``: people who were ever in one of them (now or
    before a move), their moves, the regions' sessions and attendance, candidates and texts.
    ``None`` or an empty list keeps everything."""
    if not regions:
        return ds
    regions = [str(r) for r in regions]
    unknown = sorted(set(regions) - set(ds.people["region"].astype(str)))
    if unknown:
        raise ValueError(f"regions {unknown} are not in the data; it has {sorted(ds.people['region'].unique())}")
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
        source=f"{ds.source} [{', '.join(regions)}]", as_of=ds.as_of)
    return out
