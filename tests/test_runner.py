"""The batch runner on a small fixture notebook: checks, execution, failures, outputs, rendering."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from talentkit import kernels, runfile, runner
from talentkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "notebooks" / "fixture.ipynb"


def write_run(folder: Path, text: str, name: str = "run.yaml") -> Path:
    path = folder / name
    path.write_text(text.replace("FIXTURE", str(FIXTURE)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One report-style run: two matrix jobs and one that fails, two at once."""
    folder = tmp_path_factory.mktemp("batch")
    rf = write_run(folder, """
run: fx
jobs_at_once: 2
defaults: {label: from-defaults}
jobs:
  - notebook: FIXTURE
    matrix: {x: [3, 4]}
  - notebook: FIXTURE
    name: boom
    params: {fail: true}
""")
    code, run_dir = runner.execute_run(rf, out_root=folder / "out", progress=False)
    return code, run_dir, rf


def test_parameters_injected_and_recorded(batch):
    code, run_dir, _ = batch
    for x in (3, 4):
        results = json.loads((run_dir / f"fixture-{x}" / "results.json").read_text())
        assert results == {"square": float(x * x), "label": "from-defaults"}
    info = json.loads((run_dir / "run.json").read_text())
    job = next(j for j in info["jobs"] if j["name"] == "fixture-3")
    assert job["parameters"] == {"label": "from-defaults", "x": 3}
    assert info["versions"]["papermill"] and info["started"] and info["ended"]


def test_failing_job_marked_others_complete(batch):
    code, run_dir, _ = batch
    assert code == 1
    info = json.loads((run_dir / "run.json").read_text())
    status = {j["name"]: j["status"] for j in info["jobs"]}
    assert status == {"fixture-3": "ok", "fixture-4": "ok", "boom": "failed"}
    boom = next(j for j in info["jobs"] if j["name"] == "boom")
    assert boom["error"] == "RuntimeError: failed on purpose"
    partial = json.loads((run_dir / "boom" / "fixture.ipynb").read_text())
    assert any("papermill-error-cell-tag" in c["metadata"].get("tags", []) for c in partial["cells"])
    assert "failed on purpose" in (run_dir / "boom" / "report.html").read_text()
    index = (run_dir / "index.html").read_text()
    assert "failed on purpose" in index and '<tr class="failed">' in index


def test_report_hides_code_and_fetches_nothing(batch):
    _, run_dir, _ = batch
    page = (run_dir / "fixture-3" / "report.html").read_text()
    assert "import talentkit" not in page and "SECRET_CODE_MARKER" in page  # output kept, code gone
    assert not re.search(r"<script[^>]+src=", page), "no script is fetched"
    assert "mathjax" not in page.lower()
    assert "<math" in page  # LaTeX became MathML
    assert '<table class="tk-params">' in page and "from-defaults" in page


def test_index_links_resolve(batch):
    _, run_dir, _ = batch
    index = (run_dir / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) >= 7
    for link in links:
        assert (run_dir / link).is_file(), link


def test_rerun_refuses_then_new_suffix(batch, tmp_path):
    _, run_dir, rf = batch
    before = (run_dir / "run.json").read_text()
    with pytest.raises(runner.RunError, match="exists already.*--new.*--force"):
        runner.execute_run(rf, out_root=run_dir.parent, progress=False)
    assert (run_dir / "run.json").read_text() == before
    assert runner.choose_run_dir(run_dir.parent, "fx", force=False, new=True).name == "fx-2"


def test_teaching_keeps_code_and_tags_honoured(tmp_path):
    rf = write_run(tmp_path, "run: teach\nstyle: teaching\njobs:\n  - notebook: FIXTURE\n    params: {x: 5}\n")
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", progress=False)
    assert code == 0
    page = (run_dir / "fixture" / "report.html").read_text()
    assert "import" in page and "talentkit" in page
    assert "hidden_by_remove_cell" not in page  # the remove-cell tagged cell is gone
    assert "input_hidden_by_tag" not in page  # remove-input: input gone ...
    assert "output_shown_despite_remove_input" in page  # ... output kept
    assert "output_removed_by_tag" not in page  # remove-output


