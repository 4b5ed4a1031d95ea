"""Teaching workshops: live controls in a person's kernel and none under the runner; every
control recomputing through the package; exercises that check themselves without giving the
answer away; the teaching and solutions batches; JupyterLab in a real browser, a slider
moved and the figure redrawn.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import talentkit as tk
from talentkit import casestudy, drivers, exercises, flows, ladder, metrics, network, scenarios, widgets
from talentkit.core.errors import ParameterError
from talentkit.data import timeline
from talentkit.runs import browser, runner

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


@pytest.fixture(scope="module")
def small():
    return tk.load("synthetic:small")


@pytest.fixture(scope="module")
def quick_ladder():
    return ladder.run(ladder.LadderConfig(data="synthetic:small", task="retention", rungs="tfidf", folds=2,
                                          repeats=1, max_texts=200))


@pytest.fixture(scope="module")
def flow_model(small):
    model = flows.FlowModel("region").fit(small, *flows.last_years(small, 3))
    base = scenarios.baseline_from_data(small, 150000.0, 0.5, {"referral": 12000.0, "campus": 8000.0},
                                        *timeline.calendar_year(flows.last_years(small, 3)[1]))
    return model, base


@pytest.fixture(scope="module")
def graph(small):
    f = network.attendance_flows(small, *timeline.calendar_year(network.latest_year(small)), unit="region")
    return network.person_graph(f), f


# --------------------------------------------------------------------------- interactive: auto


def test_interactive_auto_is_off_outside_a_kernel_and_under_the_runner(monkeypatch):
    monkeypatch.delenv("TALENTKIT_JOB_DIR", raising=False)
    assert widgets.live(True) and not widgets.live(False)
    assert not widgets.live("auto")  # plain Python: no kernel, no one to see a control
    monkeypatch.setenv("TALENTKIT_JOB_DIR", "/tmp/job")
    assert not widgets.live("auto") and widgets.scenario_explorer(None, None, interactive="auto") is None
    for bad in ("yes", 1, None):
        with pytest.raises(ParameterError, match="interactive"):
            widgets.live(bad)


def test_every_notebook_is_committed_without_outputs():
    """A committed notebook carries no outputs and no execution counts: a run's numbers (and
    any value from data) live in outputs/, never in the repository (the pre-commit hook runs this)."""
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [] and cell.get("execution_count") is None, (path.name, cell.get("id"))


def test_every_notebook_has_the_parameters_and_language_metadata():
    """In a notebook with live controls or exercises (01-06), interactive defaults to auto and
    solutions to False; every notebook's language metadata is complete, so JupyterLab has
    nothing to add (no 'unsaved changes' on opening)."""
    from talentkit.runs import runfile

    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"]["language_info"]["pygments_lexer"] == "ipython3", path.name
        assert nb["metadata"]["language_info"]["codemirror_mode"] == {"name": "ipython", "version": 3}, path.name
        text = path.read_text(encoding="utf-8")
        if "tk.widgets." not in text and "exercises.check" not in text:  # 00 and 07: nothing to teach with yet
            continue
        params = runfile.notebook_parameters(path)
        assert params["interactive"]["default"] == '"auto"' and params["solutions"]["default"] == "False", path.name


# --------------------------------------------------------------------------- every control recomputes


def test_metrics_controls_recompute_the_kpi_table(small):
    w = widgets.metrics_explorer(small, small.group_keys(), "region", small.as_of, 12, 5, interactive=True)
    assert_frame_equal(w.result, metrics.workforce(small, *timeline.trailing(small.as_of, 12), "region", min_group=5))
    w.children[0].value = "team"  # a change event, as a person's click sends it
    assert_frame_equal(w.result, metrics.workforce(small, *timeline.trailing(small.as_of, 12), "team", min_group=5))
    w.children[1].value = 6
    start, end = timeline.trailing(small.as_of, 6)
    assert start == small.as_of - pd.DateOffset(months=6) + pd.Timedelta(days=1)
    assert_frame_equal(w.result, metrics.workforce(small, start, end, "team", min_group=5))


def test_threshold_control_recomputes_precision_and_recall(quick_ladder):
    from sklearn.metrics import precision_score, recall_score

    w = widgets.threshold_explorer(quick_ladder, interactive=True)
    y, p = quick_ladder.oof["y"].to_numpy(), quick_ladder.oof["p_tfidf"].to_numpy()
    for t in (0.3, 0.7):
        w.children[0].value = t
        assert w.result["recall"] == pytest.approx(recall_score(y, p >= t))
        assert w.result["precision"] == pytest.approx(precision_score(y, p >= t, zero_division=0))
        assert w.result["flagged"] == pytest.approx((p >= t).mean())


def test_case_controls_recompute_the_split_that_r_hides():
    w = widgets.case_explorer(interactive=True)
    w.children[0].value = 40  # 40 of the 50 movers moved internally, 10 left
    w.children[1].value = 50  # 50 declined offers beside the 100 accepted
    case = casestudy.article_case(40, 50)
    assert_frame_equal(w.result["measures"], casestudy.compare_with_article(casestudy.case_metrics(case)))
    assert w.result["measures"].set_index("measure").loc["R", "value"] == 0.5  # unchanged: what R hides
    split = w.result["split"].set_index("outcome")["people"].to_dict()
    assert split == {"stayed where they joined": 50, "moved internally, still here": 40,  # by hand
                     "moved, then left": 0, "left without moving": 10}
    assert w.result["offer_acceptance"] == pytest.approx(100 / 150)


def test_lever_sliders_recompute_the_scenario_and_keep_the_baseline(flow_model):
    model, base = flow_model
    w = widgets.scenario_explorer(model, base, 3, interactive=True)
    assert set(w.result["scenario"]) == {"baseline", "what-if"}
    w.children[0].value = 0.8  # exits × 0.8
    expected = scenarios.compare(model, [scenarios.Scenario("what-if", [scenarios.pay_raise(base, 0.8)])], base, 3, 0.0)
    assert_frame_equal(w.result, expected.table)
    fig = __import__("talentkit.plots", fromlist=["comparison"]).comparison(
        scenarios.compare(model, [scenarios.Scenario("what-if", [])], base, 3, 0.0))
    r_axis = fig.axes[1]
    lo, hi = r_axis.get_ylim()
    assert hi - lo >= 0.1 * abs(hi + lo) / 2 * 0.99  # a flat line stays flat
    assert any(line.get_linestyle() == "--" and line.get_label() == "baseline" for line in r_axis.get_lines())


def test_key_person_controls_recompute_share_and_reach(small, graph):
    g, f = graph
    w = widgets.key_person_explorer(g, f, small, "region", 3, 5, interactive=True)
    w.children[0].value = 6
    assert w.result["top_k_share"] == pytest.approx(network.key_people(g, f, small, "region", 6, min_group=5).top_k_share)
    person = w.children[1].options[1][1]  # the first presenter one may take out
    w.children[1].value = person
    assert w.result["reach"] == network.reach_after_removal(g, person)
    assert all(str(label).startswith("P-") or label == "nobody" for label, _ in w.children[1].options)


def test_fairness_controls_recompute_the_table(small):
    people = drivers.prepare(small, None, 12)
    w = widgets.fairness_explorer(small, None, 12, "origin", ["origin", "region"], folds=3, repeats=1,
                                  interactive=True)
    w.children[0].value = "region"
    models = drivers.compare_models(people, 3, 1, 0, text="tfidf")
    assert_frame_equal(w.result, drivers.fairness(models, people, "region", seed=0, min_group=5))


def test_controls_build_in_a_kernel_the_runner_did_not_start(monkeypatch):
    """A real kernel (the kit's) without the runner's signal: interactive 'auto' is on, the
    controls build, and a change recomputes."""
    from nbclient import NotebookClient

    monkeypatch.delenv("TALENTKIT_JOB_DIR", raising=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import json\nfrom talentkit import widgets\n"
        "w = widgets.case_explorer('auto')\nbefore = float(w.result['offer_acceptance'])\n"
        "w.children[1].value = 50\n"
        "print(json.dumps({'live': widgets.live('auto'), 'built': w is not None, 'before': before, "
        "'after': float(w.result['offer_acceptance'])}))")]
    NotebookClient(nb, kernel_name="talentkit", timeout=120).execute()
    out = json.loads(nb.cells[0].outputs[-1]["text"].strip().splitlines()[-1])
    assert out["live"] and out["built"] and out["before"] != out["after"]
    kinds = {o.get("output_type") for o in nb.cells[0].outputs}
    assert "display_data" in kinds  # the widget itself was displayed


# --------------------------------------------------------------------------- exercises


def _by_hand(small, quick_ladder, flow_model, graph) -> dict:
    """Each exercise's right answer, computed here without the checker."""
    start, end = timeline.period(None, None, small.as_of)
    row = metrics.workforce(small, start, end, None).iloc[0]
    months = timeline.months_between(start, end)
    y = quick_ladder.oof["y"].to_numpy()
    s = y.mean()
    p = quick_ladder.oof["p_tfidf"].to_numpy()
    from sklearn.metrics import recall_score

    best = max(t / 100 for t in range(1, 100) if recall_score(y, p >= t / 100) >= 0.8)
    g, f = graph
    out_flow = pd.Series(dict(g.out_degree(weight="weight"))).sort_values(ascending=False)
    model, base = flow_model
    hazards = drivers.cox(drivers.prepare(small, None, 12), min_group=5)
    return {
        "01.turnover": (row["separations"] / ((row["headcount_start"] + row["headcount_end"]) / 2) * 12 / months,
                        {"ds": small, "start": start, "end": end}),
        "01.retention": (row["period_retention"], {"ds": small, "start": start, "end": end}),
        "02.threshold": (best, {"result": quick_ladder}),
        "02.all_yes": (2 * s / (1 + s), {"result": quick_ladder}),
        "03.R": ((100 - 30 - 20) / 100, {}),  # the article: 30 moved, 20 left of 100 hires
        "03.direction": ("unchanged", {}),  # 50 stayed either way
        "04.direction": ("down", {"model": model, "base": base, "years": 3}),
        "04.replacement": (0.5 * 150000.0, {"base": base}),
        "05.cross_share": ((f["from_unit"] != f["to_unit"]).mean(), {"f": f}),
        "05.top_k": ("up" if out_flow.iloc[:6].sum() > out_flow.iloc[:3].sum() else "unchanged",
                     {"g": g, "f": f, "top_k": 3}),
        "06.hazard": (hazards.top(1).iloc[0]["hazard_ratio"] - 1, {"hazards": hazards}),
    }


def test_every_exercise_accepts_the_right_answer_and_hints_at_a_wrong_one(small, quick_ladder, flow_model, graph):
    answers = _by_hand(small, quick_ladder, flow_model, graph)
    assert set(answers) == set(exercises.EXERCISES)
    for key, (right, context) in answers.items():
        assert exercises.check(key, right, **context).ok, key
        if isinstance(right, str):
            wrong = "up" if right != "up" else "down"
            feedback = exercises.check(key, wrong, **context)
            assert not feedback.ok and "Hint" in feedback.message, key
            assert not exercises.check(key, "sideways", **context).ok
            continue
        wrong = right + max(0.2, abs(right) * 0.5)
        feedback = exercises.check(key, wrong, **context)
        assert not feedback.ok and ("Hint" in feedback.message or "lower" in feedback.message), (key, feedback)
        for shown in (f"{right:.2f}", f"{right:.3f}", f"{right * 100:.1f}", f"{right * 100:.0f} %"):
            assert shown not in feedback.message, (key, feedback.message)  # the answer is not given away
        if exercises.EXERCISES[key].kind == "share" and 0.02 < abs(right) < 1:
            assert "percentage" in exercises.check(key, right * 100, **context).message, key
    assert "write your answer" in exercises.check("03.R", None).message
    solved = exercises.check("03.R", None, solve=True)
    assert "solution 50.0\u00a0%" in solved.message and "How:" in solved.message
    with pytest.raises(ParameterError, match="no exercise"):
        exercises.check("99.nothing", 1)


# --------------------------------------------------------------------------- batches


@pytest.mark.slow
def test_the_runner_builds_no_control_and_hand_runs_echo_nothing(smoke):
    """Under the runner interactive is off: no widget in any notebook or report. No cell ends
    with a value that a hand run would echo as Out[...] (a recorded table, a check)."""
    for nb_path in smoke.glob("*/0*.ipynb"):
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})], nb_path
        assert not [o for o in outputs if o["output_type"] == "execute_result"], nb_path
        page = (nb_path.parent / "report.html").read_text(encoding="utf-8")
        assert "widget-view" not in page and "Exercise 1." not in page and "tk.exercises" not in page, nb_path


