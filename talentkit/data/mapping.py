"""A mapping file: how an export's columns, files, form, dates and bad rows are read.

A mapping file (YAML) says once what the kit cannot see in the files: which column is which
(``columns:``), which file holds which table (``files:``), the data's form (``form:``
``events``, ``snapshot``, ``history`` or ``snapshots``), the day it describes (``as_of:``), how
dates and numbers are written (``dates:``, ``decimal:``), what to do with rows that cannot be
read (``bad_rows:``, ``max_set_aside:``), and how a form other than ``events`` is read
(``snapshot:``, ``history:``, ``snapshots:``), and which unit columns nest in which
(``hierarchy:``, :mod:`talentkit.core.pooling`), and whether the interactions come as a survey
matrix (``interactions:``). One pydantic model, :class:`Mapping`,
describes the whole file, so a mistyped key names the closest one and every mistake is
listed at once; :func:`check_mapping` adds the checks of column and file names.
"""

from __future__ import annotations

import datetime
import difflib
import re
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..core.dates import DATE_ORDERS, DateRules, day_problem
from ..core.errors import DataError, ParameterError, Problem, YAMLFileError
from ..core.yamlfile import key_errors, read_yaml
from . import schema
from .numbers import DECIMALS

FORMS = ("events", "snapshot", "history", "snapshots", "roster")  # roster: a people list without dates
FORM_TABLES = ("history", "snapshots")  # the tables a form reads instead of people and moves
MOVE_KINDS = schema.MOVES.columns["kind"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatesKey(_Strict):
    """``dates:``: how the export writes dates (see :func:`talentkit.core.dates.read_dates`)."""

    format: str | dict[str, str] | None = None  # an order (dmy, mdy, ymd, iso, excel, d-mon-y) or a %-pattern
    two_digit_years: Literal["past"] | None = None
    open_end: list[str] = []  # values meaning "no end", e.g. 9999-12-31

    @field_validator("open_end", mode="before")
    @classmethod
    def _days_as_written(cls, value):
        # YAML reads 9999-12-31 unquoted as a date: take it as the text it was written as
        values = value if isinstance(value, list) else [value]
        return [v.isoformat() if hasattr(v, "isoformat") else v for v in values]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value):
        for one in (value.values() if isinstance(value, dict) else [value] if value else []):
            one = str(one)
            if "%" in one and not re.search(r"%[A-Za-z]", one):  # "%" alone: no field to read
                raise ParameterError(f"'{one}' is not a date pattern: a pattern names its fields, such as %d-%b-%y or "
                                     f"%Y-%m-%d; or write one of {', '.join(DATE_ORDERS)}")
            if one not in DATE_ORDERS and "%" not in one:
                close = difflib.get_close_matches(one, DATE_ORDERS, n=1, cutoff=0.5)
                raise ParameterError(f"'{one}' is not a date format: write one of {', '.join(DATE_ORDERS)} or a pattern "
                                 "such as %d-%b-%y" + (f" (did you mean {close[0]}?)" if close else ""))
        return value


class HistoryKey(_Strict):
    """``history:``: the columns of an assignment history (one row per assignment or change)."""

    start: str = "start"  # the assignment's first day (effective date)
    end: str | None = "end"  # its last day; blank or an open end: still in force
    reason: str | None = None  # the export's action reason, read as the move's kind where it names one
    # reason code -> a move's kind, or an exit (voluntary, involuntary, exit: the spell ends on the row's start)
    kinds: dict[str, Literal["rotation", "transfer", "promotion", "voluntary", "involuntary", "exit"]] = {}


class SnapshotsKey(_Strict):
    """``snapshots:``: periodic headcount files, stacked into one table (a column holding each
    row's snapshot day) or one file per period (``files: {file name: its day}``)."""

    date: str = "snapshot_date"
    files: dict[str, datetime.date] | None = None


class InteractionsKey(_Strict):
    """``interactions:``: how the interactions file is laid out. ``matrix: true``: a square
    survey matrix (first column the respondent's id, one column per person named, a cell the
    tie's weight, blank or 0 for none), read as an edge list; ``channel``: the channel of every
    tie when the file has no channel column (e.g. ``survey:advice``); ``directed: false``: the
    ties have no direction (co-authorship, a contact log, a symmetric survey), so each counts
    half each way in the unit matrix and reciprocity is not computed."""

    matrix: bool = False
    channel: str | None = None
    directed: bool = True


