"""Runs over time: the data as it stood on a day, two runs compared, the history of runs.

The built-in company is run a quarter apart (``--as-of``, 01 with ``period_months: 3``); every
difference and p-value of the comparison is recomputed here from the data with pandas and
scipy. A change planted in the data (the US's exits doubled in the later quarter) is flagged,
and fails a run watching it; a run compared with itself flags nothing; a changed parameter is
named and what it touches left out; a group under ``min_group`` in either run shows no
difference.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from talentkit import cli
from talentkit.data import datasets, synth
from talentkit.runs import browser, compare, series
from talentkit.runs.runner import execute_run

ROOT = Path(__file__).resolve().parents[1]
Q3, Q4 = "2025-09-30", "2025-12-31"
QUARTER_START = {Q3: pd.Timestamp("2025-07-01"), Q4: pd.Timestamp("2025-10-01")}


def run_file(folder: Path, name: str = "quarterly", **params) -> Path:
    params = {"group_by": "region", "period_months": 3, **params}
    path = folder / f"{name}.yaml"
    path.write_text(json.dumps({"run": name, "defaults": {"data": "synthetic", "min_group": 5},
                                "jobs": [{"notebook": str(ROOT / "notebooks" / "01_metrics.ipynb"), "params": params}]}),
                    encoding="utf-8")
    return path


def planted(folder: Path) -> Path:
    """The built-in company with the US's separations doubled in the last quarter of 2025: as
    many US employees as left there in that quarter, employed through it and not moving after
    its start, leave on a day of it."""
    tables = synth.generate()
    p = tables["people"]
    q4 = p["exit_date"].between(QUARTER_START[Q4], pd.Timestamp(Q4))
    moved_late = set(tables["moves"].loc[tables["moves"]["date"] >= QUARTER_START[Q4], "employee_id"])
    left = int((q4 & (p["region"] == "US")).sum())
    pool = p.index[(p["region"] == "US") & p["exit_date"].isna() & (p["hire_date"] < QUARTER_START[Q4])
                   & ~p["employee_id"].isin(moved_late)]
    chosen = np.random.default_rng(7).choice(pool, size=left, replace=False)
    days = QUARTER_START[Q4] + pd.to_timedelta(np.random.default_rng(8).integers(0, 90, size=left), unit="D")
    p.loc[chosen, "exit_date"] = days.values
    p.loc[chosen, "exit_type"] = "voluntary"
    p.loc[chosen, "regretted"] = False
    return synth.write(tables, folder)


def edited_copy(run: Path, to: Path, **parameters) -> Path:
    """A copy of ``run`` whose job was run with ``parameters`` changed, as its run.json says."""
    shutil.copytree(run, to)
    record = json.loads((to / "run.json").read_text())
    record["jobs"][0]["parameters"].update(parameters)
    (to / "run.json").write_text(json.dumps(record))
    return to


@pytest.fixture(scope="module")
def quarters(tmp_path_factory):
    """Q3 and Q4 of the built-in company (outputs ``plain``: two runs at once, as two scheduled
    runs may overlap); Q3 and the planted Q4 (``planted``, the latter run watching turnover)."""
    base = tmp_path_factory.mktemp("quarters")
    rf = run_file(base)
    plain, seeded = base / "plain", base / "planted"
    with ThreadPoolExecutor(2) as pool:
        done = dict(zip((Q3, Q4), pool.map(lambda day: execute_run(rf, out_root=plain, as_of=day, progress=False),
                                           (Q3, Q4))))
    assert [code for code, _ in done.values()] == [0, 0]
    runs = {day: folder for day, (_, folder) in done.items()}
    seeded.mkdir()
    shutil.copytree(runs[Q3], seeded / runs[Q3].name)
    data = planted(base / "planted-data")
    watched = cli.main(["run", str(rf), "--out", str(seeded), "--quiet", "--as-of", Q4, "-p", f"data={data}",
                        "--fail-on-change", "turnover_annual"])
    return {"plain": plain, "planted": seeded / f"quarterly-{Q4}", "watched": watched, "data": data, **runs}


def by(comparison, measure: str, group: str = "") -> compare.Row:
    return next(r for r in comparison.rows if r.measure == measure and r.group == group)


# --------------------------------------------------------------------------- as_of


def test_as_of_cuts_the_data_to_what_stood_that_day():
    full, cut = datasets.load("synthetic"), datasets.load("synthetic", as_of=Q3)
    day = pd.Timestamp(Q3)
    p = full.people
    assert len(cut.people) == int((p["hire_date"] <= day).sum())
    later = p.loc[p["exit_date"] > day, "employee_id"]
    assert cut.people.set_index("employee_id").loc[later[later.isin(cut.people["employee_id"])], "exit_date"].isna().all()
    assert cut.moves["date"].max() <= day and cut.sessions["date"].max() <= day
    assert set(cut.attendance["session_id"]) <= set(cut.sessions["session_id"])
    # someone who moved after the day was then in the move's from_ region
    m = full.moves[full.moves["date"] > day].sort_values("date").drop_duplicates("employee_id")
    then = cut.people.set_index("employee_id")["region"]
    assert (then.loc[m["employee_id"]].to_numpy() == m["from_region"].to_numpy()).all() and len(m) > 10
    assert any("as it stood on 2025-09-30" in a for a in cut.assumptions)
    assert not [w for w in cut.warnings if "after as_of" in str(w)]


# --------------------------------------------------------------------------- two quarters, by hand


def hand_counts(day: str) -> dict:
    """Separations, person-years, stayers and headcount of the quarter ending ``day``, from the
    built-in company's people table with pandas alone (nobody moves out of 'the company')."""
    p = datasets.load("synthetic").people
    start, end = QUARTER_START[day], pd.Timestamp(day)
    employed = lambda d: (p["hire_date"] <= d) & ~(p["exit_date"] <= d)  # noqa: E731
    first, last = employed(start - pd.Timedelta(days=1)), employed(end)
    separations = int(p["exit_date"].between(start, end).sum())
    voluntary = int((p["exit_date"].between(start, end) & (p["exit_type"] == "voluntary")).sum())
    return {"separations": separations, "voluntary": voluntary, "person_years": (first.sum() + last.sum()) / 2 * 3 / 12,
            "stayers": int((first & last).sum()), "headcount_start": int(first.sum()),
            "avg_headcount": (first.sum() + last.sum()) / 2}


