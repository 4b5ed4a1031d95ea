"""Table contracts of a talent-network dataset, and validation that reports every problem.

Each table of the data contract (README, "Your own data") is a :class:`TableContract`. Raw files are read
as text, coerced column by column (so an unparseable value can be quoted as it was
written), then checked with a pandera schema (categories, uniqueness, missing values)
and across tables (ids that must exist in ``people``, exits before hires). Every problem
found becomes a :class:`Problem`; all of them are raised together as one
:class:`DataError`, never a pandas or pandera traceback.
"""

from __future__ import annotations

import difflib
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..core.dates import DATE_ORDER_NAMES, DateRules, read_dates
from ..core.errors import DataError, Problem, problems_by_value, short_text
from . import personal
from .numbers import ambiguity, decimal_for, read_numbers

MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none", "nat", "-"}
TRUE_TOKENS = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_TOKENS = {"false", "f", "no", "n", "0", "0.0"}
@dataclass(frozen=True)
class TableContract:
    """A table of the contract: its columns with their kinds, and which are required.

    Kinds: ``id`` (non-empty text), ``text``, ``date`` (ISO ``YYYY-MM-DD``, or as the mapping's
    ``dates:`` says, see :func:`talentkit.core.dates.read_dates`), ``bool``,
    ``number``, or a tuple of allowed lower-case values (a category).
    """

    name: str
    columns: dict[str, Any]  # a kind (str) or a tuple of allowed values
    required: tuple[str, ...]
    key: str | None = None  # unique per row
    optional_table: bool = True
    nullable_required: tuple[str, ...] = field(default=())  # required columns that may hold blanks


PEOPLE = TableContract(
    "people",
    {
        "employee_id": "id", "hire_date": "date", "exit_date": "date",
        "exit_type": ("voluntary", "involuntary"), "regretted": "bool", "region": "text",
        "team": "text", "level": "text", "skill": "text",
        "origin": ("local", "international"), "channel": "text", "tenure_months": "number",
    },
    # Only what every analysis needs; the rest unlocks sections (see talentkit.coverage).
    # tenure_months is set by a snapshot's conversion (the export's own tenure).
    required=("employee_id", "hire_date"),
    key="employee_id",
    optional_table=False,
)
MOVES = TableContract(
    "moves",
    {
        "employee_id": "id", "date": "date", "from_region": "text", "to_region": "text",
        "from_team": "text", "to_team": "text", "kind": ("rotation", "transfer", "promotion"),
        "from_level": "text", "to_level": "text",  # a history's or snapshots' change of level
    },
    required=("employee_id", "date"),
)
SESSIONS = TableContract(
    "sessions",
    {"session_id": "id", "date": "date", "presenter_id": "id", "region": "text",
     "topic": "text", "recorded": "bool"},
    required=("session_id", "date", "presenter_id", "recorded"),
    key="session_id",
)
ATTENDANCE = TableContract(
    "attendance", {"session_id": "id", "employee_id": "id"},
    required=("session_id", "employee_id"),
)
CANDIDATES = TableContract(
    "candidates",
    {
        "candidate_id": "id", "channel": "text", "origin": ("local", "international"),
        "region": "text", "skill": "text", "applied_date": "date",
        "reached": ("applied", "screen", "interview", "offer", "hired"), "offer_declined": "bool",
        "institution": "text",  # where the candidate comes from (a university): 08 sets it beside the talent market
    },
    required=("candidate_id", "channel", "origin"),
    key="candidate_id",
)
TEXTS = TableContract(
    "texts",
    {"text": "text", "label": "text", "task": ("retention", "attraction", "pulse"),
     "employee_id": "id", "candidate_id": "id", "date": "date"},
    required=("text", "label"),
)

