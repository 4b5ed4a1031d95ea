"""Load a talent-network dataset: a folder of CSV/Parquet files, or a built-in synthetic one.

>>> ds = load("synthetic:small")          # built-in, seeded
>>> ds = load("exports/hris", columns={"Employee Number": "employee_id"})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd

from . import schema
from .errors import DataError, ParameterError, Problem
from .privacy import MIN_GROUP, require_group

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
    warnings: list = field(default_factory=list)  # Problems that did not stop the load: shown atop reports

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
            "warnings": [str(w) for w in self.warnings],
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
         encoding: str | None = None, as_of: str | None = None, regions: list[str] | None = None,
         min_group: int = MIN_GROUP) -> Dataset:
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
    regions : keep only these regions (:func:`subset`); the selection must hold at least
        ``min_group`` people, since every figure of the report is then about it.

    Empty values (``{}``, ``""``, ``[]``: a notebook parameter left empty) mean not given.

    Raises
    ------
    DataError listing every problem, each with file, row, column, value and fix.
    """
    columns, files, outside_ok = check_mapping(columns or None, files or None)
    encoding = encoding or None
    source_text = str(source)
    given_as_of = pd.Timestamp(as_of) if as_of else None
    builtin = parse_builtin(source_text) if isinstance(source, str) else None
    if builtin:
        from . import synth

        frames = synth.generate(size=builtin[0], seed=builtin[1])
        raw = {name: (df, f"{name} (built-in)") for name, df in frames.items()}
        problems: list[Problem] = []
        as_of = as_of or synth.AS_OF
    else:
        raw, problems = _read_folder(Path(source), files, encoding, outside_ok)
    typed: dict[str, pd.DataFrame] = {}
    file_names = {name: label for name, (_, label) in raw.items()}
    for name, (df, label) in raw.items():
        frame, found = schema.validate_table(df, schema.TABLES[name], label, columns)
        problems += found
        if frame is not None:
            typed[name] = frame
    if not problems:
        problems += schema.check_references(typed, file_names)
    warnings: list[Problem] = []
    if not problems:
        found, warnings = plausibility(typed, file_names, given_as_of)
        problems += found
    if problems:
        raise DataError(problems, source_text)
    tables = {name: df.reset_index(drop=True) for name, df in typed.items()}
    ds = Dataset(**tables, source=source_text, warnings=warnings)
    ds.as_of = pd.Timestamp(as_of) if as_of else _latest_date(ds)
    ds.warnings += _empty_period_warning(ds, file_names)
    if regions:
        ds = subset(ds, regions)
        require_group(len(ds.people), min_group, "the selected regions")
    return ds


MAPPING_KEYS = ("columns", "files", "files_outside_folder")


def check_mapping(columns, files=None) -> tuple[dict | None, dict | None, bool]:
    """A column mapping (flat, per table, or a mapping file's whole content with ``columns:``,
    ``files:`` and ``files_outside_folder:``) checked for shape: ``(columns, files, outside_ok)``.
    A wrong shape is a :class:`DataError` that says what is expected."""
    where = "the column mapping"
    outside_ok = False
    if columns is None or columns == {}:
        columns = None
    elif not isinstance(columns, dict):
        raise DataError([Problem(where, f"is a {type(columns).__name__}, not a mapping",
                                 "write it as {'Your column': contract_column}, or with columns: and files: keys")])
    elif set(columns) & {"columns", "files"} and set(columns) <= set(MAPPING_KEYS):  # a whole mapping file
        files = {**(_check_dict(columns.get("files"), "files") or {}), **(files or {})}
        outside_ok = columns.get("files_outside_folder", False)
        if not isinstance(outside_ok, bool):
            raise DataError([Problem(where, "files_outside_folder must be true or false",
                                     "write files_outside_folder: true only if a table lives outside the folder")])
        columns = columns.get("columns")
    columns = _check_dict(columns, "columns")
    files = _check_dict(files, "files")
    for key, value in (columns or {}).items():
        if isinstance(value, dict):
            if key not in schema.TABLES:
                raise DataError([Problem(where, f"'{key}' maps to a mapping, but is not a table",
                                         f"nest per-table mappings under a table name: {', '.join(schema.TABLES)}")])
            _check_dict(value, f"columns.{key}", nested=False)
        elif not isinstance(value, str) or not isinstance(key, str):
            raise DataError([Problem(where, f"entry {key!r}: {value!r} is not a column name",
                                     "map each of your column names to a contract name, e.g. 'Start Date': hire_date")])
    for key, value in (files or {}).items():
        if key not in schema.TABLES or not isinstance(value, str) or not value.strip():
            raise DataError([Problem(where, f"files entry {key!r}: {value!r} is not a table and a file name",
                                     f"write files: {{table: file}} with a table among {', '.join(schema.TABLES)}")])
    return columns, files, outside_ok


def _check_dict(value, key: str, nested: bool = True) -> dict | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise DataError([Problem("the column mapping", f"'{key}' is a {type(value).__name__}, not a mapping",
                                 f"write {key}: as 'name: value' lines (a YAML mapping)")])
    if not nested:
        for k, v in value.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise DataError([Problem("the column mapping", f"'{key}' entry {k!r}: {v!r} is not a column name",
                                         "map each of your column names to a contract name")])
    return value


EARLIEST_PLAUSIBLE = pd.Timestamp("1900-01-01")
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
        spec = schema.TABLES[name]
        for col, kind in spec.columns.items():
            if col not in df.columns:
                continue
            values = df[col]
            if values.isna().all() and col not in spec.required:
                warnings.append(Problem(files[name], "the column is empty in every row",
                                        "fill it in, or leave it out of the export (grouped by it, everyone falls in one blank group)",
                                        column=col))
                continue
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
    start = ds.as_of - pd.DateOffset(years=1)
    p = ds.people
    events = [p["hire_date"], p["exit_date"] if "exit_date" in p else None,
              ds.moves["date"] if ds.moves is not None else None]
    if any(e is not None and ((e > start) & (e <= ds.as_of)).any() for e in events):
        return []
    return [Problem(files.get("people", "people"), f"no hire, exit or move in the year before as_of "
                    f"{ds.as_of:%Y-%m-%d}: the period analysed by default is empty",
                    "check the latest dates for a typo, or set as_of (and the period) to when the data ends")]


def _read_folder(folder: Path, files: dict | None, encoding: str | None, outside_ok: bool = False):
    if not folder.exists():
        raise DataError([Problem(str(folder), "no such folder",
                                 "give the folder that holds people.csv, or a built-in name such as 'synthetic'")])
    if not folder.is_dir():
        raise DataError([Problem(str(folder), "not a folder",
                                 "give the folder that holds people.csv (and the other tables), not a single file")])
    raw, problems = {}, []
    for name, spec in schema.TABLES.items():
        path = schema.find_table_file(folder, name, files)
        if path is not None and not outside_ok and not path.resolve().is_relative_to(folder.resolve()):
            problems.append(Problem(str(path), f"the file named for table '{name}' lies outside the dataset folder "
                                    f"{folder}", "move it into the folder, or set files_outside_folder: true in the "
                                    "mapping if that is intended"))
            continue
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
        source=f"{ds.source} [{', '.join(regions)}]", as_of=ds.as_of, warnings=list(ds.warnings))
    return out