def test_two_quarters_compared_equal_a_hand_computation(quarters):
    c = compare.compare_runs(quarters[Q3], quarters[Q4])
    a, b = hand_counts(Q3), hand_counts(Q4)
    turnover = by(c, "turnover_annual")
    assert turnover.then == pytest.approx(a["separations"] / a["person_years"])
    assert turnover.now == pytest.approx(b["separations"] / b["person_years"])
    assert turnover.difference == pytest.approx(turnover.now - turnover.then)
    expected = stats.binomtest(b["separations"], a["separations"] + b["separations"],
                               b["person_years"] / (a["person_years"] + b["person_years"])).pvalue
    assert turnover.p == pytest.approx(expected, rel=1e-9)
    voluntary = by(c, "voluntary_turnover_annual")
    assert voluntary.p == pytest.approx(stats.binomtest(b["voluntary"], a["voluntary"] + b["voluntary"],
                                                        b["person_years"] / (a["person_years"] + b["person_years"])).pvalue)
    retention = by(c, "period_retention")
    table = [[a["stayers"], a["headcount_start"] - a["stayers"]], [b["stayers"], b["headcount_start"] - b["stayers"]]]
    assert retention.now - retention.then == pytest.approx(b["stayers"] / b["headcount_start"]
                                                           - a["stayers"] / a["headcount_start"])
    assert retention.p == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue, rel=1e-9)
    headcount = by(c, "avg_headcount")
    assert headcount.difference == pytest.approx(b["avg_headcount"] - a["avg_headcount"])
    k1, k2 = round(a["avg_headcount"]), round(b["avg_headcount"])
    assert headcount.p == pytest.approx(stats.binomtest(k2, k1 + k2, 0.5).pvalue)
    # a region's cell: its difference and test from the counts the two runs recorded for it
    us = by(c, "turnover_annual", "region = US")
    rows = {}
    for day in (Q3, Q4):
        t = json.loads((quarters[day] / "01_metrics" / "results.json").read_text())["kpi_by_group"]
        rows[day] = dict(zip(t["columns"], next(r for r in t["rows"] if r[0] == "US")))
    assert us.difference == pytest.approx(rows[Q4]["turnover_annual"] - rows[Q3]["turnover_annual"])
    k = [int(rows[d]["separations"]) for d in (Q3, Q4)]
    t = [rows[d]["exposure_years"] for d in (Q3, Q4)]
    assert us.p == pytest.approx(stats.binomtest(k[1], sum(k), t[1] / sum(t)).pvalue)
    assert not c.left_out and not c.changes  # the same company a quarter on: nothing beyond noise


