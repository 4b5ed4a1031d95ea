"""The batch runner on a small fixture notebook: checks, execution, failures, outputs, rendering."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from talentkit.cli import main
from talentkit.core.errors import ParameterError
from talentkit.runs import kernels, runfile, runner

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "notebooks" / "fixture.ipynb"


def write_run(folder: Path, text: str, name: str = "run.yaml") -> Path:
    path = folder / name
    path.write_text(text.replace("FIXTURE", str(FIXTURE)), encoding="utf-8")
    return path


def job_payload(folder: Path, notebook: str = "nb.ipynb", **changes) -> dict:
    """One job as the runner hands it to ``kernels.run_job``, in ``folder``."""
    return {"out_dir": str(folder / "job"), "output_notebook": "out.ipynb", "notebook": notebook, "params": {},
            "kernel": "python3", "name": "job", "position": 0, "progress": False, "cwd": str(folder),
            "timeout": 60, "style": "report", **changes}


def python3_notebook(cells: list):
    """A notebook of ``cells`` for the python3 kernel."""
    import nbformat

    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                          "language": "python"}})


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


def test_one_exporter_a_thread_and_style_writes_what_a_new_one_writes(batch, tmp_path):
    """Reports are rendered by an exporter made once per thread and style (its templates
    compiled once): the pages it writes, one notebook after another, equal a new exporter's,
    and another thread gets an exporter of its own."""
    import threading

    from talentkit.runs import render

    _, run_dir, _ = batch
    notebooks = [run_dir / name / "fixture.ipynb" for name in ("fixture-3", "boom", "fixture-4")]
    for style in render.STYLES:
        again = [render.render_notebook(nb, tmp_path / f"{i}.html", style).read_text() for i, nb in enumerate(notebooks)]
        assert render.exporter(style) is render.exporter(style)
        other: dict = {}
        thread = threading.Thread(target=lambda: other.update(made=render.exporter(style),
                                                              pages=[render.render_notebook(nb, tmp_path / "t.html", style)
                                                                     .read_text() for nb in notebooks]))
        thread.start()
        thread.join()
        assert other["made"] is not render.exporter(style) and other["pages"] == again
    assert "failed on purpose" in again[1] and again[0] != again[2]
    with pytest.raises(ParameterError, match="style must be one of"):  # never a teaching page by mistake
        render.render_notebook(notebooks[0], tmp_path / "x.html", "slides")
    assert not (tmp_path / "x.html").exists()


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
    assert "takes: x, label, scale, fail, busy, wait" in str(info.value)
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


def test_a_ctrl_c_handed_to_a_jobs_thread_stops_the_run_at_once(monkeypatch):
    """Linux may hand the run's SIGINT to a job's thread; the main thread, which Python raises
    it in, sees it within WAKE_EVERY_S, not when a job ends (8 s here)."""
    import signal
    import threading

    job_threads, sent = [], threading.Event()

    def job(payload):  # a job whose kernel stops only when interrupted
        job_threads.append(threading.get_ident())
        return {"status": "interrupted" if sent.wait(8) else "ok", "error": None}

    monkeypatch.setattr(runner, "run_job", job)
    monkeypatch.setattr(runner, "interrupt_kernels", sent.set)
    finished = []
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: signal.pthread_kill(job_threads[0], signal.SIGINT))
    started = time.monotonic()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            runner._run_local([{}, {}], 2, lambda i, state: None, lambda i, result: finished.append(result["status"]))
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < 0.5 + 2 * runner.WAKE_EVERY_S + 1.0
    assert finished == ["interrupted", "interrupted"]


def test_ctrl_c_stops_kernels_and_records_what_finished(tmp_path):
    from conftest import run_interrupted

    rf = write_run(tmp_path, "run: cc\njobs:\n  - notebook: FIXTURE\n    params: {wait: 60}\n"
                             "    matrix: {x: [1, 2]}\n")
    code, run_dir, seconds = run_interrupted(rf, tmp_path / "out", after=6)
    assert code == 130 and seconds < 40, "the running cell was stopped, not waited for"
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "interrupted" and info["ended"]
    assert [j["status"] for j in info["jobs"]] == ["interrupted", "not run"]
    assert (run_dir / "fixture-1" / "fixture.ipynb").exists()  # the partial notebook is kept
    assert not kernels._LIVE_KERNELS


def test_each_kernel_gets_its_share_of_the_cores_and_a_users_setting_wins(tmp_path, monkeypatch):
    """Two jobs at once on this machine: each kernel's math libraries get cores // 2 threads
    (at least 1), read inside the kernel itself; a variable the user set goes through as set."""
    import nbformat

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "talentkit", "display_name": "talentkit",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import os\nimport talentkit as tk\n"
                                          "for k in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):\n"
                                          "    tk.record(k, os.environ.get(k))")]
    nbformat.write(nb, tmp_path / "env.ipynb")
    rf = tmp_path / "run.yaml"
    rf.write_text(f"run: env\njobs_at_once: 2\njobs:\n  - notebook: {tmp_path / 'env.ipynb'}\n    matrix: {{x: [1, 2]}}\n")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", progress=False)
    assert code == 0
    share = str(max(1, (__import__("os").cpu_count() or 1) // 2))
    for job in ("env-1", "env-2"):
        got = json.loads((run_dir / job / "results.json").read_text())
        assert (got["OMP_NUM_THREADS"], got["MKL_NUM_THREADS"], got["OPENBLAS_NUM_THREADS"]) == (share, share, "3")
    assert kernels.thread_limits(2, cpus=2)["OMP_NUM_THREADS"] == "1"
    assert kernels.thread_limits(3, cpus=16)["OMP_NUM_THREADS"] == "5"
    assert kernels.thread_limits(4, cpus=2)["OMP_NUM_THREADS"] == "1"  # never 0
    assert json.loads((run_dir / "run.json").read_text())["threads"]["OMP_NUM_THREADS"] == share


def test_jobs_start_longest_first_by_the_last_run_of_the_same_name(tmp_path):
    """With an earlier run of the same name, the jobs start longest first by its times (the
    ones it did not finish before them, in run-file order); without one, in run-file order."""
    out = tmp_path / "out"
    # what run.json always holds of a job besides these (RunRecord reads nothing less)
    AS_WRITTEN = {"notebook": "n.ipynb", "output_notebook": "n.ipynb"}  # noqa: N806
    names = ["a", "b", "c", "d", "e"]
    assert runner.start_order(out, "r", names) == [0, 1, 2, 3, 4]
    for folder, started, took in [("r", "2026-01-01T00:00:00", {"a": 9, "b": 1}),
                                  ("r-2", "2026-02-01T00:00:00", {"a": 1.5, "b": 30, "c": 4}),
                                  ("rx", "2026-03-01T00:00:00", {"a": 99})]:  # another run's name: not read
        (out / folder).mkdir(parents=True)
        jobs = [{**AS_WRITTEN, "name": n, "status": "ok", "duration_s": s} for n, s in took.items()]
        jobs.append({**AS_WRITTEN, "name": "d", "status": "failed", "duration_s": 50})
        (out / folder / "run.json").write_text(json.dumps({"run": "r", "jobs": jobs, "started": started}))
    # r-2 is the latest: b 30 s, c 4 s, a 1.5 s; d failed and e is new: they go first
    assert [names[i] for i in runner.start_order(out, "r", names)] == ["d", "e", "b", "c", "a"]
    # a run as of a day (--as-of writes r-<day>) is an earlier run of r too
    (out / "r-2026-03-31").mkdir()
    (out / "r-2026-03-31" / "run.json").write_text(json.dumps({"run": "r", "started": "2026-04-01", "jobs": [
        {**AS_WRITTEN, "name": n, "status": "ok", "duration_s": s}
        for n, s in {"a": 5, "b": 2, "c": 1, "d": 3, "e": 4}.items()]}))
    assert [names[i] for i in runner.start_order(out, "r", names)] == ["a", "e", "d", "b", "c"]
    shutil.rmtree(out / "r-2026-03-31")
    # and a real run records the order it used
    rf = write_run(tmp_path, "run: r\njobs:\n  - notebook: FIXTURE\n    matrix: {x: [1, 2]}\n")
    (out / "r-2" / "run.json").write_text(json.dumps({"run": "r", "started": "2026-02-01", "jobs": [
        {**AS_WRITTEN, "name": "fixture-1", "status": "ok", "duration_s": 1.0},
        {**AS_WRITTEN, "name": "fixture-2", "status": "ok", "duration_s": 2.0}]}))
    code, run_dir = runner.execute_run(rf, out_root=out, new=True, progress=False)
    assert code == 0 and json.loads((run_dir / "run.json").read_text())["start_order"] == ["fixture-2", "fixture-1"]


@pytest.mark.parametrize("jobs", [0, 65, 100, True])
def test_jobs_at_once_is_checked_by_the_run_files_own_rule_before_anything_is_written(tmp_path, jobs):
    """--jobs 100 once passed although a run file's jobs_at_once stops at 64."""
    rf = tmp_path / "run.yaml"
    rf.write_text(f"run: r\njobs:\n  - notebook: {FIXTURE}\n")
    with pytest.raises(runner.RunError, match="give 1 or more, at most 64"):
        runner.execute_run(rf, out_root=tmp_path / "out", jobs_at_once=jobs, progress=False)
    assert not (tmp_path / "out").exists()
    rf.write_text(f"run: r\njobs_at_once: 65\njobs:\n  - notebook: {FIXTURE}\n")
    with pytest.raises(runner.RunError, match="less than or equal to 64"):
        runfile.load_run_file(rf)
    assert runfile.check_jobs_at_once(64) == 64 and runfile.check_jobs_at_once(None) is None


