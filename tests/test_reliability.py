"""Nothing silently wrong, nothing lost, nothing leaked across tables: one test (or a few) per
class of defect a careless analyst or a hostile data supplier finds, each placing the defect in
data or arguments it writes itself."""

from __future__ import annotations

import errno
import http.server
import json
import os
import socket
import threading
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

import talentkit as tk
from talentkit import drivers, ladder, staffing, summaries
from talentkit.cli import main
from talentkit.core import files
from talentkit.core.errors import DataError, ParameterError, RunError, TextDataError
from talentkit.data import datasets
from talentkit.runs import cluster, render, runfile, runner

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def people_csv(folder: Path, frame: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "people.csv", index=False)
    return folder


def snapshot(folder: Path, tenure: list, left: list | None = None) -> Path:
    n = len(tenure)
    return people_csv(folder, pd.DataFrame({"YearsAtCompany": tenure,
                                            "Attrition": left or (["Yes", "No"] * n)[:n]}))


# --------------------------------------------------------------------------- 1. silently wrong numbers

def test_thousands_separators_and_decimal_commas_are_read_by_the_stated_rule(tmp_path):
    # tenure in days written with a thousands separator: 1,234 days, not 1.234
    folder = snapshot(tmp_path / "days", ["1,234", "30", "2,000", "400"] * 5)
    mapping = tmp_path / "days.yaml"
    mapping.write_text("form: snapshot\nas_of: 2024-06-30\nsnapshot:\n  left: Attrition\n  tenure: YearsAtCompany\n"
                       "  tenure_unit: days\n")
    ds = datasets.load(folder, mapping=mapping)
    assert ds.people["tenure_months"].iloc[0] == pytest.approx(1234 / 30.4375)
    # an income column with separators is a number, not a category of hundreds of levels
    rng = np.random.default_rng(1)
    pay = rng.integers(1_000, 60_000, 80)
    people = pd.DataFrame({"employee_id": [f"e{i}" for i in range(80)], "hire_date": "2020-01-01",
                           "pay": [f"{v:,}" for v in pay], "bonus": [f"{v / 100:.1f}".replace(".", ",") for v in pay]})
    ds = datasets.load(people_csv(tmp_path / "pay", people))
    assert ds.attributes["pay"]["kind"] == "number" and ds.attributes["bonus"]["kind"] == "number"
    np.testing.assert_array_equal(ds.people["pay"].to_numpy(), pay.astype(float))
    np.testing.assert_allclose(ds.people["bonus"].to_numpy(), [float(f"{v / 100:.1f}") for v in pay])
    # both readings in one column: an error that names the line and the mapping line to add
    people["mixed"] = ["2,5", "1,234"] + ["3"] * 78
    people_csv(tmp_path / "mixed", people)
    with pytest.raises(DataError) as info:
        datasets.load(tmp_path / "mixed")
    message = str(info.value)
    assert "people.csv:2" in message and "'mixed'" in message and 'decimal: {mixed: ","}' in message
    declared = tmp_path / "mixed.yaml"
    declared.write_text('decimal: {mixed: ","}\n')
    assert datasets.load(tmp_path / "mixed", mapping=declared).people["mixed"].iloc[:2].tolist() == [2.5, 1.234]


def test_one_value_written_in_two_cases_is_one_group_with_a_warning(tmp_path):
    people = pd.DataFrame({"employee_id": [f"e{i}" for i in range(40)], "hire_date": "2020-01-01",
                           "region": ["US"] * 20 + ["us"] * 3 + ["CN"] * 17,
                           "dept": ["Data Science"] * 30 + ["data science"] * 10})
    ds = datasets.load(people_csv(tmp_path, people))
    assert ds.people["region"].value_counts().to_dict() == {"US": 23, "CN": 17}
    assert set(ds.people["dept"]) == {"Data Science"}
    said = [str(w) for w in ds.warnings]
    assert any("people.csv:22" in w and "'US' (20 rows), 'us' (3 rows)" in w and "read as 'US'" in w for w in said)
    assert any("'dept'" in w for w in said)
    table = tk.metrics.workforce(ds, "2019-01-01", "2020-12-31", group_by="region", min_group=5)
    assert set(table["region"]) == {"US", "CN"}