def test_a_run_compared_with_itself_flags_nothing(quarters):
    c = compare.compare_runs(quarters[Q4], quarters[Q4])
    numeric = [r for r in c.rows if r.difference is not None]
    assert len(numeric) > 20 and all(r.difference == 0 for r in numeric)
    assert not c.changes and not c.left_out


def test_a_planted_change_is_flagged_first_and_fails_the_watching_run(quarters):
    c = compare.compare_runs(quarters[Q3], quarters["planted"])
    us = by(c, "turnover_annual", "region = US")
    assert us.verdict == "up" and us.p < compare.ALPHA and us.now > 1.5 * us.then
    assert c.rows[0].changed and us in c.changes
    others = [r for r in c.changes if r.measure == "turnover_annual" and r.group not in ("", "region = US")]
    assert not others  # the other regions did not change
    assert quarters["watched"] == cli.CHANGE_EXIT
    record = json.loads((quarters["planted"] / "run.json").read_text())
    assert {"measure": "turnover_annual", "group": "region = US"}.items() <= next(
        ch for ch in record["changes_since"]["changed"] if ch["group"] == "region = US").items()
    index = (quarters["planted"] / "index.html").read_text()
    assert "Changes since quarterly-2025-09-30" in index and "▲ up" in index


def test_a_changed_parameter_is_named_and_what_it_touches_left_out(quarters, tmp_path):
    regrouped = edited_copy(quarters[Q4], tmp_path / "regrouped", group_by="level")
    c = compare.compare_runs(quarters[Q3], regrouped)
    assert [(job, what) for job, what, _ in c.left_out] == [("01_metrics", "the grouped tables")]
    assert "group_by: 'region' then, 'level' now" in c.left_out[0][2]
    assert not [r for r in c.rows if r.group]  # no region or level compared
    assert by(c, "turnover_annual").p is not None  # the company's own numbers still are
    # a parameter that changes every number leaves them all out
    c = compare.compare_runs(quarters[Q3], edited_copy(quarters[Q4], tmp_path / "horizon", horizon_months=6))
    assert c.left_out[0][1] == "every number" and "horizon_months: '(default)' then, 6 now" in c.left_out[0][2]
    assert not c.rows


def test_another_notebook_version_or_definition_is_not_compared(quarters, tmp_path):
    for edit, expected in (("code", "notebook's code differs"), ("definition", "definition changed")):
        copy = tmp_path / edit
        shutil.copytree(quarters[Q4], copy)
        if edit == "code":
            record = json.loads((copy / "run.json").read_text())
            record["jobs"][0]["notebook_code"] = "0" * 12
            (copy / "run.json").write_text(json.dumps(record))
        else:
            results = json.loads((copy / "01_metrics" / "results.json").read_text())
            results["definitions"]["turnover_annual"] = "separations / headcount at the end"
            (copy / "01_metrics" / "results.json").write_text(json.dumps(results))
        c = compare.compare_runs(quarters[Q3], copy)
        assert any(expected in why for _, _, why in c.left_out), c.left_out
        if edit == "definition":
            assert not [r for r in c.rows if r.measure == "turnover_annual"]
            assert by(c, "period_retention").p is not None


# --------------------------------------------------------------------------- privacy across runs