class Mapping(_Strict):
    """A mapping, the one type of it: a mapping file's keys, every one described here (a key
    that is not one names the closest, ``bad_row`` -> ``bad_rows``; a value of the wrong kind
    says what is expected), or flat ``{column: contract column}`` lines, read by
    :func:`check_mapping` into these same fields (the form said by a form's own key, the
    ``interactions:`` defaults filled in)."""

    columns: dict | None = None  # your names -> the contract's, flat or per table (checked by check_mapping)
    files: dict | None = None  # table -> file name
    files_outside_folder: bool = False
    form: str | None = None  # events, snapshot, history, snapshots or roster (None: events, unless the columns say)
    as_of: str | datetime.date | None = None  # the day the data describes
    snapshot: dict | None = None  # how a one-day snapshot export is read (talentkit.data.oneday)
    attributes: dict | None = None  # the kind of each extra column
    encoding: str | None = None
    decimal: str | dict | None = None  # decimal mark, for every column or per column (talentkit.data.numbers)
    dates: DatesKey = DatesKey()
    bad_rows: Literal["refuse", "set_aside"] = "refuse"
    max_set_aside: float = Field(0.01, gt=0, le=0.5)  # a share of each table's rows
    history: HistoryKey | None = None
    snapshots: SnapshotsKey | None = None
    # finer column -> coarser column, e.g. {team: department, department: division}: group at any level
    hierarchy: dict[str, str] | None = None
    interactions: InteractionsKey = InteractionsKey()

    @property
    def date_rules(self) -> DateRules:
        """``dates:`` as :func:`talentkit.core.dates.read_dates` takes it."""
        return DateRules(self.dates.format, self.dates.two_digit_years, tuple(self.dates.open_end))

    @field_validator("files_outside_folder", mode="before")
    @classmethod
    def _a_flag(cls, value):
        if not isinstance(value, bool):
            raise ParameterError("files_outside_folder must be true or false; write files_outside_folder: true only "
                                 "if a table lives outside the folder")
        return value

    @field_validator("interactions", mode="before")
    @classmethod
    def _interactions_as_given(cls, value):
        return InteractionsKey() if value is None else value  # `interactions:` left empty: the defaults

    @field_validator("form")
    @classmethod
    def _a_form(cls, value):
        if value is not None and value not in FORMS:
            raise ParameterError(f"form: {value!r} is not a form; write form: {' | '.join(FORMS)}")
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _a_day(cls, value):
        why = day_problem(value) if value is not None else None
        if why:
            raise ParameterError(f"as_of: {str(value)!r} {why}; write as_of: YYYY-MM-DD")
        return None if value is None else f"{pd.Timestamp(value):%Y-%m-%d}"

    @field_validator("decimal")
    @classmethod
    def _a_mark(cls, value):
        if value is not None and not (value in DECIMALS or (isinstance(value, dict) and all(
                isinstance(k, str) and v in DECIMALS for k, v in value.items()))):
            raise ParameterError(f'decimal: {value!r} is not a decimal mark; write decimal: "," (every column), or '
                                 'decimal: {Pay: ","} per column ("." where commas separate thousands)')
        return value


def read_mapping_file(path: str | Path) -> dict:
    """A mapping file's content, read with the kit's bounded YAML reader; a clear error when it
    is not a mapping."""
    try:
        doc = read_yaml(path, "mapping file")
    except YAMLFileError as err:
        raise DataError([Problem(str(path), str(err).removeprefix(f"{path}: "), "fix the mapping file")]) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise DataError([Problem(str(path), f"the mapping is a {type(doc).__name__}",
                                 "write it as 'Your column: contract_column' lines, or with columns: and files: keys")])
    return doc


MODELS_AT: dict[str, type[_Strict]] = {"dates": DatesKey, "history": HistoryKey, "snapshots": SnapshotsKey,
                                       "interactions": InteractionsKey}