def event_history(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """People hired over five years, a third of them gone by 2024-06-30."""
    rng = np.random.default_rng(seed)
    hire = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    left = rng.random(n) < 0.35
    exit_ = hire + pd.to_timedelta(rng.integers(200, 1500, n), unit="D")
    exit_ = exit_.where(left & (exit_ <= pd.Timestamp("2024-06-30")))
    return pd.DataFrame({"employee_id": [f"e{i}" for i in range(n)], "hire_date": hire.strftime("%Y-%m-%d"),
                         "exit_date": exit_.strftime("%Y-%m-%d").fillna(""),
                         "region": rng.choice(["US", "CN", "DE"], n), "grade": rng.choice(["A", "B", "C"], n)})


def test_the_leakage_guard_scores_blanks_and_refuses_id_numbers(tmp_path):
    people = event_history()
    gone = people["exit_date"] != ""
    people["last_rating"] = np.where(gone, "", np.random.default_rng(2).integers(1, 5, len(people)).astype(str))
    people["badge"] = np.random.default_rng(3).permutation(100_000 + np.arange(len(people)) * 7)
    people["tag"] = np.random.default_rng(4).permutation(200_000 + np.arange(len(people)) * 3)  # no id in its name
    ds = datasets.load(people_csv(tmp_path, people), as_of="2024-06-30")
    assert ds.attributes["badge"]["kind"] == "personal"  # an id by its name and shape: never analysed or shown
    data = drivers.prepare(ds, horizon_months=12)
    assert "last_rating" not in data.attributes and "where it is blank" in data.excluded["last_rating"]
    assert "badge" not in data.attributes and "personal data" in data.excluded["badge"]
    assert "tag" not in data.attributes and "badge number" in data.excluded["tag"]
    assert "grade" in data.attributes


def test_fairness_with_fewer_than_two_groups_is_not_assessed(tmp_path):
    fair = tk.privacy.mark(pd.DataFrame({"origin": ["local", "international"], "n": [200.0, np.nan],
                                         "flag_ratio": [1.0, np.nan], "four_fifths": [False, False],
                                         "suppressed": [False, True]}), 5)
    text = summaries.drivers_summary(None, None, None, None, fair, "origin").data
    assert "not assessed" in text and "fewer than two groups of at least 5" in text
    assert "four\\-fifths" not in text and "none" not in text


def test_empty_texts_are_counted_in_the_report(tmp_path):
    rng = np.random.default_rng(0)
    words = ["pay", "growth", "manager", "team", "workload", "remote", "career", "learning"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(120)]
    texts = ["" if i % 3 == 0 and i < 123 else t for i, t in enumerate(texts)]
    frame = pd.DataFrame({"text": texts, "label": (["stayed", "left"] * 60), "employee_id": [f"e{i}" for i in range(120)]})
    frame.to_csv(tmp_path / "texts.csv", index=False)
    cfg = ladder.LadderConfig(data=str(tmp_path / "texts.csv"), task="", positive_label="stayed", rungs="tfidf",
                              folds=3, repeats=1, progress=False)
    result = ladder.run(cfg)
    assert result.empty_texts == 40 and result.n_texts == 80
    assert "40 empty texts of 120 rows" in summaries.ladder_setup(result).data.replace("\\", "")


# --------------------------------------------------------------------------- 2. leaks

def test_bin_labels_never_print_a_columns_extremes():
    pay = pd.Series(np.random.default_rng(0).normal(9_000, 2_500, 500).round())
    labels = [str(v) for v in drivers.binned(pay, "number").cat.categories]
    lowest, highest = f"{pay.min():,.0f}", f"{pay.max():,.0f}"
    assert not any(lowest in label or highest in label for label in labels), labels
    assert labels[0].startswith("≤ ") and labels[-1].startswith("≥ ")


def test_the_saved_tfidf_model_holds_no_term_fewer_than_min_group_writers_use(tmp_path):
    rng = np.random.default_rng(0)
    words = ["pay", "growth", "manager", "team", "workload", "remote", "career", "learning", "office", "hours"]
    rows = [{"text": " ".join(rng.choice(words, 8)), "label": label, "employee_id": f"e{i}"}
            for i, label in enumerate(["stayed", "left"] * 60)]
    for row in rows[:2]:  # one writer's two texts name a colleague and an id number
        row.update(employee_id="e0", text=row["text"] + " zebulon quarrington 48213977")
    pd.DataFrame(rows).to_csv(tmp_path / "texts.csv", index=False)
    cfg = ladder.LadderConfig(data=str(tmp_path / "texts.csv"), task="", positive_label="stayed", rungs="tfidf",
                              folds=3, repeats=1, progress=False, min_group=5)
    result = ladder.run(cfg, tmp_path / "out")
    vocabulary = joblib.load(result.saved / "pipeline.joblib")[0].vocabulary_
    assert not {t for t in vocabulary if "zebulon" in t or "quarrington" in t or "48213977" in t}
    assert "pay" in vocabulary
    assert "5 writers" in result.settings["tfidf"]["terms kept"][1]


def nested_company(n_scale: int = 1) -> pd.DataFrame:
    """Teams nested in regions, each region with one team under five people: the team that a
    table by team hides and a table by region would give back, were suppression table by table."""
    sizes = {("EU", "eu-data"): 40, ("EU", "eu-ml"): 30, ("EU", "eu-ops"): 4,
             ("US", "us-data"): 35, ("US", "us-ml"): 25, ("US", "us-sec"): 3,
             ("APAC", "ap-data"): 28, ("APAC", "ap-ml"): 22, ("APAC", "ap-ops"): 6}
    rows, rng = [], np.random.default_rng(7)
    for (region, team), n in sizes.items():
        for _ in range(n * n_scale):
            hire = pd.Timestamp("2019-01-01") + pd.Timedelta(days=int(rng.integers(0, 1700)))
            gone = rng.random() < 0.3
            exit_ = hire + pd.Timedelta(days=int(rng.integers(100, 900)))
            rows.append({"hire_date": f"{hire:%Y-%m-%d}",
                         "exit_date": f"{exit_:%Y-%m-%d}" if gone and exit_ <= pd.Timestamp("2024-06-30") else "",
                         "region": region, "team": team, "level": rng.choice(["L1", "L2", "L3"])})
    frame = pd.DataFrame(rows)
    frame.insert(0, "employee_id", [f"e{i}" for i in range(len(frame))])
    return frame


def report_tables(html: Path) -> list[pd.DataFrame]:
    """Every table of a report as text cells (hidden cells read as they are shown)."""
    out = []
    for table in BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find_all("table"):
        head = [th.get_text(" ", strip=True) for th in table.find_all("th") if th.find_parent("thead")]
        rows = [[td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])] for tr in table.find_all("tr")
                if tr.find_parent("tbody")]
        rows = [r[-len(head):] for r in rows if head and len(r) >= len(head)]
        if head and rows:
            out.append(pd.DataFrame(rows, columns=head))
    return out


