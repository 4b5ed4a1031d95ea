"""Snapshot exports: one row per person as of one day, turned into the contract's people table.

Most HRIS and survey exports are snapshots: an attrition flag and tenure (in years,
months, days, or bands such as "1-2 years"), no hire or exit dates, often no id. A mapping
file says how to read one::

    form: snapshot
    as_of: 2024-06-30          # the day the export describes
    snapshot:
      left: Attrition          # the column that says who left
      left_values: [Yes]       # its values meaning "left" (default: yes, true, 1, left, ...)
      tenure: YearsAtCompany   # tenure, in tenure_unit (years, months or days) ...
      tenure_unit: years
      # tenure_bands: {"Less than 1 year": 0.5, "1-2 years": 1.5}   ... or bands (years)
      # exit_date: TerminationDate    # where the export has exit dates
      # time_since_exit: YearsSinceLeaving   # or the time since leaving, in tenure_unit

What the conversion means, stated in ``assumptions`` and shown atop every report:

* a leaver's tenure is a completed spell; a stayer's is censored at ``as_of``;
* without an exit date, leavers are placed at the snapshot's end (``as_of``): period
  measures (turnover in the year to ``as_of``) rest on that, and trends by quarter or
  moves are never computed from such invented dates;
* tenure bands become their midpoints;
* rows without an id get row ids (``row-<line>``) that never reach a report.

Tenure itself is kept exactly as exported (``tenure_months``), so survival curves use the
export's own durations, not dates rounded to days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.dates import DAYS_PER_MONTH
from ..core.errors import Problem, problems_by_value
from .numbers import ambiguity, decimal_for, read_numbers

MAX_YEARS = 80  # a tenure or time since exit longer than a working life is a unit or typing mistake
UNIT_MONTHS = {"years": 12.0, "year": 12.0, "months": 1.0, "month": 1.0, "days": 1 / DAYS_PER_MONTH,
               "day": 1 / DAYS_PER_MONTH}
LEFT_TOKENS = {"yes", "y", "true", "t", "1", "1.0", "left", "leaver", "terminated", "exited", "former", "attrited"}
STAYED_TOKENS = {"no", "n", "false", "f", "0", "0.0", "stayed", "stayer", "active", "current", "employed"}
KEYS = {"left", "left_values", "stayed_values", "tenure", "tenure_unit", "tenure_bands", "exit_date",
        "time_since_exit", "id"}
ID_NAMES = ("employeenumber", "employee_number", "employee_id", "employeeid", "emp_id", "empid", "personnel_number",
            "staff_id", "worker_id", "person_id")
GENERATED_ID_PREFIX = "row-"
# Column names that give a snapshot away when a mapping does not say form: snapshot.
TENURE_NAMES = ("yearsatcompany", "years_at_company", "tenure", "tenure_years", "tenureyears", "lengthofservice",
                "length_of_service", "service_years", "yearsofservice", "years_of_service")
LEFT_NAMES = ("attrition", "left", "terminated", "churn", "exited", "leaver", "status", "turnover")


def _norm(name) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def detect(columns: list[str]) -> dict | None:
    """A snapshot section guessed from column names (no hire date, a tenure and an attrition
    column), or ``None``."""
    by_norm = {_norm(c): c for c in columns}
    if "hire_date" in by_norm:
        return None
    tenure = next((by_norm[n] for n in TENURE_NAMES if n in by_norm), None)
    left = next((by_norm[n] for n in LEFT_NAMES if n in by_norm), None)
    if tenure is None or left is None:
        return None
    found = {"left": left, "tenure": tenure, "tenure_unit": "years"}
    ident = next((by_norm[n] for n in ID_NAMES if n in by_norm), None)
    return {**found, "id": ident} if ident is not None and ident != "employee_id" else found


def suggested_mapping(section: dict) -> str:
    """A mapping file that reads the export as :func:`detect` did, to paste and adjust."""
    lines = ["form: snapshot", "as_of: YYYY-MM-DD   # the day the export describes", "snapshot:"]
    lines += [f"  {k}: {section[k]}" for k in ("left", "tenure", "tenure_unit", "id") if section.get(k)]
    return " / ".join(lines)


def check_section(section, where: str) -> list[Problem]:
    """The ``snapshot:`` section's shape: a mapping with known keys, a flag column, and one way
    of giving tenure."""
    if not isinstance(section, dict):
        return [Problem(where, "snapshot: must be a mapping", "write snapshot: with left: and tenure: (see the README)")]
    problems = []
    unknown = sorted(set(section) - KEYS)
    if unknown:
        problems.append(Problem(where, f"snapshot: unknown keys {unknown}", f"use {', '.join(sorted(KEYS))}"))
    if not isinstance(section.get("left"), str):
        problems.append(Problem(where, "snapshot: says no left: column",
                                "name the column that says who left, e.g. left: Attrition"))
    unit = section.get("tenure_unit", "years")
    if unit not in UNIT_MONTHS:
        problems.append(Problem(where, f"snapshot: tenure_unit {unit!r} is not a unit", "use years, months or days"))
    bands = section.get("tenure_bands")
    if bands is not None and (not isinstance(bands, dict) or not all(
            isinstance(v, (int, float)) and v >= 0 for v in bands.values())):
        problems.append(Problem(where, "snapshot: tenure_bands must map each band to its midpoint in years",
                                'write e.g. tenure_bands: {"Less than 1 year": 0.5, "1-2 years": 1.5}'))
    return problems


def _tokens(values) -> set[str]:
    """The flag values a mapping lists, lower-cased. YAML reads an unquoted Yes, No, On or Off
    as true or false; such a value stands for the whole family it may have been written as."""
    out = set()
    if isinstance(values, (str, bool, int, float)):  # one value written without brackets
        values = [values]
    for v in values or []:
        if isinstance(v, bool):
            out |= {"yes", "y", "true", "t", "on", "1"} if v else {"no", "n", "false", "f", "off", "0"}
        else:
            out.add(str(v).strip().lower())
    return out


def _column(df: pd.DataFrame, name, file: str, role: str) -> tuple[pd.Series | None, list[Problem]]:
    if name in df.columns:
        return df[name], []
    return None, [Problem(file, f"the snapshot's {role} column '{name}' is not in the file",
                          f"name one of its columns: {', '.join(map(str, list(df.columns)[:12]))}", row=1,
                          column=str(name))]


def _numbers(values: pd.Series, file: str, column: str, what: str, unit: str = "years",
             decimal: str | None = None, required: bool = False) -> tuple[pd.Series, list[Problem]]:
    """A duration column read as numbers (thousands separators and decimal commas by
    :mod:`talentkit.data.numbers`' rule), with a problem on the export's own column for a value
    that is not a finite number, is negative, is longer than a working life (a unit mix-up:
    days read as years), or, when ``required``, is blank."""
    reading = read_numbers(values, decimal)
    if reading.ambiguous:
        return reading.values, [Problem(file, **ambiguity(column, reading))]
    out = reading.values
    text = values.astype("string").str.strip()
    blank = values.isna() | (text == "").fillna(True)
    finite = pd.Series(np.isfinite(out.to_numpy(dtype=float, na_value=np.nan)), index=out.index)
    problems = problems_by_value(values[~finite & ~blank], file, column, f"{what} is not a finite number",
                                 "write a plain number such as 3 or 2.5 (1,234 and 2,5 are read too)")
    if required:
        problems += problems_by_value(values[blank], file, column, f"{what} is blank",
                                      "fill it in, or drop the row (every person of a snapshot needs a tenure)")
    problems += problems_by_value(values[finite & (out < 0)], file, column, f"{what} is negative", "correct it")
    years = out * UNIT_MONTHS[unit] / 12
    too_long = finite & (years > MAX_YEARS)
    problems += problems_by_value(values[too_long], file, column,
                                  f"{what} is over {MAX_YEARS} years when read in {unit}",
                                  f"correct it, or set tenure_unit: (months, days) if the column is not in {unit}")
    return out.where(finite & ~too_long), problems


def _tenure_months(tenure_raw, section: dict, file: str, decimal, problems: list[Problem],
                   assumptions: list[str]) -> pd.Series | None:
    """Each row's tenure in months, from bands (their midpoints) or numbers in the
    section's unit; ``None`` without a tenure column (hire dates given instead)."""
    tenure_col = section.get("tenure")
    unit = section.get("tenure_unit", "years")
    if tenure_raw is not None and section.get("tenure_bands"):
        bands = {str(k).strip().lower(): float(v) for k, v in section["tenure_bands"].items()}
        key = tenure_raw.astype("string").str.strip().str.lower()
        years = key.map(bands)
        problems += problems_by_value(tenure_raw[years.isna()], file, str(tenure_col), "not one of the tenure bands",
                              f"add it to tenure_bands (known: {', '.join(list(section['tenure_bands'])[:8])})")
        months = years.astype(float) * 12
        assumptions.append(f"Tenure comes in bands ({tenure_col}); each band counts as its midpoint, so tenure "
                           "curves are step-wise approximations.")
    elif tenure_raw is not None:
        number, found = _numbers(tenure_raw, file, str(tenure_col), "tenure", unit,
                                 decimal_for(decimal, str(tenure_col)), required=True)
        problems += found
        months = number * UNIT_MONTHS[unit]
    else:
        months = None
    return months


def _exit_days(df: pd.DataFrame, section: dict, file: str, decimal, as_of: pd.Timestamp,
               problems: list[Problem]) -> pd.Series:
    """Each row's exit day where the export gives one: a date column, or the time since exit
    counted back from ``as_of``; missing otherwise."""
    unit = section.get("tenure_unit", "years")
    exit_day = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    if section.get("exit_date"):
        given, found = _column(df, section["exit_date"], file, "exit date")
        problems += found
        if given is not None:
            exit_day = pd.to_datetime(given.astype("string").str.strip(), format="ISO8601", errors="coerce")
            bad = exit_day.isna() & given.notna() & (given.astype("string").str.strip() != "")
            problems += [Problem(file, "not a date", "write dates as YYYY-MM-DD", row, str(section["exit_date"]), v)
                         for row, v in given[bad].items()]
    elif section.get("time_since_exit"):
        since, found = _column(df, section["time_since_exit"], file, "time since exit")
        problems += found
        if since is not None:
            number, found = _numbers(since, file, str(section["time_since_exit"]), "time since exit", unit,
                                     decimal_for(decimal, str(section["time_since_exit"])))
            problems += found
            exit_day = as_of - pd.to_timedelta((number * UNIT_MONTHS[unit] * DAYS_PER_MONTH).round(), unit="D")
    return exit_day


def to_people(df: pd.DataFrame, section: dict, as_of: pd.Timestamp, file: str,
              decimal=None) -> tuple[pd.DataFrame, list[str], list[Problem]]:
    """The people table (contract columns as text, extras kept) from a snapshot export whose
    columns are already renamed by the mapping; the assumptions made; the problems found
    (each with its file, line, column and value)."""
    problems: list[Problem] = []
    assumptions: list[str] = []
    if section.get("id") and section["id"] in df.columns and "employee_id" not in df.columns:
        df = df.rename(columns={section["id"]: "employee_id"})
    out = df.copy()
    flag, found = _column(df, section["left"], file, "left")
    problems += found
    tenure_col = section.get("tenure")
    has_hire = "hire_date" in df.columns
    if tenure_col is None and not has_hire:
        problems.append(Problem(file, "the snapshot gives no tenure", "name a tenure column (tenure: YearsAtCompany) "
                                "or map a hire-date column to hire_date"))
    tenure_raw = None
    if tenure_col is not None:
        tenure_raw, found = _column(df, tenure_col, file, "tenure")
        problems += found
    if problems:
        return out, assumptions, problems
    assert flag is not None  # a missing flag column is among the problems

    text = flag.astype("string").str.strip().str.lower()
    left_values = _tokens(section.get("left_values")) or LEFT_TOKENS
    stayed_values = _tokens(section.get("stayed_values")) or STAYED_TOKENS - left_values
    left = text.isin(left_values).fillna(False).astype(bool)
    unknown = ~left & ~text.isin(stayed_values).fillna(False).astype(bool)
    problems += problems_by_value(flag[unknown], file, str(section["left"]), "neither a 'left' nor a 'stayed' value",
                          "list it under left_values: or stayed_values: in the mapping's snapshot: section")

    months = _tenure_months(tenure_raw, section, file, decimal, problems, assumptions)
    exit_day = _exit_days(df, section, file, decimal, as_of, problems)
    placed = left & exit_day.isna()
    if placed.any():
        assumptions.append(f"The export gives no exit date for {int(placed.sum()):,} leavers: they are placed at "
                           f"the snapshot's end ({as_of:%Y-%m-%d}). Turnover and retention over the year to that "
                           "day assume they left within it; nothing by quarter or month is computed from it.")
    exit_day = exit_day.where(~placed, as_of).where(left)
    if problems:
        return out, assumptions, problems

    end = exit_day.where(left, as_of)
    if months is not None and len(months) and months.max() <= 12:
        assumptions.append("Everyone in the export has at most 12 months of tenure: it follows people from their "
                           "hire (a cohort) rather than a workforce, so the year to as_of starts with nobody in it. "
                           "Read retention from the tenure curves, not from turnover over that year.")
    if months is not None:
        hire = end - pd.to_timedelta((months * DAYS_PER_MONTH).round(), unit="D")
        out["hire_date"] = hire.dt.strftime("%Y-%m-%d")
        out["tenure_months"] = months
    else:  # hire dates given: tenure follows from them
        hire = pd.to_datetime(df["hire_date"].astype("string").str.strip(), format="ISO8601", errors="coerce")
        out["tenure_months"] = (end - hire).dt.days / DAYS_PER_MONTH
    out["exit_date"] = exit_day.dt.strftime("%Y-%m-%d").where(left, "")
    if "employee_id" not in out.columns:
        out["employee_id"] = [f"{GENERATED_ID_PREFIX}{line}" for line in out.index]
        assumptions.append("The export has no employee id: rows are numbered by their line in the file "
                           "(these numbers never appear in a report).")
    drop = [c for c in (section["left"], tenure_col, section.get("exit_date"), section.get("time_since_exit"))
            if c is not None and c in out.columns and c not in ("hire_date", "exit_date", "employee_id")]
    return out.drop(columns=drop), assumptions, problems
