"""The shipped notebooks, run headless through the runner at small size (params/smoke.yaml).

Their recorded numbers must equal the package's functions called directly, their reports
must carry no code and no employee id, and suppressed groups must read ``<5``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import talentkit as tk
from talentkit import metrics
from talentkit.core import stats
from talentkit.data import timeline
from talentkit.runs import runfile, runner

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def results(run_dir: Path, job: str) -> dict:
    return json.loads((run_dir / job / "results.json").read_text())


def test_every_notebook_is_in_default_and_smoke():
    notebooks = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb"))
    for run_file in ("default.yaml", "smoke.yaml"):
        run = runfile.load_run_file(ROOT / "params" / run_file)
        assert sorted({j.notebook for j in run.jobs}) == notebooks, run_file


def test_reports_have_no_code_and_no_ids(smoke):
    ds = tk.load("synthetic:small")
    ids = set(ds.people["employee_id"]) | set(ds.candidates["candidate_id"])
    for report in smoke.glob("*/report.html"):
        page = report.read_text()
        assert "import talentkit" not in page, report
        found = set(re.findall(r"\b[EC]\d{5,6}\b", page)) & ids
        assert not found, (report, sorted(found)[:5])
        assert not re.search(r"<script[^>]+src=", page)


def test_metrics_notebook_matches_the_package(smoke):
    r = results(smoke, "01_metrics")
    ds = tk.load("synthetic:small")
    end = ds.as_of
    start = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    overall = metrics.workforce(ds, start, end, None, min_group=10).iloc[0]
    assert r["turnover_annual"] == pytest.approx(overall["turnover_annual"], abs=1e-12)
    assert r["period_retention"] == pytest.approx(overall["period_retention"], abs=1e-12)
    cohort_end = end - pd.DateOffset(months=12)
    article = metrics.article_metrics(ds, cohort_end - pd.DateOffset(years=1) + pd.Timedelta(days=1), cohort_end,
                                      horizon_months=12, min_group=10)
    assert article["suppressed"].tolist() == [False, True, True, False]  # 4 movers: under min_group 10
    for m in "ARFS":
        expected = article.loc[m, "value"]
        assert (r[f"article_{m}"] is None) if pd.isna(expected) else r[f"article_{m}"] == pytest.approx(expected)
    table = pd.DataFrame(r["kpi_by_group"]["rows"], columns=r["kpi_by_group"]["columns"])
    by_team = metrics.workforce(ds, start, end, "team", min_group=10)
    assert table["team"].tolist() == by_team["team"].tolist()
    assert table["turnover_annual"].tolist() == pytest.approx(by_team["turnover_annual"].tolist(), nan_ok=True)
    assert table["suppressed"].tolist() == by_team["suppressed"].tolist()
    for fig in ("turnover", "heatmap", "tenure_curves", "funnel"):
        assert (smoke / "01_metrics" / "figures" / f"{fig}.png").stat().st_size > 1000


def test_small_groups_show_suppressed(smoke):
    """The smoke run groups the small dataset by team with min_group 10: the teams under 10
    people show <10 in the report and have no numbers in results.json."""
    ds = tk.load("synthetic:small")
    start = ds.as_of - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    hidden = metrics.workforce(ds, start, ds.as_of, "team", min_group=10)
    assert hidden["suppressed"].sum() >= 3
    page = (smoke / "01_metrics" / "report.html").read_text()
    assert page.count("&lt;10") >= hidden["suppressed"].sum()
    rows = results(smoke, "01_metrics")["kpi_by_group"]["rows"]
    assert all(r[1] is None and r[2] is None for r in rows if r[-1])  # n and turnover hidden


def test_case_study_reproduces_the_article_and_matches_the_package(smoke):
    from talentkit import casestudy, tenure

    r = results(smoke, "03_case_study")
    assert (r["case_A"], r["case_R"], r["case_F"], r["case_S"]) == (1.0, 0.5, 0.5, 0.9)
    case = casestudy.article_case()
    cm = metrics.article_metrics(case, casestudy.CASE_START, casestudy.CASE_END, "US", 12)
    assert (r["case_R_lo"], r["case_R_hi"]) == (pytest.approx(cm.loc["R", "value_lo"]), pytest.approx(cm.loc["R", "value_hi"]))
    assert r["case_offer_acceptance"] == metrics.funnel(case, group_by=None).iloc[0]["offer_acceptance"] == 0.8
    assert (r["case_moved_internally"], r["case_left"]) == (30, 20)
    assert r["sample_size_R_10pts"] == stats.sample_size_two_proportions(0.5, 0.6)
    # part 3 on the small synthetic dataset, its default cohort: the year whose 12-month horizon has passed
    ds = tk.load("synthetic:small")
    cs, ce = r["cohort"].split(" to ")
    assert (cs, ce) == ("2024-01-01", "2024-12-31")
    rm = metrics.article_metrics(ds, cs, ce, "US", 12)
    for m in "ARFS":
        expected = rm.loc[m, "value"]
        assert (r[f"region_{m}"] is None) if pd.isna(expected) else r[f"region_{m}"] == pytest.approx(expected)
    expected = {"retention_by_origin": tenure.retention_table(ds, "origin", start=cs, end=ce, region="US"),
                "retention_by_region": tenure.retention_table(ds, "region", start=cs, end=ce)}
    for name, table in expected.items():
        got = pd.DataFrame(r[name]["rows"], columns=r[name]["columns"])
        values = pd.to_numeric(got["retention_12m"]).tolist()
        assert values == pytest.approx(table["retention_12m"].tolist(), nan_ok=True), name
    assert expected["retention_by_region"]["retention_12m"].notna().sum() >= 3
    split = casestudy.movers_and_leavers(ds, cs, ce, "US", 12)
    got = pd.DataFrame(r["region_split"]["rows"], columns=r["region_split"]["columns"])
    assert got["people"].tolist() == pytest.approx(split["people"].tolist(), nan_ok=True)
    assert got["suppressed"].tolist() == split["suppressed"].tolist()


def test_regions_batch_one_job_per_region_with_suppression(tmp_path):
    """On the small dataset, the 2024 cohorts of SG (3 hires) and IN (1) are under min_group:
    their jobs stop with a clear message instead of publishing them; the others run, and
    their small groups read <5."""
    ds = tk.load("synthetic:small")
    cs, ce = timeline.cohort_window(ds.as_of, None, None, 12)
    sizes = {r: len(metrics.cohort(ds, cs, ce, r)) for r in ["US", "CN", "EU", "SG", "IN"]}
    code, run_dir = runner.execute_run(ROOT / "params" / "regions.yaml", out_root=tmp_path,
                                       overrides={"data": "synthetic:small"}, progress=False)
    info = {j["name"]: j for j in json.loads((run_dir / "run.json").read_text())["jobs"]}
    index = (run_dir / "index.html").read_text()
    assert code == 1 and {r for r, n in sizes.items() if n < 5} == {"SG", "IN"}
    for region, n in sizes.items():
        job = info[f"case-{region}"]
        assert f"case-{region}/report.html" in index
        if n < 5:
            assert job["status"] == "failed" and "SmallGroupError" in job["error"], job
            assert not (run_dir / f"case-{region}" / "results.json").exists() or \
                "region_R" not in results(run_dir, f"case-{region}")
            page = (run_dir / f"case-{region}" / "report.html").read_text()
            assert f"{n} hires" not in page and "fewer than 5 people" in page
        else:
            assert job["status"] == "ok", job
    # EU's cohort (7 people) has groups under 5: hidden, with no number left in results.json
    r = results(run_dir, "case-EU")
    tables = [r["destinations"], r["retention_by_origin"], r["region_split"]]
    hidden = [row for t in tables for row in t["rows"] if row[-1]]
    assert hidden, "EU has groups under min_group"
    assert all(v is None for row in hidden for v in row[1:-1] if not isinstance(v, str))
    assert "&lt;5" in (run_dir / "case-EU" / "report.html").read_text()
    # the index compares the matrix's jobs side by side: one column a region, numbers as in results.json
    from bs4 import BeautifulSoup

    from talentkit.runs import browser

    soup = BeautifulSoup(index, "html.parser")
    table = soup.find("h2", string=re.compile("side by side by region")).find_next("table")
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")]
    assert rows[0] == ["Result", "US", "CN", "EU", "SG", "IN"]
    assert rows[1][0] == "S, the region"  # the one result that differs across regions comes first
    for region, cell in zip(["US", "CN", "EU", "SG", "IN"], rows[1][1:]):
        value = results(run_dir, f"case-{region}").get("region_S") if region in ("US", "CN", "EU") else None
        assert cell == ("" if value is None else f"{round(value * 100)}\u00a0%"), (region, cell)
    chart = table.find_next("img")
    assert chart["src"].startswith("data:image/png;base64,") and "headline numbers by region" in chart["alt"]
    with browser.chromium() as driver:
        facts = browser.open_page(driver, run_dir / "index.html")
    assert facts["scrollWidth"] <= 1280 and not facts["overflow"] and all(facts["images"])


def test_network_notebook_matches_the_package(smoke):
    from talentkit import network

    r = results(smoke, "05_network")
    ds = tk.load("synthetic:small")
    year = r["year"]
    f = network.attendance_flows(ds, f"{year}-01-01", f"{year}-12-31")
    assert r["cross_unit_share"] == pytest.approx(network.cross_unit_share(f), abs=1e-12)
    risk = network.key_person_risk(network.person_graph(f), f, 3)
    assert r["top_k_share"] == pytest.approx(risk.top_k_share, abs=1e-12)


def test_finetune_notebook_records_its_ladder_and_saves_the_winner(smoke):
    from talentkit import ladder

    r = results(smoke, "02_finetune")
    winner = smoke / "02_finetune" / "finetune" / "winner"
    saved = json.loads((winner / "ladder.json").read_text())
    assert r["winner"] == saved["rung"] and r["n_texts"] == 200
    for rung in ("tfidf", "embed", "finetune"):  # the smoke run's ladder
        assert 0 <= r[f"{rung}_f1"] <= 1
        if rung != "tfidf":
            assert r[f"{rung}_verdict"] == ladder.verdict(r[f"{rung}_diff_f1_lo"], r[f"{rung}_diff_f1_hi"])
    assert ladder.load_scorer(winner).predict_proba(["My manager supports me."]).shape == (1,)


def test_scenarios_notebook_matches_the_package(smoke):
    from talentkit import flows

    r = results(smoke, "04_scenarios")
    ds = tk.load("synthetic:small")
    bt = flows.backtest(ds, 2025, 3)
    assert r["backtest_max_relative_error"] == pytest.approx(float(bt["relative_error"].abs().max()), abs=1e-12)
    staffing = pd.DataFrame(r["staffing"]["rows"], columns=r["staffing"]["columns"])
    assert len(staffing) == 2 and set(staffing["scenario"]) == {"Intelligent customer service", "Manufacturing"}
    assert (smoke / "04_scenarios" / "figures" / "staffing_gantt.png").exists()


def test_drivers_notebook_matches_the_package(smoke):
    from talentkit import drivers

    r = results(smoke, "06_drivers")
    people = drivers.prepare(tk.load("synthetic:small"), text_task="pulse")
    models = drivers.compare_models(people, folds=3, repeats=1)
    recorded = {row[0]: row[1] for row in r["cv_scores"]["rows"]}
    assert recorded == pytest.approx(dict(zip(models.table["model"], models.table["roc_auc"])), abs=1e-9)
    assert r["best_model"] == models.best
    assert r["concordance"] == pytest.approx(drivers.cox(people).concordance, abs=1e-9)
    assert r["population"]["people"] == int(people.window.sum()) and r["population"]["texts"] == "pulse"
    for fig in ("km_top_drivers", "hazard_by_tenure", "hazard_ratios", "roc", "calibration", "importance"):
        assert (smoke / "06_drivers" / "figures" / f"{fig}.png").stat().st_size > 1000
