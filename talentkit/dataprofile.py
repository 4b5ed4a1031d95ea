"""A dataset's profile, to read before any analysis: what is there, what is missing, what
looks wrong, and which notebook sections it supports.

Every table here is about columns or about the whole of a table, except the category
counts, which are groups of people and pass the small-group gate like every other grouped
output. Numeric summaries give percentiles, never a minimum or maximum (one person's value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.labels import SCALES_ATTR
from .core.privacy import (
    MIN_GROUP,
    SUPPRESSED,
    concat_gated,
    grouped,
    hide_residuals,
    mark,
    nested_in,
    not_personal,
    suppress,
)
from .coverage import supported
from .data import personal
from .data.datasets import Dataset

ID_COLUMNS = {"employee_id", "candidate_id", "presenter_id", "session_id"}
DATE_COLUMNS = ("hire_date", "exit_date", "date", "applied_date")
TAILS_FROM = 20  # values a column needs before its 5th and 95th percentiles are shown


def tables(ds: Dataset) -> pd.DataFrame:
    """One row a table: rows, columns, and the span of its dates."""
    rows = []
    for name, df in ds.tables().items():
        dates = [df[c] for c in DATE_COLUMNS if c in df.columns and df[c].notna().any()]
        first = min(d.min() for d in dates) if dates else None
        last = max(d.max() for d in dates) if dates else None
        rows.append({"table": name, "rows": len(df), "columns": len(df.columns),
                     "first date": f"{first:%Y-%m-%d}" if first is not None else "",
                     "last date": f"{last:%Y-%m-%d}" if last is not None else ""})
    return not_personal(pd.DataFrame(rows), "sizes of the tables")


def missing_values(ds: Dataset) -> pd.DataFrame:
    """Per table and column: its kind and the share of rows where it is empty."""
    rows = []
    for name, df in ds.tables().items():
        for col in df.columns:
            kind = ds.attributes.get(str(col), {}).get("kind", "contract") if name == "people" else "contract"
            rows.append({"table": name, "column": str(col), "kind": kind, "missing": float(df[col].isna().mean())})
    return not_personal(pd.DataFrame(rows), "share of empty cells per column")


def _category_columns(ds: Dataset) -> list[str]:
    p = ds.people
    own = [n for n, described in ds.attributes.items() if described["kind"] not in ("number", "personal")]
    contract = [c for c in ("region", "team", "level", "skill", "origin", "channel", "exit_type") if c in p]
    return [c for c in contract + [n for n in own if n not in contract] if p[c].notna().any()]


@grouped
def categories(ds: Dataset, top: int = 12, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per category column of ``people``: its values with the people holding each (``n``), the
    ``top`` most common of those held by at least ``min_group`` people; every other value is
    counted in one row, "(k other values)", and never named (a value held by one person, a
    name or a birth date, would name them). Groups under ``min_group`` are hidden, with
    complements within the column and within each coarser column it nests in (team in
    region), where the people of a parent not shown by name would otherwise be its total less
    its shown parts (:func:`talentkit.core.privacy.hide_residuals`)."""
    parts = []
    for col in _category_columns(ds):
        counts = ds.people[col].astype("string").fillna("(empty)").value_counts()
        named = counts[counts >= min_group].head(top)
        shown = named.copy()
        rest = counts.drop(named.index)
        if len(rest):
            shown = pd.concat([shown, pd.Series({f"({len(rest)} other value{'s' if len(rest) > 1 else ''})":
                                                 rest.sum()})])
        part = pd.DataFrame({"column": col, "value": shown.index.astype(str), "n": shown.to_numpy()})
        part["_named"] = part["value"].isin(named.index.astype(str))
        parts.append(part)
    if not parts:
        return mark(pd.DataFrame(columns=["column", "value", "n", "share", SUPPRESSED]), min_group)
    t = pd.concat(parts, ignore_index=True)
    t["share"] = t["n"] / t.groupby("column")["n"].transform("sum")
    # column by column: each with the coarser columns it nests in (team in region), as every table does
    out = []
    for col, part in t.groupby("column", sort=False):
        nesting = nested_in(ds.people, col)
        part = suppress(part.drop(columns="_named"), ["column", "value"], min_group, people=ds.people, column=col)
        hide_residuals(part, part["value"].where(t.loc[part.index, "_named"]), ds.people[col], nesting, min_group)
        out.append(part)
    return concat_gated(out, ["column", "value"], min_group)