def small_group_runs(folder: Path) -> tuple[Path, Path]:
    """Two one-job runs whose table holds unit A (6 people, then 4: hidden by the second run),
    unit B (7 then 8) and unit C (4 people shown by a run whose min_group was 3)."""
    columns = ["unit", "n", "turnover_annual", "suppressed", "separations", "exposure_years"]
    tables = {"then": [["A", 6, 0.5, False, 3, 6.0], ["B", 7, 0.25, False, 2, 8.0], ["C", 5, 0.2, False, 1, 5.0]],
              "now": [["A", None, None, True, None, None], ["B", 8, 0.5, False, 4, 8.0], ["C", 4, 0.25, False, 1, 4.0]]}
    out = []
    for when, rows in tables.items():
        run = folder / when
        (run / "job").mkdir(parents=True)
        (run / "run.json").write_text(json.dumps({
            "run": when, "started": "2026-01-01T00:00:00", "status": "ok",
            "jobs": [{"name": "job", "notebook": "01_metrics.ipynb", "output_notebook": "01_metrics.ipynb",
                      "status": "ok", "parameters": {"min_group": 5 if when == "then" else 3}}]}))
        (run / "job" / "results.json").write_text(json.dumps({"by_unit": {"columns": columns, "rows": rows}}))
        out.append(run)
    return out[0], out[1]


def test_a_group_under_min_group_in_either_run_shows_no_difference(tmp_path):
    then, now = small_group_runs(tmp_path)
    c = compare.compare_runs(then, now)
    a, b, small = (by(c, "turnover_annual", f"unit = {u}") for u in "ABC")
    assert (a.then, a.now, a.difference, a.verdict) == (0.5, None, None, "suppressed")
    assert b.difference == pytest.approx(0.25) and b.p is not None
    # C holds 4 now: under the stricter min_group of the two runs (5), so nothing is shown for now
    assert (small.now, small.difference, small.p) == (None, None, None)
    page = series.render_comparison(c, tmp_path / "c.html").read_text()
    assert "suppressed" in page and "25 %" not in page  # C's 25 % of four people is never shown
    assert any("min_group changed" in n for n in c.notes)


# --------------------------------------------------------------------------- the history page


def test_the_history_lists_every_run_newest_first_and_draws_each_measure(quarters):
    page = (quarters["plain"] / "index.html").read_text()
    assert page.index(f"quarterly-{Q4}") < page.index(f"quarterly-{Q3}")
    assert page.count('<figure class="series">') >= 4
    (quarters["plain"] / "index.html").unlink()
    assert cli.main(["render", str(quarters["plain"])]) == 0
    assert (quarters["plain"] / "index.html").read_text().count('<figure class="series">') >= 4
    with browser.chromium() as driver:
        for target in (quarters["plain"] / "index.html", quarters["planted"] / series.PREVIOUS_PAGE):
            facts = browser.open_page(driver, target)
            assert facts["scrollWidth"] <= 1280 and not facts["overflow"], (target, facts["overflow"])
            assert not facts["broken"] and not facts["requests"], target
            assert all(a and not a.startswith("No description") for a in facts["images"]), facts["images"]


