"""A long-history, many-rank organisation, shaped like large public-sector personnel records.

The built-in company (:mod:`talentkit.data.synth`) is a young AI lab: five levels, a
hundred-odd teams, five years of dates. Large public employers export something else: one
row per person ever employed since the 1930s, seventy ranks, hundreds of units under a few
dozen divisions, and dates written with two-digit years (``15-MAR-36``). Such records give
the Cox model and the screening many more levels and leaving times than the built-in
company does, and the speed targets of notebook 06 are held on them
(``benchmarks/notebook_scale.py --shape long-history``).

:func:`generate_long_history` draws the people table; :func:`write_long_history` writes it as
the export would be (``personnel.csv``, the export's own column names, two-digit years) with
the mapping that reads it. The planted truth (:data:`RANK_HAZARD_SLOPE` and the others) lets a
test check that 06 finds what the generator used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

FIRST_HIRE, AS_OF = pd.Timestamp("1936-01-01"), pd.Timestamp("2016-12-31")
RANKS = 70
DIVISIONS = 24
PEOPLE_PER_UNIT = 100  # units: about this many people ever employed each, at least 50 and at most 600 units
RANK_HAZARD_SLOPE = -0.012  # log-hazard per rank step: higher ranks leave less
GENDER_HAZARD = {"F": 1.15, "M": 1.0}
NIGHT_SHIFT_HAZARD = 1.3
BASE_HAZARD = 0.045  # a year, before retirement
RETIREMENT_YEARS = (20, 35)  # tenure at which most who stay that long retire
EXPORT_COLUMNS = {"Employee Number": "employee_id", "Hire Date": "hire_date", "Separation Date": "exit_date",
                  "Separation Type": "exit_type", "Rank": "level", "Unit": "team", "Division": "department",
                  "Gender": "gender", "Ethnicity": "ethnicity", "Shift": "shift"}


def generate_long_history(people: int, seed: int = 0) -> pd.DataFrame:
    """``people`` people ever employed, hired 1936-2016 (more in later years), each with a
    rank of :data:`RANKS`, a unit of hundreds nested in :data:`DIVISIONS` divisions, gender,
    ethnicity and shift; leaving drawn from a hazard that falls with rank and rises for women
    and night shifts, plus retirement after 20-35 years. Columns in the kit's names; the same
    ``seed`` gives the same table."""
    rng = np.random.default_rng(seed)
    span = (AS_OF - FIRST_HIRE).days
    hire_day = np.sort((rng.power(2.2, people) * span).astype(int))  # hiring grew over the decades
    n_units = int(np.clip(people // PEOPLE_PER_UNIT, 50, 600))
    unit = rng.integers(0, n_units, people)
    division = unit % DIVISIONS
    rank_weights = np.exp(-np.arange(RANKS) / 12)
    rank = rng.choice(RANKS, people, p=rank_weights / rank_weights.sum())
    gender = np.where(rng.random(people) < 0.3, "F", "M")
    ethnicity = np.array(["Group A", "Group B", "Group C", "Group D", "Group E", "Not stated"])[
        rng.choice(6, people, p=[0.45, 0.2, 0.15, 0.1, 0.06, 0.04])]
    shift = np.where(rng.random(people) < 0.25, "Night", "Day")
    hazard = (BASE_HAZARD * np.exp(RANK_HAZARD_SLOPE * rank) * np.vectorize(GENDER_HAZARD.get)(gender)
              * np.where(shift == "Night", NIGHT_SHIFT_HAZARD, 1.0) * np.exp(rng.normal(0, 0.2, DIVISIONS))[division])
    years_to_leave = rng.exponential(1 / hazard)
    retire_at = rng.uniform(*RETIREMENT_YEARS, people)
    retires = retire_at < years_to_leave
    years = np.where(retires, retire_at, years_to_leave)
    exit_day = hire_day + np.maximum(1, (years * 365.25).astype(int))
    left = exit_day <= span
    hire = FIRST_HIRE + pd.to_timedelta(hire_day, unit="D")
    exit_ = pd.Series(FIRST_HIRE + pd.to_timedelta(exit_day, unit="D")).where(left)
    involuntary = rng.random(people) < 0.15
    exit_type = pd.Series(np.where(retires | ~involuntary, "voluntary", "involuntary")).where(left)
    ids = np.array([f"{k:07d}" for k in rng.permutation(people) + 1000001])
    return pd.DataFrame({
        "employee_id": ids, "hire_date": hire, "exit_date": exit_, "exit_type": exit_type,
        "level": np.array([f"R{k + 1:02d}" for k in range(RANKS)])[rank],
        "team": np.array([f"U{k + 1:03d}" for k in range(n_units)])[unit],
        "department": np.array([f"Division {k + 1:02d}" for k in range(DIVISIONS)])[division],
        "gender": gender, "ethnicity": ethnicity, "shift": shift,
    })


def write_long_history(people: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``people`` as a public-sector export: ``personnel.csv`` with the export's column
    names (:data:`EXPORT_COLUMNS`) and dates as ``15-MAR-36``, and ``mapping.yaml`` that reads
    it (two-digit years placed in the past, units under divisions). Returns the mapping."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    export = people.rename(columns={v: k for k, v in EXPORT_COLUMNS.items()})
    for column in ("Hire Date", "Separation Date"):
        export[column] = pd.to_datetime(export[column]).dt.strftime("%d-%b-%y").str.upper()
    export.to_csv(folder / "personnel.csv", index=False)
    mapping = {"files": {"people": "personnel.csv"}, "columns": EXPORT_COLUMNS,
               "dates": {"format": "%d-%b-%y", "two_digit_years": "past"},
               "as_of": AS_OF.date().isoformat(), "hierarchy": {"team": "department"}}
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    return path