# Collaboration metadata (never content): one row per sender, recipient and, optionally, day and
# channel, weight the messages, minutes or reviews it stands for (1 when absent). A sender or
# recipient need not be in people (an external person): counted, never placed in a unit.
INTERACTIONS = TableContract(
    "interactions",
    {"sender_id": "id", "recipient_id": "id", "date": "date", "weight": "number", "channel": "text"},
    required=("sender_id", "recipient_id"),
)
# A meeting, thread or paper with many people: one row per event and person; pairwise ties are
# derived with Newman's 1/(n - 1) weighting (talentkit.collaboration).
PARTICIPANTS = TableContract(
    "participants", {"event_id": "id", "employee_id": "id", "date": "date", "channel": "text"},
    required=("event_id", "employee_id"),
)

TABLES: dict[str, TableContract] = {t.name: t for t in (PEOPLE, MOVES, SESSIONS, ATTENDANCE, CANDIDATES, TEXTS,
                                                    INTERACTIONS, PARTICIPANTS)}
PERSON_KEYS = ("region", "team", "level", "skill", "origin", "channel")  # the contract's people attributes
FUNNEL_STAGES = CANDIDATES.columns["reached"]

# References that must resolve: (table, column) -> (table, key column)
REFERENCES = {
    ("moves", "employee_id"): ("people", "employee_id"),
    ("attendance", "employee_id"): ("people", "employee_id"),
    ("attendance", "session_id"): ("sessions", "session_id"),
    ("sessions", "presenter_id"): ("people", "employee_id"),
}


def _stripped(series: pd.Series, lower: bool = False) -> pd.Series:
    """``series.astype("string").str.strip()`` (and ``.str.lower()``). A column of text is
    worked out once per distinct value: an export repeats a few values over many rows, and
    stripping every row was most of reading the built-in company (0.6 s of its 0.7 s)."""
    def cleaned(values: pd.Series) -> pd.Series:
        text = values.astype("string").str.strip()
        return text.str.lower() if lower else text

    text_column = series.dtype == object or isinstance(series.dtype, pd.StringDtype)
    if not text_column or pd.api.types.infer_dtype(series, skipna=True) != "string":
        return cleaned(series)
    codes, distinct = pd.factorize(series)  # only str values: equal values are equal texts
    return pd.Series(cleaned(pd.Series(distinct)).array.take(codes, allow_fill=True), index=series.index,
                     name=series.name)


def _is_missing(series: pd.Series) -> pd.Series:
    """Blank: NA, or text that :data:`MISSING_TOKENS` names. A column of numbers, dates or
    true/false values holds no text, so only its NA."""
    kind = series.dtype
    if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind):  # bool is numeric here
        return series.isna()
    return series.isna() | _stripped(series, lower=True).isin(MISSING_TOKENS).fillna(True)


# --------------------------------------------------------------------------- reading files


def read_export(path: Path) -> pd.DataFrame:
    """A table a mapping names (a survey, research records, programmes), read as text by
    :func:`read_table_file`; a file that cannot be read is an error naming it."""
    df, problems = read_table_file(path, None)
    if df is None or problems:
        raise DataError(problems or [Problem(str(path), "cannot be read", "check the file")], str(path))
    return df