def _count(cell: str):
    text = cell.replace(",", "").replace("\u202f", "").strip()
    return int(text) if text.isdigit() else None


def keyed_counts(table: pd.DataFrame, values: set[str]) -> list[tuple[str, dict[str, dict[str, int | None]]]]:
    """(column, {key value: count or None when hidden}) for every count column of ``table``
    whose key cells are among ``values``: a table by region, or the rows of one column of a
    profile table."""
    out = []
    key = next((c for c in table.columns if table[c].isin(values).sum() >= 2), None)
    if key is None:
        return out
    rows = table[table[key].isin(values)]
    for column in table.columns:
        if column == key:
            continue
        cells = rows[column].tolist()
        parsed = [_count(c) for c in cells]
        hidden = [c.startswith("<") for c in cells]
        if all(p is not None or h for p, h in zip(parsed, hidden)) and any(p is not None for p in parsed):
            out.append((column, {k: (None if h else p) for k, p, h in zip(rows[key], parsed, hidden)}))
    return out


@pytest.mark.slow
def test_no_group_under_min_group_is_recoverable_by_one_subtraction_across_a_runs_tables(tmp_path):
    people = nested_company()
    data = people_csv(tmp_path / "data", people)
    run_file = tmp_path / "linked.yaml"
    run_file.write_text(f"""run: linked
jobs_at_once: 2
defaults: {{data: "{data}", as_of: "2024-06-30"}}
jobs:
  - notebook: {NOTEBOOKS / '00_data_profile.ipynb'}
  - notebook: {NOTEBOOKS / '01_metrics.ipynb'}
    matrix: {{group_by: [region, team]}}
  - notebook: {NOTEBOOKS / '06_drivers.ipynb'}
    params: {{text_task: "", protected: level}}
""")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    assert code == 0, json.loads((run_dir / "run.json").read_text())
    parent = people.drop_duplicates("team").set_index("team")["region"].to_dict()
    regions, teams = set(parent.values()), set(parent)
    tables = [t for html in sorted(run_dir.glob("*/report.html")) for t in report_tables(html)]
    by_region = [(c, v) for t in tables for c, v in keyed_counts(t, regions)]
    by_team = [(c, v) for t in tables for c, v in keyed_counts(t, teams)]
    assert by_region and by_team, "the reports show tables by region and by team"
    hidden_teams = {k for _, v in by_team for k, x in v.items() if x is None}
    assert {"eu-ops", "us-sec"} <= hidden_teams
    checked = 0
    for column, regions_shown in by_region:
        for other, teams_shown in by_team:
            if other != column:
                continue
            for region, total in regions_shown.items():
                children = {t: x for t, x in teams_shown.items() if parent[t] == region}
                if total is None or not children:
                    continue
                checked += 1
                hidden = [t for t, x in children.items() if x is None]
                if len(hidden) == 1:
                    recovered = total - sum(x for x in children.values() if x is not None)
                    assert not 0 < recovered < 5, (column, region, hidden, recovered)
    assert checked >= 6