def test_a_kernel_that_never_started_is_started_again_and_a_notebooks_error_is_not(tmp_path, monkeypatch):
    import papermill

    from talentkit.runs import kernels

    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        Path(args[1]).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(kernels.render, "render_notebook", lambda *a, **k: None)
    job = job_payload(tmp_path)
    assert kernels.run_job(job)["status"] == "ok" and len(calls) == 2
    calls.clear()

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("a notebook's own error")

    monkeypatch.setattr(papermill, "execute_notebook", broken)
    result = kernels.run_job(job)
    assert result["status"] == "failed" and len(calls) == 1 and "own error" in result["error"]


@pytest.mark.parametrize("every", [0.0, 3600.0], ids=["every cell", "throttled"])  # no cell waits an hour: 2 writes
def test_the_output_notebook_is_written_now_and_then_and_whole_at_the_end(tmp_path, monkeypatch, every):
    """papermill writes the output notebook at each cell's start and end (2 + 2 per cell);
    the kit's engine at most every SAVE_EVERY_S seconds while cells run (0: every time, as
    papermill; an hour: never while these cells run, so the count does not depend on how
    busy the machine is), and whole at the end, a failing cell's end too: the notebook read
    back is the same but for the timings."""
    import nbformat
    from papermill import engines

    writes = []
    write = engines.write_ipynb
    monkeypatch.setattr(engines, "write_ipynb", lambda nb, path: (writes.append(path), write(nb, path)))
    monkeypatch.setattr(kernels, "SAVE_EVERY_S", every)
    cells = [nbformat.v4.new_code_cell(f"print({i} * 2)") for i in range(12)] + [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(python3_notebook(cells), tmp_path / "nb.ipynb")
    result = kernels.run_job(job_payload(tmp_path, str(tmp_path / "nb.ipynb"), fork=True))
    assert result["status"] == "failed" and "ZeroDivisionError" in result["error"]
    assert len(writes) == (2 + 2 * len(cells) if every == 0 else 2), len(writes)  # papermill's error banner: written apart
    out = [c for c in nbformat.read(tmp_path / "job" / "out.ipynb", as_version=4).cells if c.cell_type == "code"]
    # a print may reach the notebook in two pieces ("18", then "\n") when the kernel flushes
    # between its writes, as on a busy machine: each cell's printed text, whole
    printed = ["".join(o.get("text", "") for o in c.outputs if o.output_type == "stream") for c in out[:-1]]
    assert printed == [f"{i * 2}\n" for i in range(12)]
    assert out[-1].outputs[0].ename == "ZeroDivisionError"
    assert [c.metadata.papermill.status for c in out] == ["completed"] * 12 + ["failed"]


# --------------------------------------------------------------------------- kernels forked from a server


def probe_notebook(path: Path) -> Path:
    """A notebook that records, before importing anything itself, whether pandas is already
    imported, and its kernel's matplotlib backend, parent, folder and job folder, and whether
    objects are frozen out of the collector's reach; ``die`` kills its own kernel."""
    import nbformat

    parameters = nbformat.v4.new_code_cell("die = False  # kill this kernel mid-cell", metadata={"tags": ["parameters"]})
    probe = nbformat.v4.new_code_cell("import gc, os, signal, sys\npreloaded = 'pandas' in sys.modules\n"
                                      "if die:\n    os.kill(os.getpid(), signal.SIGKILL)\n"
                                      "import matplotlib\nimport talentkit as tk\ntk.record('preloaded', preloaded)\n"
                                      "tk.record('backend', matplotlib.get_backend())\n"
                                      "tk.record('frozen', gc.get_freeze_count() > 0)\n"
                                      "tk.record('parent', os.getppid())\ntk.record('cwd', os.getcwd())\n"
                                      "tk.record('job_dir', os.environ['TALENTKIT_JOB_DIR'])")
    nbformat.write(python3_notebook([parameters, probe]), path)
    return path


@pytest.mark.parametrize(("fork", "backend"), [("1", None), ("0", None), ("1", "agg")],
                         ids=["forked", "started anew", "forked, MPLBACKEND=agg"])
def test_a_kernel_is_forked_from_the_server_or_started_anew(tmp_path, monkeypatch, fork, backend):
    """Forked (the default on Linux): the kernel's parent is the fork server, not this process,
    pandas is imported before the notebook imports anything, and what the server imported is
    frozen out of the collector's reach; with TALENTKIT_FORK_KERNELS=0 it is this process's
    child and imports everything itself. Both draw with ipykernel's inline backend, or the one
    MPLBACKEND names, although the server imported matplotlib before either was known; both
    record into their job's folder, from the run's folder; a kernel that dies fails its job and
    the run goes on."""
    import os

    monkeypatch.setenv("TALENTKIT_FORK_KERNELS", fork)
    if backend:
        monkeypatch.setenv("MPLBACKEND", backend)
    else:
        monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = probe_notebook(tmp_path / "probe.ipynb")
    rf = write_run(tmp_path, f"run: probe\njobs:\n  - notebook: {notebook}\n  - notebook: {notebook}\n"
                             "    name: dies\n    params: {die: true}\n")
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", progress=False)
    jobs = {j["name"]: j for j in json.loads((run_dir / "run.json").read_text())["jobs"]}
    assert code == 1 and jobs["probe"]["status"] == "ok" and jobs["dies"]["status"] == "failed"
    assert re.search(r"(?i)dead|died", jobs["dies"]["error"]), jobs["dies"]["error"]
    seen = json.loads((run_dir / "probe" / "results.json").read_text())
    assert seen["preloaded"] is (fork == "1") and seen["frozen"] is (fork == "1")
    assert seen["backend"] == (backend or "module://matplotlib_inline.backend_inline")
    assert (seen["parent"] != os.getpid()) is (fork == "1")
    assert seen["cwd"] == str(Path.cwd()) and Path(seen["job_dir"]) == (run_dir / "probe").resolve()


def test_the_fork_server_preloads_no_plotting_backend_or_deep_learning_library_and_starts_no_thread():
    """What the server imports before it forks loads matplotlib and seaborn but no backend
    (the kernel picks it, the test above), nor the kit's plots (their theme gives the kernel's
    shell the figures' alt text), no PyTorch, transformers or Dask, and starts no thread: a
    fork copies only the thread that calls it."""
    import subprocess
    import sys

    code = ("import json, sys, threading\nfrom talentkit.runs import forkserver\nmissing = forkserver.preload()\n"
            "print(json.dumps({'missing': missing, 'threads': threading.active_count(), 'loaded': sorted(m for m in "
            "('torch', 'transformers', 'distributed', 'matplotlib_inline.backend_inline', "
            "'matplotlib.backends.backend_agg', 'talentkit.plots') if m in sys.modules), "
            "'preloaded': all(m in sys.modules for m in ('pandas', 'talentkit.metrics', 'seaborn'))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == {"missing": [], "threads": 1, "loaded": [], "preloaded": True}


def test_only_this_interpreters_ipykernel_launcher_is_forked():
    import sys

    assert kernels.kernel_arguments([sys.executable, "-m", "ipykernel_launcher", "-f", "c.json"]) == ([], ["-f", "c.json"])
    assert kernels.kernel_arguments([sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "c.json"]) \
        == (["-Xfrozen_modules=off"], ["-f", "c.json"])
    assert kernels.kernel_arguments(["/other/python", "-m", "ipykernel_launcher", "-f", "c.json"]) is None
    assert kernels.kernel_arguments([sys.executable, "-m", "other_kernel", "-f", "c.json"]) is None


def test_a_fork_server_that_is_gone_starts_the_kernel_anew_and_a_new_server_for_the_next(tmp_path, monkeypatch):
    import os

    monkeypatch.setattr(kernels, "_FORK_SERVERS", {})  # this test's own server, not one an earlier test started
    rf = write_run(tmp_path, "run: gone\njobs:\n  - notebook: FIXTURE\n    params: {x: 3}\n")
    code, _ = runner.execute_run(rf, out_root=tmp_path / "a", progress=False)
    servers = [p for p in kernels._FORK_SERVERS.values() if p]
    assert code == 0 and len(servers) == 1
    for path in servers:
        os.remove(path)  # the server can no longer be reached
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "b", progress=False)
    assert code == 0 and json.loads((run_dir / "fixture" / "results.json").read_text())["square"] == 9.0
    assert not set(servers) & set(kernels._FORK_SERVERS.values())  # a new one serves what comes next