def personal_columns(ds: Dataset, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per personal column of ``people`` (names, contacts, dates of birth, ids:
    :mod:`talentkit.data.personal`): its shape, never a value. How many values, the share that
    are unique, the median length and the character pattern shared by at least
    ``min_group`` values."""
    rows = [{**personal.shape(col, ds.people[col], min_group), "why": described.get("why", "named personal in the mapping")}
            for col, described in ds.attributes.items() if described["kind"] == "personal" and col in ds.people]
    columns = ["column", "values", "unique", "median length", "pattern", "why"]
    t = pd.DataFrame(rows, columns=columns)
    t.attrs[SCALES_ATTR] = {"unique": "%", "median length": ""}
    return not_personal(t, "the shape of personal columns: counts, shares and patterns, no value")


@grouped
def birth_bands(ds: Dataset, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per personal column that holds dates or years of birth: people by ten-year band of
    birth year; a band under ``min_group`` people is hidden, with its complement."""
    parts = []
    for col, described in ds.attributes.items():
        if described["kind"] != "personal" or col not in ds.people or not personal.is_birth(col):
            continue
        bands = personal.decade_bands(personal.birth_years(ds.people[col]))
        if len(bands):
            parts.append(suppress(pd.DataFrame({"column": col, "born": bands.index, "n": bands.to_numpy()}),
                                  ["column", "born"], min_group, not_nested="ten-year bands of birth: no other "
                                  "table groups people by them"))
    if not parts:
        return mark(pd.DataFrame(columns=["column", "born", "n", SUPPRESSED]), min_group)
    return mark(pd.concat(parts, ignore_index=True), min_group)


@grouped
def numbers(ds: Dataset, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per numeric column of ``people`` (the export's own: pay, scores, age...): how many values,
    the mean and the 5th, 25th, 50th, 75th and 95th percentiles. A column with fewer than
    ``min_group`` values is hidden; with fewer than ``TAILS_FROM``, its 5th and 95th
    percentiles too (they would lie next to one person's value)."""
    p = ds.people
    rows = []
    for col, described in ds.attributes.items():
        if described["kind"] != "number" or col not in p:
            continue
        v = pd.to_numeric(p[col], errors="coerce").dropna()
        q = np.percentile(v, [5, 25, 50, 75, 95]) if len(v) else [np.nan] * 5
        rows.append({"column": col, "n": len(v), "mean": v.mean() if len(v) else np.nan,
                     **{f"p{k}": x for k, x in zip((5, 25, 50, 75, 95), q)}})
    columns = ["column", "n", "mean", "p5", "p25", "p50", "p75", "p95"]
    t = pd.DataFrame(rows, columns=columns)
    small = t["n"] < min_group  # no complements: columns are not parts of a total
    t.loc[small, columns[1:]] = np.nan
    t.loc[t["n"] < TAILS_FROM, ["p5", "p95"]] = np.nan  # with few values the tails are one person's
    t[SUPPRESSED] = small
    return mark(t, min_group)


def duplicates(ds: Dataset) -> pd.DataFrame:
    """Per table: rows that repeat another row exactly, and ids that repeat (where a table has
    an id column)."""
    rows = []
    for name, df in ds.tables().items():
        key = next((c for c in ("employee_id", "session_id", "candidate_id") if c in df.columns), None)
        unique_key = name in ("people", "sessions", "candidates")
        rows.append({"table": name, "repeated rows": int(df.astype(str).duplicated().sum()),
                     "repeated ids": int(df[key].duplicated().sum()) if key and unique_key else np.nan})
    return not_personal(pd.DataFrame(rows), "counts of repeated rows")


def sections(ds: Dataset, group_by: str = "region") -> pd.DataFrame:
    """Which notebook sections this data supports, and what would unlock the others."""
    return supported(ds, {"group_by": group_by})