def test_suppression_across_nested_groupings_by_hand():
    people = nested_company()
    t = people.groupby("team").size().rename("n").reset_index()
    hidden = tk.privacy.suppress(t, ["team"], 5, people=people)
    shown = dict(zip(hidden["team"], hidden["suppressed"]))
    parent = people.drop_duplicates("team").set_index("team")["region"]
    for region in parent.unique():
        count = sum(shown[t] for t in parent.index[parent == region])
        assert count != 1, (region, shown)
    assert shown["eu-ops"] and shown["us-sec"] and not shown["ap-ops"]


# --------------------------------------------------------------------------- 3. data loss

def tiny_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A report\n\nIt holds a table.")])
    nbformat.write(nb, str(path))
    return path


def test_a_full_disk_leaves_the_previous_report_whole(tmp_path, monkeypatch):
    notebook = tiny_notebook(tmp_path / "job.ipynb")
    report = render.render_notebook(notebook, tmp_path / "report.html")
    before = report.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        render.render_notebook(notebook, tmp_path / "report.html")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "report.html")
    assert report.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job.ipynb", "report.html"]  # no half-written file left


def test_render_never_writes_through_a_planted_link(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("the user's own file")
    folder = tmp_path / "job"
    folder.mkdir()
    notebook = tiny_notebook(folder / "job.ipynb")
    (folder / "report.html").symlink_to(precious)
    render.render_notebook(notebook, folder / "report.html")
    assert precious.read_text() == "the user's own file"
    assert not (folder / "report.html").is_symlink() and "A report" in (folder / "report.html").read_text()


def fake_run(folder: Path, status: str, pid: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"run": folder.name, "started": "2026-12-01T00:00:00+00:00",
                                                 "status": status, "pid": pid, "host": socket.gethostname(),
                                                 "jobs": []}))
    (folder / "keep.txt").write_text("earlier results")
    return folder


def test_force_refuses_a_live_run_and_keeps_the_old_one_until_the_new_one_ends_well(tmp_path):
    fake_run(tmp_path / "out" / "default", "running", os.getpid())
    with pytest.raises(RunError) as info:
        runner.choose_run_dir(tmp_path / "out", "default", force=True, new=False)
    assert "still being written by process" in str(info.value)
    assert (tmp_path / "out" / "default" / "keep.txt").exists()
    # a run killed outright (its process gone) may be replaced; the old one waits aside
    dead = 2 ** 22 + 12345
    fake_run(tmp_path / "out2" / "default", "running", dead)
    target = runner.choose_run_dir(tmp_path / "out2", "default", force=True, new=False)
    assert not target.exists() and (runner.replaced_name(target) / "keep.txt").exists()


def test_a_forced_run_that_fails_keeps_the_run_it_replaced(tmp_path, batch_fixture_notebook):
    rf = tmp_path / "r.yaml"
    rf.write_text(f"run: r\njobs:\n  - notebook: {batch_fixture_notebook}\n    params: {{x: 1}}\n")
    fake_run(tmp_path / "out" / "r", "ok", 1)
    rf.write_text(f"run: r\njobs:\n  - notebook: {batch_fixture_notebook}\n    params: {{x: -1}}\n")  # fails
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", force=True, progress=False)
    info = json.loads((run_dir / "run.json").read_text())
    assert code == 1 and info["replaced_run_kept"].endswith(".r.replaced")
    assert (Path(info["replaced_run_kept"]) / "keep.txt").read_text() == "earlier results"
    # forced again, failing again: the failed run goes, the last good one stays aside
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", force=True, progress=False)
    assert code == 1 and (runner.replaced_name(run_dir) / "keep.txt").read_text() == "earlier results"