def test_compare_on_the_command_line_writes_the_page(quarters, tmp_path, capsys):
    out = tmp_path / "q.html"
    assert cli.main(["compare", str(quarters[Q3]), str(quarters["planted"]), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "up    01_metrics: turnover_annual (region = US)" in said and out.is_file()
    assert cli.main(["compare", str(tmp_path), str(quarters[Q4])]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert cli.main(["run", str(run_file(tmp_path)), "--check", "--as-of", "2025-02-30"]) == 2


def test_a_matrix_over_as_of_fills_the_same_history(quarters, tmp_path):
    """One run whose jobs are the days (``matrix: {as_of: [...]}``): its jobs are the points of
    one series, and two of its jobs compare as two runs do."""
    run = tmp_path / "outputs" / "matrix"
    run.mkdir(parents=True)
    record = json.loads((quarters[Q3] / "run.json").read_text())
    job = record["jobs"][0]
    record.update(run="matrix", as_of=None, jobs=[])
    for day in (Q3, Q4):
        shutil.copytree(quarters[day] / "01_metrics", run / f"01_metrics-{day}")
        record["jobs"].append({**job, "name": f"01_metrics-{day}", "group": "01_metrics", "matrix": {"as_of": day},
                               "parameters": {**job["parameters"], "as_of": day}})
    (run / "run.json").write_text(json.dumps(record))
    page = series.render_history(run.parent).read_text()
    assert "2 runs, data as of 2025-09-30 to 2025-12-31" in page and page.count('<figure class="series">') >= 4
    c = compare.compare_runs(run / f"01_metrics-{Q3}", run / f"01_metrics-{Q4}")
    plain = compare.compare_runs(quarters[Q3], quarters[Q4])
    assert [(r.measure, r.group, r.p) for r in c.rows] == [(r.measure, r.group, r.p) for r in plain.rows]


def test_an_index_never_says_nothing_changed_when_nothing_could_be_compared(quarters, tmp_path):
    """Finding 11: against a run of other data, the index said "No number changed beyond
    noise" although none of the numbers were comparable."""
    folder = tmp_path / "series"
    shutil.copytree(quarters[Q3], folder / f"quarterly-{Q3}")
    now = edited_copy(quarters[Q4], folder / f"quarterly-{Q4}", data="another-export.csv", mapping="theirs.yaml")
    changes = series.index_changes(now)
    assert changes["then"] and changes["tested"] == 0 and changes["left_out"] >= 1 and not changes["rows"]
    assert cli.main(["render", str(now)]) == 0
    for page in (now / "index.html", now / series.PREVIOUS_PAGE):
        text = page.read_text(encoding="utf-8")
        assert "No number could be compared" in text and "No number changed beyond noise" not in text, page.name
    # and a run of the same data still says how many numbers it compared
    same = series.index_changes(quarters[Q4])
    assert same["tested"] > 10


def test_a_misspelt_or_empty_measure_to_watch_is_an_error_not_a_silent_zero(quarters, capsys):
    """The probe: --fail-on-change with a misspelt or empty measure exited 0, so a monitoring
    job was silently off."""
    assert cli._said_run(quarters[Q4], ["turnover_anual"]) == 2
    assert "did you mean 'turnover_annual'" in capsys.readouterr().err
    assert cli._said_run(quarters[Q4], [""]) == 2
    assert cli._said_run(quarters[Q4], ["turnover_annual"]) in (0, cli.CHANGE_EXIT)
    assert cli._said_run(quarters[Q4], ["any"]) in (0, cli.CHANGE_EXIT)


def test_nan_infinity_and_a_damaged_results_file_are_said_not_a_traceback(quarters, tmp_path):
    odd = edited_copy(quarters[Q4], tmp_path / "odd")
    path = odd / "01_metrics" / "results.json"
    text = path.read_text(encoding="utf-8")
    results = json.loads(text)
    scalars = [k for k, v in results.items() if isinstance(v, (int, float)) and not isinstance(v, bool)][:4]
    for key, value in zip(scalars, (float("nan"), float("inf"), float("-inf"), float("nan"))):
        results[key] = value
    path.write_text(json.dumps(results), encoding="utf-8")  # NaN and Infinity, as Python's json writes them
    c = compare.compare_runs(quarters[Q3], odd)
    assert not [r for r in c.rows if r.measure in scalars and r.changed]
    path.write_text("{ this is not json", encoding="utf-8")
    c = compare.compare_runs(quarters[Q3], odd)
    assert any("damaged" in why for _, _, why in c.left_out) and not [r for r in c.rows if r.job == "01_metrics"]


def test_a_damaged_run_json_in_a_series_is_named_on_the_history_page(quarters, tmp_path):
    folder = tmp_path / "series"
    shutil.copytree(quarters[Q3], folder / f"quarterly-{Q3}")
    broken = folder / "quarterly-2025-06-30"
    shutil.copytree(quarters[Q3], broken)
    (broken / "run.json").write_text("{ not json", encoding="utf-8")
    shutil.copytree(quarters[Q4], folder / f"quarterly-{Q4}")
    page = series.render_history(folder).read_text(encoding="utf-8")
    assert "1 run folder left out" in page and "quarterly-2025-06-30" in page


def test_a_parameter_given_at_its_default_is_no_change(quarters, tmp_path):
    """The probe: period_months: 12 written out made compare refuse every number."""
    explicit = edited_copy(quarters[Q4], tmp_path / "explicit", horizon_months=12)
    c = compare.compare_runs(quarters[Q3], explicit)
    assert not c.left_out and by(c, "turnover_annual").p is not None