def _read_doc(doc: dict, where: str) -> Mapping:
    """``doc`` validated by :class:`Mapping`; every mistake listed, each naming its key."""
    try:
        return Mapping.model_validate(doc)
    except ValidationError as err:
        problems = []
        key: str | None
        allowed = lambda loc: (MODELS_AT[str(loc[0])].model_fields if len(loc) > 1 and str(loc[0]) in MODELS_AT  # noqa: E731
                               else Mapping.model_fields)
        for key, e, close in key_errors(err, allowed):
            msg, fix = e["msg"].removeprefix("Value error, "), "correct the value"
            if e["type"] == "extra_forbidden":
                where_key = "a mapping file" if len(e["loc"]) == 1 else f"'{e['loc'][0]}'"
                msg, fix = f"'{e['loc'][-1]}' is not a key of {where_key}", (
                    (f"did you mean '{close}'? " if close else "") + f"the keys are {', '.join(allowed(e['loc']))}")
                key = None
            elif e["type"] in ("dict_type", "model_type"):
                msg = f"'{key}' is a {type(e['input']).__name__}, not a mapping"
                fix, key = f"write {key}: as 'name: value' lines (a YAML mapping)", None
            elif e["type"] == "literal_error":
                fix = f"write one of {e['ctx']['expected']}"
            elif "; " in msg and e["type"] == "value_error":
                msg, fix = msg.split("; ", 1)
                key = None
            problems.append(Problem(where, msg if key is None else f"{key}: {msg}", fix))
        raise DataError(problems) from None


MAPPING_KEYS = tuple(Mapping.model_fields)


def check_mapping(columns, files=None, where: str = "the column mapping") -> Mapping:
    """A column mapping (flat, per table, or a mapping file's whole content with ``columns:``,
    ``files:``, ``form:``, ``as_of:``, ``snapshot:``, ``attributes:``) checked for shape. A
    wrong shape is a :class:`DataError` that says what is expected; ``where`` names the mapping
    (its file) in each problem."""
    out = Mapping()
    if columns is None or columns == {}:
        columns = None
    elif not isinstance(columns, dict):
        raise DataError([Problem(where, f"is a {type(columns).__name__}, not a mapping",
                                 "write it as {'Your column': contract_column}, or with columns: and files: keys")])
    elif _is_whole_file(columns):
        out = _read_doc(columns, where)  # a whole mapping file
        files = {**(_check_dict(out.files, "files") or {}), **(files or {})}
        out.attributes = _check_dict(out.attributes, "attributes", nested=None)
        given = [key for key in ("snapshot", "history", "snapshots") if getattr(out, key) is not None]
        out.form = out.form or (given[0] if given else None)  # a form's own key says the form
        if out.form == "history" and out.history is None:
            out.history = HistoryKey()
        if out.form == "snapshots" and out.snapshots is None:
            out.snapshots = SnapshotsKey()
        columns = out.columns
    columns = _check_dict(columns, "columns")
    files = _check_dict(files, "files")
    for key, value in (columns or {}).items():
        if isinstance(value, dict):
            if key not in (*schema.TABLES, *FORM_TABLES):
                raise DataError([Problem(where, f"'{key}' maps to a mapping, but is not a table",
                                         "nest per-table mappings under a table name: "
                                         f"{', '.join((*schema.TABLES, *FORM_TABLES))}")])
            _check_dict(value, f"columns.{key}", nested=False)
        elif not isinstance(value, str) or not isinstance(key, str):
            raise DataError([Problem(where, f"entry {key!r}: {value!r} is not a column name",
                                     "map each of your column names to a contract name, e.g. 'Start Date': hire_date")])
    for key, value in (files or {}).items():
        if key not in (*schema.TABLES, *FORM_TABLES) or not isinstance(value, str) or not value.strip():
            raise DataError([Problem(where, f"files entry {key!r}: {value!r} is not a table and a file name",
                                     "write files: {table: file} with a table among "
                                     f"{', '.join((*schema.TABLES, *FORM_TABLES))}")])
    out.columns, out.files = columns, files
    return out


def _is_whole_file(doc: dict) -> bool:
    """Whether ``doc`` is a whole mapping file rather than flat ``{column: contract name}``
    lines: one of its keys is a mapping file's key, with a value that is not a contract
    column's name (a column named ``form`` mapped to ``team`` stays a column)."""
    contract = {c for contract in schema.TABLES.values() for c in contract.columns}
    return any(k in MAPPING_KEYS and not (isinstance(v, str) and v in contract) for k, v in doc.items())


def _check_dict(value, key: str, nested: bool | None = True) -> dict | None:
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise DataError([Problem("the column mapping", f"'{key}' is a {type(value).__name__}, not a mapping",
                                 f"write {key}: as 'name: value' lines (a YAML mapping)")])
    if nested is False:
        for k, v in value.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise DataError([Problem("the column mapping", f"'{key}' entry {k!r}: {v!r} is not a column name",
                                         "map each of your column names to a contract name")])
    return value