@pytest.fixture
def batch_fixture_notebook(tmp_path):
    """A one-cell notebook that fails for a negative x."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1  # a number", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("assert x >= 0, 'x is negative'")])
    nb.metadata["kernelspec"] = {"name": "talentkit", "display_name": "Python (talentkit)", "language": "python"}
    path = tmp_path / "fixture.ipynb"
    nbformat.write(nb, str(path))
    return path


# --------------------------------------------------------------------------- 4. hangs

def test_a_web_server_at_the_cluster_address_is_named_not_waited_on(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = time.time()
    try:
        with pytest.raises(RunError) as info:
            cluster.check_scheduler(f"tcp://127.0.0.1:{server.server_port}", timeout=2)
    finally:
        server.shutdown()
    assert time.time() - started < 10 and "not a Dask scheduler" in str(info.value)


def test_local_workers_are_capped_and_the_address_checked_before_any_folder(tmp_path, capsys):
    workers, why = cluster.local_workers(64, 3)
    assert workers <= min(3, os.cpu_count()) and "local:64 runs" in why and "3 jobs" in why
    assert cluster.local_workers(1, 3) == (1, None)
    rf = tmp_path / "r.yaml"
    rf.write_text(f"run: r\njobs:\n  - notebook: {NOTEBOOKS / '00_data_profile.ipynb'}\n")
    for address in ("http://[::1", "http://localhost:8787", "tcp://127.0.0.1:1"):
        assert main(["run", str(rf), "--out", str(tmp_path / "out"), "--cluster", address]) == 2
        assert "--cluster" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- 5. raw tracebacks

@pytest.mark.parametrize("value,said", [("1e12", "over 80 years"), ("inf", "not a finite number"),
                                        ("250", "over 80 years"), ("", "tenure is blank")])
def test_impossible_tenures_are_errors_on_the_tenure_column(tmp_path, value, said):
    folder = snapshot(tmp_path, ["3"] * 19 + [value])
    with pytest.raises(DataError) as info:
        datasets.load(folder, as_of="2024-06-30")
    message = str(info.value)
    assert "people.csv:21: column 'YearsAtCompany'" in message and said in message and "hire_date" not in message


def test_a_day_that_does_not_exist_is_a_parameter_error():
    with pytest.raises(ParameterError, match="February 2024 has 29 days"):
        datasets.load("synthetic:small", as_of="2024-02-30")


def test_an_unwritable_out_is_one_line(tmp_path, monkeypatch, capsys):
    from talentkit.data import synth

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "ro" / "people.csv"))

    monkeypatch.setattr(synth, "write", refused)
    assert main(["data", "make", "--out", str(tmp_path / "ro")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and "ro/people.csv" in err


@pytest.mark.parametrize("damage,said", [
    ('{"run": "x", "started": "t", "jobs": [{"name": "a"', "not complete JSON"),
    ('{"run": "x", "started": "t"}', "field 'jobs': Field required"),
    ('{"run": "x", "started": "t", "jobs": [{"name": "a", "notebook": 3, "output_notebook": "a.ipynb"}]}',
     "field 'jobs.0.notebook'"),
    ('[1, 2]', "holds a list"),
])
def test_render_on_a_damaged_run_json_says_which_field(tmp_path, capsys, damage, said):
    (tmp_path / "run.json").write_text(damage)
    assert main(["render", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


def test_render_on_a_damaged_notebook_renders_the_rest_and_names_it(tmp_path, capsys):
    jobs = [{"name": n, "notebook": "nb", "output_notebook": "job.ipynb", "status": "ok"} for n in ("a", "b", "c")]
    (tmp_path / "run.json").write_text(json.dumps({"run": "x", "started": "t", "jobs": jobs}))
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
    tiny_notebook(tmp_path / "a" / "job.ipynb")
    (tmp_path / "b" / "job.ipynb").write_text('{"cells": [')
    (tmp_path / "c" / "job.ipynb").mkdir()
    assert main(["render", str(tmp_path / "run.json")]) == 2
    err = capsys.readouterr().err
    assert "b/job.ipynb: cannot be read" in err and "c/job.ipynb: a folder" in err
    assert (tmp_path / "a" / "report.html").exists() and (tmp_path / "index.html").exists()


def test_texts_of_too_few_writers_are_a_clear_error(tmp_path):
    frame = pd.DataFrame({"text": [f"fine work {i}" for i in range(60)], "label": ["stayed", "left"] * 30,
                          "employee_id": "e1"})
    for writers, said in ((1, "come from 1 writer"), (4, "lower folds to 3")):
        frame["employee_id"] = [f"e{i % writers}" for i in range(60)]
        frame.to_csv(tmp_path / "t.csv", index=False)
        cfg = ladder.LadderConfig(data=str(tmp_path / "t.csv"), task="", positive_label="stayed", rungs="tfidf",
                                  progress=False)
        with pytest.raises(TextDataError, match=said):
            ladder.run(cfg)


# --------------------------------------------------------------------------- 6. misleading errors

def test_a_snapshot_with_one_outcome_says_so_not_as_of(tmp_path):
    folder = snapshot(tmp_path, [str(v) for v in range(1, 41)], ["Yes"] * 40)
    ds = datasets.load(folder, as_of="2024-06-30")
    with pytest.raises(ParameterError) as info:
        drivers.prepare(ds)
    assert "snapshot export" in str(info.value) and "left_values" in str(info.value)
    assert "as_of or horizon_months" not in str(info.value)


def test_a_scenario_file_is_found_from_the_notebooks_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError):
        staffing.find_application("healthcare")
    monkeypatch.setenv("TALENTKIT_NOTEBOOK_DIR", str(NOTEBOOKS))
    assert staffing.find_application("healthcare") == ROOT / "params" / "scenarios" / "healthcare.yaml"


# --------------------------------------------------------------------------- 7. parameters checked for value

@pytest.mark.parametrize("override,said", [
    ("min_group=0", "parameter 'min_group' = 0"),
    ("min_group=-3", "parameter 'min_group' = -3"),
    ("min_group=2", "allow_small_groups"),
    ("evaluation=cvv", "'cvv' is not allowed: allowed auto | cv | split; closest: cv"),
    ("folds=1", "'folds' = 1 is not allowed: allowed at least 2; closest: 2"),
    ("as_of=2024-02-30", "February 2024 has 29 days"),
    ("unit=tem", "closest: team"),
    ("evalaution=cv", "did you mean 'evaluation'"),
])
def test_check_refuses_a_bad_value_fast_naming_job_parameter_allowed_and_closest(override, said, capsys):
    started = time.time()
    assert main(["run", str(ROOT / "params" / "default.yaml"), "--check", "-p", override]) == 2
    err = capsys.readouterr().err
    assert time.time() - started < 5 and said in err
    assert "job '" in err or override.startswith("evalaution")


def test_values_are_coerced_as_people_type_them(tmp_path):
    overrides = runfile.parse_overrides(["positive_label=0", "as_of=2024-06-30"])
    run = runfile.RunFile(run="c", jobs=[{"notebook": str(NOTEBOOKS / "02_finetune.ipynb")},
                                         {"notebook": str(NOTEBOOKS / "06_drivers.ipynb")}])
    jobs = runfile.check_jobs(runfile.expand_jobs(run, tmp_path / "r.yaml", overrides), tmp_path / "r.yaml")
    assert jobs[0].params["positive_label"] == "0" and jobs[0].params["as_of"] == "2024-06-30"  # 02 takes as_of
    assert jobs[1].params["as_of"] == "2024-06-30" and "positive_label" not in jobs[1].params


def test_params_lists_each_parameters_allowed_values(capsys):
    assert main(["params", str(NOTEBOOKS / "02_finetune.ipynb")]) == 0
    out = capsys.readouterr().out
    assert "[allowed: auto | cv | split]" in out and "[allowed: at least 2]" in out
    declared = runfile.notebook_parameters(NOTEBOOKS / "06_drivers.ipynb")
    assert declared["folds"]["allowed"] == ["at least 2"] and "[" not in declared["folds"]["help"]


def test_atomic_write_keeps_the_file_mode_a_plain_open_gives(tmp_path):
    path = files.write_atomic(tmp_path / "a.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == 0o666 & ~umask


# --------------------------------------------------------------------------- beyond the examples

def _load_people(tmp_path, frame, **kw):
    return datasets.load(people_csv(tmp_path / "d", frame), **kw)


def test_more_ways_of_writing_numbers_and_names(tmp_path):
    people = pd.DataFrame({"employee_id": [f"e{i}" for i in range(60)], "hire_date": "2020-01-01",
                           "pay": [f"{10_000 + i:,}".replace(",", "\u00a0") for i in range(60)],  # Excel's French export
                           "rate": [f"1.{i:03d},5" for i in range(60)],
                           "team": ["Data Science"] * 50 + [" data  science "] * 10})
    ds = _load_people(tmp_path, people)
    assert ds.people["pay"].iloc[0] == 10_000 and ds.people["rate"].iloc[1] == 1001.5
    assert set(ds.people["team"]) == {"Data Science"}
    folder = tmp_path / "mv"
    people_csv(folder, pd.DataFrame({"employee_id": [f"e{i}" for i in range(60)], "hire_date": "2020-01-01",
                                     "region": ["US"] * 40 + ["CN"] * 20}))
    pd.DataFrame({"employee_id": ["e41"], "date": "2021-01-01", "from_region": "CN", "to_region": "us"}).to_csv(
        folder / "moves.csv", index=False)
    assert datasets.load(folder).moves["to_region"].tolist() == ["US"]  # one spelling across tables


@pytest.mark.parametrize("tenure,mapping,said", [
    ("-inf", "", "not a finite number"),
    ("1e308", "tenure_unit: months", "over 80 years"),
    ("3 years", "", "not a finite number"),
])
def test_more_impossible_tenures(tmp_path, tenure, mapping, said):
    folder = snapshot(tmp_path / "d", ["3"] * 19 + [tenure])
    spec = tmp_path / "m.yaml"
    spec.write_text("form: snapshot\nas_of: 2024-06-30\nsnapshot:\n  left: Attrition\n  tenure: YearsAtCompany\n"
                    + (f"  {mapping}\n" if mapping else ""))
    with pytest.raises(DataError, match=said):
        datasets.load(folder, mapping=spec)


def test_more_bad_days_addresses_and_records(tmp_path, capsys):
    bad_day = tmp_path / "m.yaml"
    bad_day.write_text("as_of: 2023-13-01\n")
    with pytest.raises(DataError, match="a date that does not exist"):
        datasets.load("synthetic:small", mapping=bad_day)
    with pytest.raises(RunError, match="Port out of range"):
        cluster.parse_cluster("tcp://localhost:99999")
    assert cluster.local_workers(200, 7)[0] <= min(7, os.cpu_count())
    (tmp_path / "run.json").write_bytes(b"\xff\xfe\x00")
    assert main(["render", str(tmp_path)]) == 2 and "not UTF-8" in capsys.readouterr().err
    (tmp_path / "run.json").write_text('{"run": "x", "started": "t", "jobs": "abc"}')
    assert main(["render", str(tmp_path)]) == 2 and "field 'jobs'" in capsys.readouterr().err


def test_a_snapshot_where_nobody_left_says_so(tmp_path):
    ds = datasets.load(snapshot(tmp_path / "d", [str(v) for v in range(1, 41)], ["No"] * 40), as_of="2024-06-30")
    with pytest.raises(ParameterError, match="nobody in this snapshot export left"):
        drivers.prepare(ds)


@pytest.mark.parametrize("override,said", [
    ({"rank_by": "auc"}, "closest: roc_auc"), ({"device": "gpu"}, "allowed auto | cpu | cuda"),
    ({"internal_available_share": 1.5}, "allowed 0 to 1; closest: 1"), ({"top_k": 0}, "at least 1"),
    ({"task": "retain"}, "closest: retention"), ({"min_group": 2.5}, "whole number"),
    ({"as_of": "June 2024"}, "not a date written YYYY-MM-DD"), ({"year": -1}, "at least 0"),
])
def test_more_values_check_refuses(override, said):
    run_file = ROOT / "params" / "default.yaml"
    with pytest.raises(RunError, match=said.replace("|", r"\|")):
        runfile.check_jobs(runfile.expand_jobs(runfile.load_run_file(run_file), run_file, override), run_file)
