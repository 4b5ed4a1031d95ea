"""Real HR data as it comes: snapshot exports in the common shapes, people-only event data,
the data profile, and what the notebooks make of them."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import exports
import numpy as np
import pandas as pd
import pytest
import yaml
from lifelines import KaplanMeierFitter

import talentkit as tk
from talentkit import coverage, metrics, tenure
from talentkit.core.errors import ParameterError
from talentkit.data import oneday, schema
from talentkit.runs import runner

ROOT = Path(__file__).resolve().parents[1]
ROW_ID = re.compile(r"\brow-\d+")


def _raw(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, **kw)


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize("shape", ["ibm", "ibm_no_ids", "survey", "semicolon_cp1252"])
def test_each_export_loads_by_its_mapping_alone(tmp_path, shape):
    writer = {"ibm": exports.ibm, "ibm_no_ids": lambda f: exports.ibm(f, ids=False), "survey": exports.survey,
              "semicolon_cp1252": exports.semicolon_cp1252}[shape]
    data, mapping = writer(tmp_path)
    ds = tk.load(data, mapping=mapping)
    raw = _raw(data, sep=";", encoding="cp1252") if shape == "semicolon_cp1252" else _raw(data)
    assert ds.form == "snapshot" and len(ds.people) == len(raw) and ds.as_of == pd.Timestamp(exports.AS_OF)
    flag = {"ibm": "Attrition", "ibm_no_ids": "Attrition", "survey": "Status", "semicolon_cp1252": "Ausgeschieden"}
    left_value = {"survey": "Terminated", "semicolon_cp1252": "ja"}.get(shape, "Yes")
    assert ds.people["exit_date"].notna().sum() == (raw[flag[shape]] == left_value).sum()
    assert ds.generated_ids == (shape == "ibm_no_ids")
    if shape.startswith("ibm"):  # tenure kept exactly; leavers placed at as_of, said so
        assert ds.people["tenure_months"].tolist() == (raw["YearsAtCompany"] * 12).astype(float).tolist()
        assert (ds.people.loc[ds.people["exit_date"].notna(), "exit_date"] == ds.as_of).all()
        assert any("placed at the snapshot's end" in a for a in ds.assumptions)
        assert ds.attributes["OverTime"] == {"kind": "boolean"}
        assert ds.attributes["BusinessTravel"]["kind"] == "ordinal"
        assert ds.people["BusinessTravel"].cat.ordered and ds.attributes["MonthlyIncome"] == {"kind": "number"}
    if shape == "survey":  # bands are midpoints, in years
        expected = raw["Tenure"].map(exports.BANDS) * 12
        assert ds.people["tenure_months"].tolist() == expected.tolist()
        assert any("bands" in a for a in ds.assumptions)
    if shape == "semicolon_cp1252":  # hire dates given: tenure follows from them
        assert set(ds.people["region"]) == {"München", "Zürich", "Köln"}
        assert (ds.people["hire_date"] == pd.to_datetime(raw["Eintritt"])).all()


def test_km_retention_on_a_snapshot_equals_lifelines_on_the_exports_durations(tmp_path):
    data, mapping = exports.ibm(tmp_path)
    ds = tk.load(data, mapping=mapping)
    raw = _raw(data)
    months, left = raw["YearsAtCompany"] * 12.0, raw["Attrition"] == "Yes"
    d = tenure.durations(ds)
    assert d["months"].tolist() == months.tolist() and d["left"].tolist() == left.tolist()
    table = tenure.retention_table(ds, "team", horizons=(12, 36, 60)).set_index("team")
    for dept, rows in raw.groupby("Department"):
        km = KaplanMeierFitter().fit(months[rows.index], left[rows.index])
        for h in (12, 36, 60):
            assert table.loc[dept, f"retention_{h}m"] == pytest.approx(float(km.predict(h)), abs=1e-12)


def test_turnover_on_a_snapshot_is_leavers_over_average_headcount(tmp_path):
    """Leavers are placed at as_of: over the year to it, separations are the leavers, and the
    average headcount is (employed a year before + employed at the end) / 2."""
    data, mapping = exports.ibm(tmp_path)
    ds = tk.load(data, mapping=mapping)
    raw = _raw(data)
    row = metrics.workforce(ds, "2023-07-01", "2024-06-30").iloc[0]
    left = (raw["Attrition"] == "Yes").sum()
    at_start = ((raw["YearsAtCompany"] * 12 * 30.4375).round() > 365).sum()  # hired a year or more before as_of
    at_end = (raw["Attrition"] == "No").sum()
    assert row["separations"] == left and row["headcount_end"] == at_end
    assert row["turnover_annual"] == pytest.approx(left / ((at_start + at_end) / 2), rel=0.02)
    assert np.isnan(row["mobility_annual"]) and np.isnan(row["international_share"]) and np.isnan(row["voluntary"])
    with pytest.raises(ValueError, match="no dates to split by quarter"):
        metrics.workforce(ds, "2023-07-01", "2024-06-30", ["team", "quarter"])


def test_tables_group_by_the_exports_own_columns(tmp_path):
    data, mapping = exports.ibm(tmp_path)
    ds = tk.load(data, mapping=mapping)
    t = metrics.workforce(ds, "2023-07-01", "2024-06-30", "OverTime").set_index("OverTime")
    raw = _raw(data)
    assert t.loc[True, "separations"] == ((raw["OverTime"] == "Yes") & (raw["Attrition"] == "Yes")).sum()
    assert "OverTime" in ds.group_keys() and "MonthlyIncome" not in ds.group_keys()
    with pytest.raises(ValueError, match="cannot group by.*choose from.*team"):
        metrics.workforce(ds, "2023-07-01", "2024-06-30", "region")
    # one column asked about is a group key exactly when the whole list holds it: the export's
    # own columns (numbers among them), the contract's, one emptied, and one it lacks
    emptied = dataclasses.replace(ds, people=ds.people.assign(OverTime=pd.NA, team=None))
    for each in (ds, emptied):
        names = [*each.people.columns, *schema.PERSON_KEYS, "Nonesuch"]
        assert [n for n in names if each.is_group_key(n)] == [n for n in names if n in each.group_keys()]
    assert "OverTime" not in emptied.group_keys() and "JobRole" in emptied.group_keys()
    with pytest.raises(ValueError, match="cannot group by.*OverTime.*choose from.*JobRole"):
        metrics.workforce(emptied, "2023-07-01", "2024-06-30", ["JobRole", "OverTime"])


def test_a_snapshot_is_detected_and_asks_for_its_date(tmp_path):
    data, _ = exports.ibm(tmp_path)
    with pytest.raises(tk.DataError, match=r"looks like a snapshot export.*pass as_of, or write a mapping file: "
                                           r"form: snapshot.*left: Attrition.*tenure: YearsAtCompany"):
        tk.load(data)
    ds = tk.load(data, as_of=exports.AS_OF)
    assert ds.form == "snapshot" and "detected" in ds.assumptions[0] and not ds.generated_ids


def test_a_flag_value_the_mapping_does_not_know_is_one_problem_with_its_rows(tmp_path):
    data, mapping = exports.ibm(tmp_path)
    mapping.write_text(mapping.read_text().replace("left_values: [Yes]", "left_values: [Left]"))
    with pytest.raises(tk.DataError) as info:
        tk.load(data, mapping=mapping)
    problems = info.value.problems
    assert len(problems) == 1 and problems[0].column == "Attrition" and problems[0].value == "Yes"
    assert "rows, the first here" in problems[0].what and problems[0].row == _raw(data).index[
        _raw(data)["Attrition"] == "Yes"][0] + 2  # the file's line: header on line 1


def test_a_band_the_mapping_does_not_list_is_named(tmp_path):
    data, mapping = exports.survey(tmp_path)
    mapping.write_text(mapping.read_text().replace('    "More than 10 years": 12.5\n', ""))
    with pytest.raises(tk.DataError, match="not one of the tenure bands"):
        tk.load(data, mapping=mapping)


def test_a_people_only_event_dataset_loads_and_says_what_it_cannot_answer(tmp_path):
    folder, _ = exports.people_only_events(tmp_path)
    ds = tk.load(folder)
    assert ds.form == "events" and set(ds.people.columns) >= {"employee_id", "hire_date", "team"}
    table = coverage.supported(ds, {"group_by": "team"}).set_index("section")
    assert table.loc["2. What a practitioner reports", "supported"]
    assert not table.loc["6. Knowledge sharing and team building", "supported"]
    assert "sessions table" in table.loc["6. Knowledge sharing and team building", "needs"]


# --------------------------------------------------------------------------- notebooks and reports


def run(tmp_path, name: str, defaults: dict, jobs: list[dict]) -> Path:
    run_file = tmp_path / f"{name}.yaml"
    for job in jobs:
        job["notebook"] = str(ROOT / "notebooks" / job["notebook"])
    run_file.write_text(yaml.safe_dump({"run": name, "jobs_at_once": 2, "defaults": defaults, "jobs": jobs}))
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    info = json.loads((run_dir / "run.json").read_text())
    assert code == 0, [(j["name"], j["error"]) for j in info["jobs"]]
    return run_dir


def outputs_text(run_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in run_dir.rglob("*")
                     if p.is_file() and p.suffix in (".html", ".json", ".ipynb"))


@pytest.mark.slow
def test_notebooks_on_a_snapshot_export_without_ids(tmp_path):
    """The IBM-style export without ids: the profile, 01 and 03 run; the sections a snapshot
    cannot support say so; no row number made for the missing ids appears anywhere, even
    with show_ids allowed."""
    data, mapping = exports.ibm(tmp_path / "export", ids=False)
    run_dir = run(tmp_path, "ibm", {"data": str(data), "mapping": str(mapping)},
                  [{"notebook": "00_data_profile.ipynb", "params": {"group_by": "team"}},
                   {"notebook": "01_metrics.ipynb", "params": {"group_by": "team", "show_ids": True}},
                   {"notebook": "03_case_study.ipynb"}])
    assert not ROW_ID.search(outputs_text(run_dir)), "a generated row id reached an output"
    r = json.loads((run_dir / "01_metrics" / "results.json").read_text())
    ds = tk.load(data, mapping=mapping)
    expected = metrics.workforce(ds, "2023-07-01", "2024-06-30").iloc[0]["turnover_annual"]
    assert r["turnover_annual"] == pytest.approx(expected) and "article_A" not in r
    report = (run_dir / "01_metrics" / "report.html").read_text()
    for skipped in ("1. The seed article's four numbers: skipped", "3. Trends by quarter: skipped",
                    "5. Attraction: the recruiting funnel: skipped"):
        assert skipped in report
    assert "placed at the snapshot" in report
    case = json.loads((run_dir / "03_case_study" / "results.json").read_text())
    assert case["case_R"] == 0.5 and case["region_R"] is None and "cohort" not in case
    assert "Part 3: the region" in (run_dir / "03_case_study" / "report.html").read_text()
    sections = json.loads((run_dir / "00_data_profile" / "results.json").read_text())["sections"]
    supported = {row[1]: row[2] for row in sections["rows"]}
    assert supported["4. Tenure curves"] and not supported["3. Trends by quarter"]


@pytest.mark.slow
def test_notebooks_on_a_survey_export_and_a_semicolon_cp1252_export(tmp_path):
    """01 and 03 on the survey tool's tenure bands and on the European HRIS file: they run,
    grouped by the region each maps, with the same numbers as the package on the same data."""
    survey, survey_map = exports.survey(tmp_path / "survey")
    hris, hris_map = exports.semicolon_cp1252(tmp_path / "hris")
    jobs = [{"notebook": nb, "name": f"{nb[:2]}-{name}", "params": {"data": str(data), "mapping": str(mapping)}}
            for name, data, mapping in (("survey", survey, survey_map), ("hris", hris, hris_map))
            for nb in ("01_metrics.ipynb", "03_case_study.ipynb")]
    run_dir = run(tmp_path, "exports", {}, jobs)
    for name, data, mapping in (("survey", survey, survey_map), ("hris", hris, hris_map)):
        r = json.loads((run_dir / f"01-{name}" / "results.json").read_text())
        ds = tk.load(data, mapping=mapping)
        by_region = metrics.workforce(ds, "2023-07-01", "2024-06-30", "region")
        got = pd.DataFrame(r["kpi_by_group"]["rows"], columns=r["kpi_by_group"]["columns"])
        assert got["turnover_annual"].tolist() == pytest.approx(by_region["turnover_annual"].tolist())
        assert "Part 3: the region" in (run_dir / f"03-{name}" / "report.html").read_text()


@pytest.mark.slow
def test_every_notebook_runs_on_people_only_events_naming_what_it_skips(tmp_path):
    """Also with three rows that cannot be right, set aside (1 % of 303): every report's header
    counts them and none of their values reaches any output."""
    folder, _ = exports.people_only_events(tmp_path / "export")
    with (folder / "people.csv").open("a", encoding="utf-8") as f:
        f.write("SECRET1,,,Alpha\nSECRET2,2022-05-01,2021-01-01,Beta\nSECRET3,2023-02-01,2020-07-01,Gamma\n")
    (folder / "mapping.yaml").write_text("bad_rows: set_aside\n", encoding="utf-8")
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    run_dir = run(tmp_path, "people", {"data": str(folder), "mapping": str(folder / "mapping.yaml")},
                  [{"notebook": nb, "params": {"group_by": "team"} if nb.startswith(("00", "01")) else {}}
                   for nb in notebooks])
    skipped = {"01_metrics": ["1. The seed article's four numbers", "5. Attraction", "6. Knowledge sharing"],
               "02_finetune": ["The text-model ladder"], "03_case_study": ["Part 3: the region"],
               "04_scenarios": ["1-3. The flow model", "4. Staffing"], "05_network": ["Knowledge flow, brokers"],
               "06_drivers": ["5. Fairness"]}
    for job, titles in skipped.items():
        report = (run_dir / job / "report.html").read_text()
        for title in titles:
            assert re.search(re.escape(title) + r"[^<]*: skipped, this data lacks", report), (job, title)
    # no region: 06 groups its risk by the data's unit column instead of skipping, and says so
    drivers_report = (run_dir / "06_drivers" / "report.html").read_text()
    assert "grouped by its unit column &#x27;team&#x27;" in drivers_report or \
        "grouped by its unit column 'team'" in drivers_report
    assert not re.search(r"6\. Flight risk by group[^<]*: skipped", drivers_report)
    r = json.loads((run_dir / "01_metrics" / "results.json").read_text())
    assert r["turnover_annual"] > 0 and [row[0] for row in r["kpi_by_group"]["rows"]] == ["Alpha", "Beta", "Gamma"]
    for job in [Path(nb).stem for nb in notebooks]:  # every report, 02 too
        assert ("3 people rows set aside: 2 with an exit before the hire, 1 without hire_date"
                in (run_dir / job / "report.html").read_text()), job
    assert "SECRET" not in outputs_text(run_dir)


@pytest.mark.slow
def test_data_profile_command_renders_a_report(tmp_path):
    data, mapping = exports.survey(tmp_path / "export")
    out = subprocess.run([str(Path(sys.executable).with_name("talentkit")), "data", "profile", str(data),
                          "--mapping", str(mapping), "--out", str(tmp_path / "out"), "--min-group", "5"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    report = Path(out.stdout.strip().split("report: ")[-1])
    page = report.read_text()
    assert "What this data can answer" in page and "Categories" in page and "R00001" not in page
    results = json.loads((report.parent / "results.json").read_text())
    assert results["form"] == "snapshot"


def test_snapshot_keys_are_checked():
    problems = oneday.check_section({"left": "Attrition", "tenure_unit": "weeks", "tenur": "x"}, "m.yaml")
    assert [p.what for p in problems] == ["snapshot: unknown keys ['tenur']",
                                          "snapshot: tenure_unit 'weeks' is not a unit"]


def test_the_section_magic_runs_or_skips_a_cell(tmp_path, capsys):
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    shell.run_line_magic("load_ext", "talentkit.coverage")
    folder, _ = exports.people_only_events(tmp_path)
    shell.user_ns.update(ds=tk.load(folder), group_by="team", funnel="before")
    shell.run_cell_magic("section", "01.funnel", "funnel = 1 / 0\n")  # no candidates: not run, names set to None
    assert shell.user_ns["funnel"] is None
    shell.run_cell_magic("section", "01.funnel", "funnel = 2\n")
    assert shell.user_ns["funnel"] is None
    shell.run_cell_magic("section", "01.workforce", "kpi = 40 + 2\n")  # a team column: it runs
    assert shell.user_ns["kpi"] == 42
    with pytest.raises(ZeroDivisionError):  # the notebook's own errors still fail
        shell.run_cell_magic("section", "01.workforce", "kpi = 1 / 0\n")
    with pytest.raises(ParameterError, match="not a section"):
        shell.run_cell_magic("section", "01.nothing", "x = 1\n")


@pytest.mark.parametrize("change, message", [
    (("tenure_unit: years", "tenure_unit: fortnights"), "tenure_unit 'fortnights' is not a unit"),
    (("  left: Attrition\n", "  left: Atrition\n"), "left column 'Atrition' is not in the file"),
    (("as_of: 2024-06-30", "as_of: last june"), "as_of: 'last june' is not a date"),
    (("form: snapshot", "form: snapshotz"), "form: 'snapshotz' is not a form"),
    (("  BusinessTravel: {ordinal: [Non-Travel, Travel_Rarely, Travel_Frequently]}",
      "  BusinessTravel: {ordinal: [Non-Travel, Travel_Rarely]}"), "not one of the ordinal's values"),
])
def test_a_wrong_snapshot_mapping_is_one_clear_error(tmp_path, change, message):
    data, mapping = exports.ibm(tmp_path)
    text = mapping.read_text()
    assert change[0] in text
    mapping.write_text(text.replace(*change))
    with pytest.raises(tk.DataError, match=re.escape(message)):
        tk.load(data, mapping=mapping)


def test_negative_or_missing_tenure_is_named_by_row(tmp_path):
    data, mapping = exports.ibm(tmp_path)
    raw = _raw(data)
    raw.loc[3, "YearsAtCompany"] = -2
    raw.to_csv(data, index=False)
    with pytest.raises(tk.DataError) as info:
        tk.load(data, mapping=mapping)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.what) == (5, "YearsAtCompany", "tenure is negative")


def test_profile_numbers_hide_what_would_be_one_persons_value(tmp_path):
    from talentkit import dataprofile

    data, mapping = exports.ibm(tmp_path)
    ds = tk.load(data, mapping=mapping)
    t = dataprofile.numbers(ds).set_index("column")
    income = _raw(data)["MonthlyIncome"]
    assert t.loc["MonthlyIncome", "p50"] == income.median() and t.loc["MonthlyIncome", "n"] == len(income)
    assert t.loc["MonthlyIncome", "p95"] == pytest.approx(np.percentile(income, 95))
    few = tk.load(data, mapping=mapping)
    few.people = few.people.head(12)
    t = dataprofile.numbers(few).set_index("column")
    assert np.isnan(t.loc["MonthlyIncome", "p95"]) and not np.isnan(t.loc["MonthlyIncome", "p50"])
    few.people = few.people.head(4)
    assert dataprofile.numbers(few).set_index("column").loc["MonthlyIncome"].drop("suppressed").isna().all()


def test_months_followed_with_a_contract_column_given_an_order(tmp_path):
    """McNulty's job_retention shape: tenure in months, a 1/0 flag, no ids; the mapping orders
    the contract's level column Low < Medium < High, and tables follow that order."""
    data, mapping = exports.followed_for_a_year(tmp_path)
    ds = tk.load(data, mapping=mapping)
    raw = _raw(data)
    assert ds.generated_ids and ds.people["level"].cat.ordered
    assert any("a cohort" in a for a in ds.assumptions)  # 12 months at most: said, since turnover misleads
    assert list(ds.people["level"].cat.categories) == ["Low", "Medium", "High"]
    table = tenure.retention_table(ds, "level", horizons=(6,))
    assert table["level"].tolist() == ["Low", "Medium", "High"]
    km = KaplanMeierFitter().fit(raw.loc[raw["level"] == "Low", "month"].astype(float),
                                 raw.loc[raw["level"] == "Low", "left"] == 1)
    assert table.loc[0, "retention_6m"] == pytest.approx(float(km.predict(6)), abs=1e-12)
    mapping.write_text(mapping.read_text().replace("level: {ordinal: [Low, Medium, High]}", "level: number"))
    with pytest.raises(tk.DataError, match="'level' is a column of the data contract"):
        tk.load(data, mapping=mapping)


def test_one_flag_value_without_brackets_is_read_as_one_value(tmp_path):
    data, mapping = exports.survey(tmp_path)
    mapping.write_text(mapping.read_text().replace("left_values: [Terminated]", "left_values: Terminated")
                       .replace("stayed_values: [Active]", "stayed_values: Active"))
    ds = tk.load(data, mapping=mapping)
    assert ds.people["exit_date"].notna().sum() == (_raw(data)["Status"] == "Terminated").sum()

