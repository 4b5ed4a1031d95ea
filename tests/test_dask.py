"""The runner on Dask: the same results as the local executor, worker resources, a worker
lost mid-job, Ctrl-C. A LocalCluster of 2 worker processes (one thread each) stands in for a
cluster; nothing here needs a shared file system between client and workers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import run_interrupted, smoke_run_file

from talentkit.runs import runner

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "notebooks" / "fixture.ipynb"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with Client(c) as client:
            yield c, client


def write_run(folder: Path, text: str) -> Path:
    path = folder / "run.yaml"
    path.write_text(text.replace("FIXTURE", str(FIXTURE)), encoding="utf-8")
    return path


def jobs(run_dir: Path) -> dict:
    return {j["name"]: j for j in json.loads((run_dir / "run.json").read_text())["jobs"]}


# The smoke jobs whose results depend most on where they run: figures (01), torch and a saved
# model (02), igraph's C code (05), threaded model fits (06). The executor is the same for every
# job; the other three notebooks add two minutes of worker time and nothing the executor does.
ON_DASK = ("01_metrics", "02_finetune", "05_network", "06_drivers")


def test_smoke_jobs_on_dask_give_the_local_results(smoke, tiny_bert, tmp_path):
    run_file = smoke_run_file(tmp_path, tiny_bert, keep=lambda notebook: notebook in ON_DASK)
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False, cluster="local:2")
    assert code == 0, {n: j["error"] for n, j in jobs(run_dir).items() if j["status"] != "ok"}
    info = json.loads((run_dir / "run.json").read_text())
    assert info["executor"] == {"kind": "dask", "cluster": "local:2"}
    for name, job in jobs(run_dir).items():
        assert job["worker"].startswith("tcp://") and job["host"], job
        ours = json.loads((run_dir / name / "results.json").read_text())
        local = json.loads((smoke / name / "results.json").read_text())
        timings = [k for k in ours if k.endswith("_seconds")]  # wall-clock time, not a result
        assert {k: v for k, v in ours.items() if k not in timings} == \
            {k: v for k, v in local.items() if k not in timings}, name
        assert (run_dir / name / "report.html").stat().st_size > 10_000
    assert sorted(p.name for p in (run_dir / "01_metrics" / "figures").iterdir()) == \
        sorted(p.name for p in (smoke / "01_metrics" / "figures").iterdir())
    index = (run_dir / "index.html").read_text()
    assert index.count('class="ok"') == len(jobs(run_dir)) == len(ON_DASK)


def test_a_gpu_job_fails_clearly_without_a_gpu_worker_and_runs_on_one(cluster, tmp_path):
    c, client = cluster
    rf = write_run(tmp_path, "run: gpu\njobs:\n  - notebook: FIXTURE\n    resources: {GPU: 1}\n")
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "a", progress=False, cluster=c.scheduler_address)
    job = jobs(run_dir)["fixture"]
    assert code == 1 and job["status"] == "failed"
    assert "no worker of the cluster offers GPU=1" in job["error"] and "--resources" in job["error"]
    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    worker = subprocess.Popen([dask, "worker", c.scheduler_address, "--nthreads", "1", "--resources", "GPU=1",
                               "--no-dashboard", "--name", "gpu-worker"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(client.scheduler_info()["workers"]) < 3:
            time.sleep(0.5)
        gpu = [a for a, w in client.scheduler_info()["workers"].items() if w.get("resources", {}).get("GPU")]
        assert gpu, "the GPU worker joined"
        code, run_dir = runner.execute_run(rf, out_root=tmp_path / "b", progress=False,
                                           cluster=c.scheduler_address)
        job = jobs(run_dir)["fixture"]
        assert code == 0 and job["worker"] == gpu[0]
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_worker_lost_mid_job_is_retried_elsewhere(cluster, tmp_path):
    c, client = cluster
    rf = write_run(tmp_path, "run: lost\njobs:\n  - notebook: FIXTURE\n    params: {wait: 8, x: 5}\n")
    killed = {}

    def kill_its_worker():
        deadline = time.time() + 60
        while time.time() < deadline:
            busy = {w: keys for w, keys in client.processing().items() if any("lost" in str(k) for k in keys)}
            if busy:
                address = next(iter(busy))
                time.sleep(3)  # the kernel is running the waiting cell
                pid = client.run(os.getpid, workers=[address])[address]
                killed["address"] = address
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.2)

    thread = threading.Thread(target=kill_its_worker)
    thread.start()
    code, run_dir = runner.execute_run(rf, out_root=tmp_path / "out", progress=False, cluster=c.scheduler_address)
    thread.join()
    job = jobs(run_dir)["fixture"]
    assert killed, "a worker was killed during the job"
    assert code == 0 and job["status"] == "ok", job
    assert json.loads((run_dir / "fixture" / "results.json").read_text())["square"] == 25.0


def test_ctrl_c_cancels_the_cluster_tasks(cluster, tmp_path):
    c, client = cluster
    rf = write_run(tmp_path, "run: cc\njobs:\n  - notebook: FIXTURE\n    params: {wait: 60}\n"
                             "    matrix: {x: [1, 2, 3]}\n")
    code, run_dir, seconds = run_interrupted(rf, tmp_path / "out", after=8, cluster=c.scheduler_address)
    assert code == 130 and seconds < 40
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "interrupted" and info["ended"]
    statuses = sorted(j["status"] for j in info["jobs"])
    assert statuses == ["interrupted", "interrupted", "not run"], statuses
    deadline = time.time() + 30
    while time.time() < deadline and any(client.processing().values()):
        time.sleep(0.5)
    assert not any(client.processing().values()), "no task of the run is left on the cluster"


def test_a_kernel_that_died_is_retried_and_a_failing_notebook_is_not(monkeypatch):
    from nbclient.exceptions import DeadKernelError

    from talentkit.runs import cluster, kernels

    assert kernels.kernel_trouble(DeadKernelError("Kernel died")) and \
        kernels.kernel_trouble(RuntimeError("Kernel died before replying to kernel_info"))
    assert not kernels.kernel_trouble(ValueError("a notebook's own error"))
    payload = {"name": "j", "output_notebook": "fixture.ipynb", "notebook_bytes": FIXTURE.read_bytes(),
               "cwd": "/nowhere", "params": {}, "timeout": None, "style": "report", "position": 1}
    monkeypatch.setattr(kernels, "run_job", lambda job: {"status": "failed", "error": "DeadKernelError: died",
                                                        "kernel_trouble": True})
    with pytest.raises(cluster.KernelTrouble):  # Dask retries a task that raises, RETRIES times
        cluster.remote_job(payload)
    monkeypatch.setattr(kernels, "run_job", lambda job: {"status": "failed", "error": "ValueError: bad data"})
    assert cluster.remote_job(payload)["result"]["status"] == "failed"  # reported, not retried


def test_an_unreachable_scheduler_is_a_clear_error_before_any_folder_is_made(tmp_path):
    rf = write_run(tmp_path, "run: nowhere\njobs:\n  - notebook: FIXTURE\n")
    out = subprocess.run([str(Path(sys.executable).with_name("talentkit")), "run", str(rf), "--out",
                          str(tmp_path / "out"), "--cluster", "tcp://127.0.0.1:9", "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "cannot reach a Dask scheduler" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists(), "the address is checked before any folder is made"
    with pytest.raises(runner.RunError, match="local:N"):
        runner.execute_run(rf, out_root=tmp_path / "x", progress=False, cluster="local:zero")
    assert not (tmp_path / "x").exists(), "refused before any folder is made"