def test_typo_fails_before_any_kernel(tmp_path):
    rf = write_run(tmp_path, "run: typo\njobs:\n  - notebook: FIXTURE\n    params: {lable: x}\n")
    started = time.time()
    with pytest.raises(runner.RunError) as info:
        runner.execute_run(rf, out_root=tmp_path / "out", progress=False)
    assert "unknown parameter 'lable'" in str(info.value) and "did you mean 'label'" in str(info.value)
    assert "takes: x, label, scale, fail, busy" in str(info.value)
    assert not (tmp_path / "out").exists(), "nothing written, no kernel started"
    assert time.time() - started < 5


def test_bad_type_and_missing_notebook(tmp_path):
    rf = write_run(tmp_path, "run: t\njobs:\n  - notebook: FIXTURE\n    params: {x: two}\n  - notebook: nowhere.ipynb\n")
    with pytest.raises(runner.RunError) as info:
        runfile.check_jobs(runfile.expand_jobs(runfile.load_run_file(rf), rf), rf)
    message = str(info.value)
    assert "parameter 'x' = 'two' is a str, the notebook expects int" in message
    assert "notebook nowhere.ipynb not found" in message


@pytest.mark.parametrize("text,expected", [
    ("run: r\njobs: []\n", "key 'jobs'"),
    ("run: r\njob:\n  - notebook: a.ipynb\n", "key 'job': Extra inputs are not permitted"),
    ("run: r\nstyle: pretty\njobs:\n  - notebook: FIXTURE\n", "key 'style'"),
    ("run: r\njobs:\n  - notebok: FIXTURE\n", "key 'jobs.0.notebok'"),
    ("run: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "a run file is a mapping"),
    ("run: 'bad name!'\njobs:\n  - notebook: FIXTURE\n", "key 'run'"),
])
def test_run_file_errors_name_file_and_key(tmp_path, text, expected):
    rf = write_run(tmp_path, text)
    with pytest.raises(runner.RunError) as info:
        runfile.load_run_file(rf)
    assert str(rf) in str(info.value) and expected in str(info.value)


def test_cli_check_overrides_params_and_render(tmp_path, capsys, batch):
    rf = write_run(tmp_path, "run: c\njobs:\n  - notebook: FIXTURE\n")
    assert main(["run", str(rf), "--check", "-p", "x=7"]) == 0
    assert main(["run", str(rf), "--check", "-p", "y=7"]) == 2
    assert "unknown parameter 'y'" in capsys.readouterr().err
    assert main(["params", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "a number to square" in out and "scale" in out and "float" in out
    _, run_dir, _ = batch
    assert main(["render", str(run_dir)]) == 0
    assert (run_dir / "index.html").exists()


def test_overrides_are_typed():
    assert runfile.parse_overrides(["x=3", "name=US", "flag=true", "items=[1, 2]"]) == {
        "x": 3, "name": "US", "flag": True, "items": [1, 2]}


def test_ctrl_c_stops_kernels_and_records_what_finished(tmp_path):
    from conftest import run_interrupted

    rf = write_run(tmp_path, "run: cc\njobs:\n  - notebook: FIXTURE\n    params: {busy: 60}\n"
                             "    matrix: {x: [1, 2]}\n")
    code, run_dir, seconds = run_interrupted(rf, tmp_path / "out", after=6)
    assert code == 130 and seconds < 40, "the busy cell was stopped, not waited for"
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "interrupted" and info["ended"]
    assert [j["status"] for j in info["jobs"]] == ["interrupted", "not run"]
    assert (run_dir / "fixture-1" / "fixture.ipynb").exists()  # the partial notebook is kept
    assert not kernels._LIVE_KERNELS