@pytest.mark.slow
def test_the_teaching_style_keeps_code_and_exercises(smoke, tmp_path):
    teaching = shutil.copytree(smoke, tmp_path / "smoke")
    runner.rerender(teaching, style="teaching")
    from bs4 import BeautifulSoup

    for job in ("01_metrics", "03_case_study", "06_drivers"):
        soup = BeautifulSoup((teaching / job / "report.html").read_text(encoding="utf-8"), "html.parser")
        code = " ".join(c.get_text("", strip=False) for c in soup.select(".jp-InputArea-editor"))
        text = soup.get_text(" ")
        assert "tk.exercises.check(" in code and "data = " in code, job  # the parameters cell, shown
        assert "Exercise 1." in text and "write your answer" in text, job


@pytest.mark.slow
def test_the_solutions_batch_shows_each_solution(tmp_path):
    run_file = tmp_path / "solutions.yaml"
    run_file.write_text(f"run: sol\nstyle: teaching\ndefaults: {{data: 'synthetic:small', solutions: true}}\n"
                        f"jobs:\n  - notebook: {ROOT / 'notebooks' / '03_case_study.ipynb'}\n", encoding="utf-8")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    assert code == 0
    from bs4 import BeautifulSoup

    text = BeautifulSoup((run_dir / "03_case_study" / "report.html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
    text = re.sub(r"[ \n]+", " ", text)
    assert "03.R: solution 50.0\u00a0%" in text and "03.direction: solution unchanged" in text


def test_the_teaching_and_solutions_run_files_check(capsys):
    from talentkit.runs import runfile

    for name in ("teaching", "solutions"):
        run = runfile.load_run_file(ROOT / "params" / f"{name}.yaml")
        assert run.style == "teaching"
        jobs = runfile.check_jobs(runfile.expand_jobs(run, ROOT / "params" / f"{name}.yaml"),
                                  ROOT / "params" / f"{name}.yaml")
        assert len(jobs) == 7
        assert all(j.params.get("solutions", False) == (name == "solutions") or j.notebook.name.startswith("00")
                   for j in jobs)


# --------------------------------------------------------------------------- JupyterLab in a browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_runs_04_and_a_slider_redraws_its_figure(tmp_path):
    """JupyterLab (the kit's kernel) opens 04 on the small company, runs all cells, a person
    drags the 'exits ×' slider, and the explorer's figure changes."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    lab = tmp_path / "lab"
    lab.mkdir()
    nb = json.loads((ROOT / "notebooks" / "04_scenarios.ipynb").read_text(encoding="utf-8"))
    params = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    params["source"] = [line.replace('data = "synthetic"', 'data = "synthetic:small"') for line in params["source"]]
    (lab / "04_scenarios.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    shutil.copytree(ROOT / "params" / "scenarios", lab / "params" / "scenarios")
    port, token = _free_port(), "talentkit-test"
    env = {k: v for k, v in os.environ.items() if k != "TALENTKIT_JOB_DIR"}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    server = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
                               "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={lab}",
                               "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True"],
                              cwd=lab, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with browser.chromium(1400, 1000, offline=False) as driver:
            # headless Chromium (150 and later) gives the page no focus, and JupyterLab then tracks no
            # current notebook (shell.currentWidget stays null, run-all-cells acts on nothing)
            driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
            driver.get(f"http://127.0.0.1:{port}/lab/tree/04_scenarios.ipynb?token={token}")
            # the figure is replaced while it redraws: an image found a moment ago may be gone, so look again
            wait = WebDriverWait(driver, 180, poll_frequency=0.5, ignored_exceptions=(StaleElementReferenceException,))
            wait.until(lambda d: d.execute_script(
                "const a = window.jupyterapp; return a && a.shell.currentWidget && "
                "a.shell.currentWidget.sessionContext && a.shell.currentWidget.sessionContext.session && "
                "a.shell.currentWidget.sessionContext.session.kernel && "
                "a.shell.currentWidget.sessionContext.session.kernel.status === 'idle';"))
            assert driver.execute_script("return window.jupyterapp.shell.currentWidget.title.className"
                                         ".indexOf('jp-mod-dirty') < 0")  # opened without unsaved changes
            driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
            handle = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-interact .noUi-handle"))
            image = ".widget-interact img"
            before = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, image))[0].get_attribute("src")
            ActionChains(driver).click_and_hold(handle[0]).move_by_offset(-60, 0).release().perform()
            after = wait.until(lambda d: [e.get_attribute("src") for e in d.find_elements(By.CSS_SELECTOR, image)
                                          if e.get_attribute("src") != before])
            assert after and after[0].startswith("data:image/png") and after[0] != before
            slider_text = driver.find_element(By.CSS_SELECTOR, ".widget-interact .widget-readout").text
            assert float(slider_text) < 1.0
    finally:
        server.terminate()
        server.wait(timeout=30)