def read_table_file(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV (any of , ; tab | as delimiter, optionally gzipped) or Parquet file as text.

    Returns the frame indexed by the row number a person sees in the file (CSV: the
    line, with the header on line 1; Parquet: the 1-based row), or ``None`` and the
    problems that stopped it.
    """
    name = path.name
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith(".parquet") or suffixes.endswith(".pq"):
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 -- pyarrow raises many kinds; all mean "cannot read"
            return None, [Problem(name, f"not a readable Parquet file ({type(exc).__name__}: {short_text(exc, 80)})",
                                  "export the table again as Parquet or as a UTF-8 CSV")]
        df.index = pd.RangeIndex(1, len(df) + 1)
        df.columns = [str(c).strip() for c in df.columns]
        return df, []
    if not (suffixes.endswith(".csv") or suffixes.endswith(".csv.gz") or suffixes.endswith(".tsv")
            or suffixes.endswith(".txt")):
        return None, [Problem(name, f"'{path.suffix}' is not a CSV or Parquet file",
                              "export the table as CSV (UTF-8) or Parquet")]
    raw = path.read_bytes()
    if suffixes.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except OSError:
            return None, [Problem(name, "not a readable gzip file", "compress it again with gzip, or save it uncompressed")]
    if raw[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return None, [Problem(name, "this is a spreadsheet (Excel) file, not a CSV",
                              "in Excel use Save As > 'CSV UTF-8 (Comma delimited)'")]
    if not encoding and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"  # Excel's "Unicode Text" and many Windows tools: the BOM says so
    if not encoding and b"\x00" in raw[:4096]:
        return None, [Problem(name, "the file holds binary data (or UTF-16 text without a byte-order mark), "
                              "not a UTF-8 CSV", "save it as 'CSV UTF-8', or pass its encoding (e.g. utf-16-le)")]
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, LookupError):
            return None, [Problem(name, f"unknown encoding '{encoding}'", "name a Python codec such as utf-8 or cp1252")]
        line = raw[: exc.start].count(b"\n") + 1
        codec = encoding or "UTF-8"
        return None, [Problem(name, f"not {codec}: byte 0x{raw[exc.start]:02X} on line {line} cannot be decoded",
                              "re-save the file as UTF-8 ('CSV UTF-8' in Excel), or pass its encoding "
                              "(encoding: cp1252 in the params, --encoding on the command line)")]
    text = text.lstrip("\ufeff")
    if not text.strip():
        return None, [Problem(name, "the file is empty", "export the table again with its header row and data")]
    header = text.split("\n", 1)[0]
    sep = max([",", ";", "\t", "|"], key=header.count)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                         skipinitialspace=True, skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        row = int(m.group(1)) if m else None
        return None, [Problem(name, f"the row has a different number of fields than the header ({short_text(exc, 120)})",
                              f"quote values that contain the delimiter '{sep}', or remove the stray field",
                              row=row)]
    except pd.errors.EmptyDataError:
        return None, [Problem(name, "the file is empty", "export the table again with its header row and data")]
    if not isinstance(df.index, pd.RangeIndex):  # pandas took a column as the index: rows longer than the header
        import csv

        width = len(next(csv.reader([header], delimiter=sep)))
        long_row = next((i for i, fields in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1)
                         if len(fields) > width), None)
        return None, [Problem(name, f"the row has more fields than the header's {width}",
                              f"quote values that contain the delimiter '{sep}', or remove the stray field", row=long_row)]
    df, problems = _checked_header(df, header, sep, name)
    df.index = pd.RangeIndex(2, len(df) + 2)  # header is line 1
    return df, problems


def _checked_header(df: pd.DataFrame, header: str, sep: str, name: str) -> tuple[pd.DataFrame, list[Problem]]:
    """A CSV's header checked: a column named twice is a problem; a header cell left empty (a
    trailing delimiter, Excel's usual artefact) drops an empty column, with a note in
    ``attrs[READ_NOTES]``, and is a problem where the column holds values."""
    problems = []
    header_cells = ["" if pd.isna(c) else str(c).strip() for c in next(iter(
        pd.read_csv(io.StringIO(header), sep=sep, header=None, dtype=str, keep_default_na=False)
        .itertuples(index=False)))]
    seen = set()
    for c in header_cells:
        if c in seen and c:
            problems.append(Problem(name, "the column appears twice in the header", "delete or rename one of them",
                                    row=1, column=c))
        seen.add(c)
    df.columns = [str(c).strip() for c in df.columns]
    unnamed, notes = [col for col, cell in zip(df.columns, header_cells) if cell == ""], []
    for col in unnamed:
        if (df[col].astype(str).str.strip() == "").all():
            df = df.drop(columns=col)
            notes.append(f"{name}: an empty column without a name (a trailing '{sep}' in the header) was left out")
        else:
            problems.append(Problem(name, "a column holds values but has no name in the header",
                                    "give it a name in the header row", row=1, column=col))
    df.attrs[READ_NOTES] = notes  # said among a load's assumptions
    return df, problems


READ_NOTES = "talentkit.read_notes"  # DataFrame.attrs key: what reading a file left out, to be said


def find_table_file(folder: Path, table: str, files: dict | None = None) -> Path | None:
    """The file holding ``table`` in ``folder``: a name given in ``files``, else ``<table>.csv|.parquet|...``."""
    if files and table in files:
        return folder / files[table]
    by_lower = {p.name.lower(): p for p in sorted(folder.iterdir()) if p.is_file()}
    for ext in (".csv", ".csv.gz", ".parquet", ".pq", ".tsv", ".txt", ".xlsx", ".xls", ".json"):
        if table + ext in by_lower:
            return by_lower[table + ext]
    return None


# --------------------------------------------------------------------------- column mapping


def mapping_for(table: str, columns: dict | None) -> dict[str, str]:
    """The foreign-name -> contract-name mapping that applies to ``table``.

    ``columns`` is either flat (``{"Employee Number": "employee_id"}``, applied to every
    table that has the foreign column) or per table (``{"people": {...}, "moves": {...}}``).
    """
    if not columns:
        return {}
    flat = {k: v for k, v in columns.items() if not isinstance(v, dict)}
    flat.update(columns.get(table) or {})
    return {str(k): str(v) for k, v in flat.items()}


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def close_match(name: str, candidates: list[str]) -> str | None:
    """The column in ``candidates`` a person most likely meant by ``name`` (``hire date`` -> ``hire_date``)."""
    by_normal = {_normal(c): c for c in candidates}
    if _normal(name) in by_normal:
        return by_normal[_normal(name)]
    hits = difflib.get_close_matches(_normal(name), list(by_normal), n=1, cutoff=0.75)
    return by_normal[hits[0]] if hits else None


# --------------------------------------------------------------------------- coercion


def _coerce_column(s: pd.Series, kind, file: str, column: str, decimal: str | None = None,
                   dates: DateRules | None = None, notes: list | None = None) -> tuple[pd.Series, list[Problem]]:
    missing = _is_missing(s)
    problems: list[Problem] = []
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s):
            out = pd.to_datetime(s).dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
            return out.astype("datetime64[ns]").dt.normalize(), problems
        return coerce_dates(s, file, column, dates, notes)
    if kind == "bool":
        if pd.api.types.is_bool_dtype(s):
            return s.astype("boolean"), problems
        text = _stripped(s, lower=True)
        out = pd.Series(pd.NA, index=s.index, dtype="boolean")
        out[text.isin(TRUE_TOKENS).fillna(False)] = True
        out[text.isin(FALSE_TOKENS).fillna(False)] = False
        bad = out.isna() & ~missing
        for row, value in s[bad].items():
            problems.append(Problem(file, "not a true/false value", "use true or false (yes/no and 1/0 also work)",
                                    row, column, value))
        return out, problems
    if kind == "number":  # thousands separators and decimal commas by talentkit.data.numbers' rule
        return coerce_numbers(s.where(~missing), file, column, decimal)
    text = _stripped(s)
    if isinstance(kind, tuple):  # categories are matched without regard to case or spaces
        text = text.str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    return text.astype(object).where(~missing, None), problems


def coerce_dates(values: pd.Series, file: str, column: str, rules: DateRules | None = None,
                 notes: list | None = None) -> tuple[pd.Series, list[Problem]]:
    """``values`` (text as written; blanks by :data:`MISSING_TOKENS`) read as days by :func:`talentkit.core.dates.read_dates`:
    a problem per value not read (its fix names the order the column was read in), or one for a
    column that needs a line in the mapping. How a column not written YYYY-MM-DD was read, its
    open ends and its two-digit years are added to ``notes`` (said atop reports)."""
    values = values.where(~_is_missing(values))
    reading = read_dates(values, rules, column)
    if reading.problem:
        first = values.dropna().index
        return reading.values, [Problem(file, *reading.problem, row=int(first[0]) if len(first) else None,
                                        column=column, value=values.dropna().iloc[0] if len(first) else None)]
    name = DATE_ORDER_NAMES.get(str(reading.order), f"the format {reading.order}")
    if reading.order == "iso":
        fix = "write dates as YYYY-MM-DD, or say the export's format in the mapping file (dates: {format: dmy})"
    else:
        fix = f"this column is read as {name}; write the value that way (or say the format: dates: {{format: ...}})"
    problems = []
    for row, value in values[reading.unread].items():
        why = fix
        if "9999" in str(value):
            why = f"if it means 'no end', add to the mapping file dates: {{open_end: ['{value}']}}"
        problems.append(Problem(file, "not a date", why, row, column, value))
    if notes is not None and (reading.order != "iso" or reading.open_ends or reading.century_back):
        said = [f"{file}, column '{column}': dates read as {name} ({reading.how})"]
        if reading.century_back:
            said.append(f"{reading.century_back:,} two-digit years placed a century back so that no date lies "
                        f"after the day the data was read, {pd.Timestamp.today():%Y-%m-%d} (two_digit_years: past; "
                        "as_of cuts the data, it never moves a century)")
        if reading.open_ends:
            said.append(f"{reading.open_ends:,} open ends read as no end")
        notes.append("; ".join(said) + ".")
    return reading.values, problems


def coerce_numbers(values: pd.Series, file: str, column: str, decimal: str | None = None,
                   what: str = "not a number") -> tuple[pd.Series, list[Problem]]:
    """``values`` read by :func:`talentkit.data.numbers.read_numbers`, with a problem per value that
    is not a finite number (blanks are not problems), or one for an ambiguous column that names
    the mapping line settling it."""
    reading = read_numbers(values, decimal)
    if reading.ambiguous:
        return reading.values, [Problem(file, **ambiguity(column, reading))]
    blank = _is_missing(values)
    infinite = np.isinf(reading.values.to_numpy(dtype=float, na_value=np.nan))
    mark = "a decimal comma" if reading.decimal == "," else "a decimal point"
    problems = [Problem(file, "not a finite number", "write the value as a plain number, or leave it blank",
                        row, column, value) for row, value in values[infinite].items()]
    problems += [Problem(file, what, f"write a plain number such as 1234.5 or 1,234.5 (this column reads {mark})",
                         row, column, value) for row, value in values[reading.values.isna() & ~blank].items()]
    return reading.values.where(~infinite), problems


def _pandera_schema(contract: TableContract, present: list[str]) -> pa.DataFrameSchema:
    cols = {}
    for name in present:
        kind = contract.columns[name]
        nullable = name not in contract.required or name in contract.nullable_required
        checks = [pa.Check.isin(list(kind))] if isinstance(kind, tuple) else []
        cols[name] = pa.Column(nullable=nullable, checks=checks, unique=(name == contract.key))
    return pa.DataFrameSchema(cols)


def _fix_for(contract: TableContract, column: str, check: str) -> tuple[str, str]:
    kind = contract.columns.get(column)
    if "isin" in check:
        return "not an allowed value", f"use one of: {', '.join(kind or ())}"
    if "not_nullable" in check:
        return "required value is empty", "fill it in, or drop the row"
    if "field_uniqueness" in check or "unique" in check:
        return "duplicate id", "give each row its own id, or remove the repeated row"
    return f"failed check {check}", "correct the value"


def validate_table(raw: pd.DataFrame, contract: TableContract, file: str, columns: dict | None = None,
                   decimal=None, dates: DateRules | None = None,
                   notes: list | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Map, coerce and check one table. Returns the typed frame (or None) and its problems.
    ``decimal``: the mapping's ``decimal:`` (see :func:`talentkit.data.numbers.decimal_for`);
    ``dates``: its ``dates:`` (:class:`talentkit.core.dates.DateRules`); how dates were read is
    added to ``notes``."""
    problems: list[Problem] = []
    mapping = mapping_for(contract.name, columns)
    df = raw.rename(columns={k: v for k, v in mapping.items() if k in raw.columns})
    if len(df) == 0:
        return None, [Problem(file, "the table has a header but no rows", "export it again with its data, or leave the file out")]
    for col in contract.required:
        if col not in df.columns:
            hint = close_match(col, [c for c in df.columns if c not in contract.columns])
            fix = (f"a column '{hint}' looks close: rename it to '{col}', or map it with columns: {{'{hint}': {col}}}"
                   if hint else f"add the column, or map your column to it with columns: {{'<your name>': {col}}}")
            problems.append(Problem(file, "required column is missing", fix, row=1, column=col))
    if problems:
        return None, problems
    typed = df.copy()
    present = [c for c in contract.columns if c in df.columns]
    for col in present:
        typed[col], found = _coerce_column(df[col], contract.columns[col], file, col, decimal_for(decimal, col), dates,
                                           notes)
        problems += found
    try:
        _pandera_schema(contract, present).validate(typed[present], lazy=True)
    except SchemaErrors as err:
        already = {(p.row, p.column) for p in problems}  # a value that did not parse is reported once
        for case in err.failure_cases.itertuples(index=False):
            column, check, row, value = case.column, str(case.check), case.index, case.failure_case
            if not pd.isna(row) and (int(row), column) in already:
                continue
            what, fix = _fix_for(contract, column, check)
            if pd.isna(row):  # schema-level failure (not tied to a row)
                problems.append(Problem(file, what, fix, column=column, value=value))
            else:
                problems.append(Problem(file, what, fix, int(row), column, None if pd.isna(value) else value))
    return typed, problems


def check_references(tables: dict[str, pd.DataFrame], files: dict[str, str]) -> list[Problem]:
    """Ids that must exist in another table, and dates that must be in order."""
    problems: list[Problem] = []
    for (table, col), (target, key) in REFERENCES.items():
        if table not in tables or target not in tables or col not in tables[table].columns:
            continue
        values = tables[table][col]
        unknown = values.notna() & ~values.isin(set(tables[target][key].dropna()))
        for row, value in values[unknown].items():
            problems.append(Problem(files[table], f"id not found in {target}.{key}",
                                    f"add the id to {files[target]}, or remove this row", row, col, value))
    people = tables.get("people")
    if people is not None and "exit_date" in people.columns:
        bad = people["exit_date"].notna() & (people["exit_date"] < people["hire_date"])
        for row, value in people.loc[bad, "exit_date"].items():
            problems.append(Problem(files["people"], f"exit_date is before hire_date {people.at[row, 'hire_date']:%Y-%m-%d}",
                                    "correct either date", row, "exit_date", f"{value:%Y-%m-%d}"))
    return problems


# --------------------------------------------------------------------------- spellings

# Columns holding the same kind of value across tables: one spelling per value for all of them.
SPELLING_FAMILIES = {
    "region": [("people", "region"), ("moves", "from_region"), ("moves", "to_region"), ("sessions", "region"),
               ("candidates", "region")],
    "team": [("people", "team"), ("moves", "from_team"), ("moves", "to_team")],
    "skill": [("people", "skill"), ("candidates", "skill")],
    "channel": [("people", "channel"), ("candidates", "channel")],
    "level": [("people", "level")],
    "topic": [("sessions", "topic")],
    "label": [("texts", "label")],
}


ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"  # invisible characters pasted into exports


def spelling_key(values: pd.Series) -> pd.Series:
    """What makes two spellings one value: Unicode NFKC (composed and decomposed "Zürich",
    full-width "ＵＳ"), no zero-width characters, spaces collapsed, case folded."""
    text = values.astype("string").map(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v)
    text = text.astype("string").str.replace(ZERO_WIDTH, "", regex=True)
    return text.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def fold_spellings(tables: dict[str, pd.DataFrame], files: dict[str, str],
                   categories: tuple[str, ...] | list[str] = ()) -> list[Problem]:
    """Give each category value one spelling where the data writes it several ways (``US`` and
    ``us``, ``Data Science`` and ``data  science``): without it they are two groups, and the
    smaller one is suppressed, splitting the counts. The spelling kept is the most common
    (ties: the first in sort order), the same in every column of a family (a region in
    ``people`` and in ``moves.to_region``). ``categories``: the people table's extra
    category columns, each a family of its own. Changes ``tables`` in place; returns one
    warning per value merged, naming the spellings and their rows."""
    families = dict(SPELLING_FAMILIES)
    families.update({c: [("people", c)] for c in categories})
    warnings = []
    for members in families.values():
        present = [(t, c) for t, c in members if t in tables and c in tables[t].columns]
        if not present:
            continue
        stacked = pd.concat([tables[t][c].dropna().astype(str) for t, c in present], ignore_index=True)
        if stacked.empty:
            continue
        counts = stacked.value_counts()
        key = spelling_key(pd.Series(counts.index, index=counts.index))
        frame = pd.DataFrame({"spelling": counts.index, "n": counts.to_numpy(), "key": key.to_numpy()})
        frame = frame.sort_values(["key", "n", "spelling"], ascending=[True, False, True], kind="stable")
        several = frame[frame.duplicated("key", keep=False)]
        if several.empty:
            continue
        kept = several.drop_duplicates("key").set_index("key")["spelling"]
        to = {row.spelling: kept[row.key] for row in several.itertuples() if row.spelling != kept[row.key]}
        for k, group in several.groupby("key", sort=True):
            others = group[group["spelling"] != kept[k]]
            t, c = next((t, c) for t, c in present if tables[t][c].isin(others["spelling"]).any())
            row = tables[t].index[tables[t][c].isin(others["spelling"]).to_numpy(bool)][0]
            spellings = ", ".join(f"'{r.spelling}' ({r.n:,} rows)" for r in group.itertuples())
            warnings.append(Problem(files[t], f"one value written {len(group)} ways ({spellings}): read as "
                                    f"'{kept[k]}', the most common", "write it one way in the export to silence this",
                                    int(row), c, None))
        for t, c in present:
            tables[t][c] = tables[t][c].map(lambda v: to.get(v, v) if isinstance(v, str) else v)
    return warnings


# --------------------------------------------------------------------------- extra columns

ATTRIBUTE_KINDS = ("number", "category", "boolean", "ordinal", "personal")


CODE_WORDS = {"code", "codes", "id", "no", "nr", "number", "num", "centre", "center", "unit", "dept",
              "department", "division", "office", "site", "location", "branch", "org", "cost", "zip", "postcode",
              "postal", "grade", "band", "year", "cohort", "class", "sector", "nace", "naics", "isco", "soc"}


def is_code(name: str, text: pd.Series) -> bool:
    """Whether whole numbers in a column are codes (a unit or cost-centre code, a postcode, a
    year), not quantities: its name says so (``Dept Code``, ``Cost Centre``, ``Hire Year``), or
    a value keeps a leading zero (``007``). Codes are read as text and never summed,
    averaged or written ``185.0``."""
    whole = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    if not len(text) or not whole.all():
        return False
    return bool(set(personal.name_words(name)) & CODE_WORDS) or bool(text.str.fullmatch(r"0\d+").fillna(False).any())


def _attribute_kind(values: pd.Series, missing: pd.Series, decimal: str | None = None, name: str = "") -> str:
    """The kind of an extra column, inferred: boolean (yes/no values), a code (:func:`is_code`:
    a category), number (thousands separators and decimal commas included, see
    :mod:`talentkit.data.numbers`), else category."""
    text = values[~missing].astype("string").str.strip()
    if len(text) and text.str.lower().isin(TRUE_TOKENS | FALSE_TOKENS).all() and text.str.lower().nunique() <= 2:
        return "boolean"
    if is_code(name, text):
        return "category"
    reading = read_numbers(text, decimal) if len(text) else None
    if reading is not None and (reading.values.notna().all() or reading.ambiguous):
        return "number"
    return "category"


def type_attributes(df: pd.DataFrame, contract: TableContract, attributes: dict | None,
                    file: str, decimal=None) -> tuple[pd.DataFrame, dict[str, dict], list[Problem]]:
    """Type the columns of ``df`` that the contract does not name (an export's own columns:
    overtime, pay, satisfaction, department...). ``attributes`` (the mapping's
    ``attributes:``) names a kind per column (``number``, ``category``, ``boolean``, ``personal``
    or ``{ordinal: [low, ..., high]}``); other columns are inferred, a personal one first
    (:mod:`talentkit.data.personal`: names, contacts, dates of birth, ids; never analysed or shown). A text column of the
    contract (``level``, ``team``...) may be given an order, nothing else. Returns the frame, each
    attribute's kind (``{"kind": ..., "order": [...]}``) and the problems found."""
    attributes = attributes or {}
    problems: list[Problem] = []
    kinds: dict[str, dict] = {}
    out = df.copy()
    unknown = sorted(set(map(str, attributes)) - set(map(str, df.columns)))
    for name in unknown:
        problems.append(Problem(file, f"attributes: names '{name}', which is not a column of the table",
                                "correct the name, or remove it from attributes:", column=name))
    for col in df.columns:
        values, given = df[col], attributes.get(col)
        if col in contract.columns:  # the contract's own: typed already; a text column may be given an order
            ordered = isinstance(given, dict) and "ordinal" in given
            if given is not None and (contract.columns[col] != "text" or not ordered):
                problems.append(Problem(file, f"attributes: '{col}' is a column of the data contract, typed already",
                                        "give it an order only (level: {ordinal: [L1, L2, L3]}), or leave it out",
                                        column=str(col)))
            if given is None or not ordered or contract.columns[col] != "text":
                continue
        missing = _is_missing(values)
        why = personal.reason(str(col), values[~missing]) if given is None else None
        if why:
            kind, order = "personal", None
        elif given is None:
            kind, order = _attribute_kind(values, missing, decimal_for(decimal, str(col)), str(col)), None
        elif isinstance(given, str) and given in ("number", "category", "boolean", "personal"):
            kind, order = given, None
        elif isinstance(given, dict) and isinstance(given.get("ordinal"), list) and given["ordinal"]:
            kind, order = "ordinal", [str(v).strip() for v in given["ordinal"]]
        else:
            problems.append(Problem(file, f"attributes: {col}: {given!r} is not a kind",
                                    "write number, category, boolean, personal, or {ordinal: [low, ..., high]}",
                                    column=str(col)))
            continue
        if kind == "personal":  # kept as written, never typed, analysed or shown (talentkit.data.personal)
            out[col], found = values.astype("string").str.strip().where(~missing).astype(object), list[Problem]()
        elif kind == "number":
            out[col], found = _coerce_column(values, "number", file, col, decimal_for(decimal, str(col)))
        elif kind == "boolean":
            out[col], found = _coerce_column(values, "bool", file, col)
        else:
            text = values.astype("string").str.strip().where(~missing)
            found = []
            if kind == "ordinal":
                outside = text.notna() & ~text.isin(order)
                found = problems_by_value(values[outside], file, str(col), "not one of the ordinal's values",
                                          f"use one of: {', '.join(order or [])}, or add it to the order in attributes:")
                text = pd.Categorical(text.where(~outside), categories=order, ordered=True)
            out[col] = text if kind == "ordinal" else text.astype(object).where(text.notna(), None)
        problems += found
        kinds[str(col)] = {"kind": kind, **({"order": order} if order else {}), **({"why": why} if why else {})}
    return out, kinds, problems
