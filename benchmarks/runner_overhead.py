"""Runner overhead and parallel speedup, measured on the test fixture notebook.

1. per-job time of ``talentkit run`` (check, execute, render, index) against the same work
   done by hand with the ``papermill`` and ``jupyter nbconvert --no-input`` command lines;
2. speedup of 4 jobs with 2 at once against 4 jobs one at a time.

3. executors: jobs per minute of the local executor (2 at once) and of Dask with 1 and 2
   worker processes (a LocalCluster started beforehand and warmed up, as a cluster would
   be), and Dask's scheduling overhead per job beyond the work itself: (Dask with 1 worker
   - local with 1 at once) / jobs.

Each is measured twice: with the fixture as it is (nothing but start-up, recording and
rendering: the worst case for parallelism, since the command's own start-up is fixed) and
with ``busy`` seconds of CPU work per job, as a real notebook has.

Usage: .venv/bin/python benchmarks/runner_overhead.py [--jobs 4] [--repeat 2] [--executors-only]
Prints the ratios; goal: overhead ratio <= 1.0, speedup >= 1.6 on 2 cores, Dask overhead
under 0.5 s a job.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "notebooks" / "fixture.ipynb"
BIN = Path(sys.executable).parent


def by_hand(n: int, work: Path, busy: float) -> float:
    start = time.perf_counter()
    for i in range(n):
        out = work / f"hand_{i}.ipynb"
        subprocess.run([BIN / "papermill", str(FIXTURE), str(out), "-p", "x", str(i), "-p", "busy", str(busy),
                        "-k", "talentkit", "--no-progress-bar"], check=True, capture_output=True)
        subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, capture_output=True)
    return time.perf_counter() - start


def with_runner(n: int, at_once: int, work: Path, tag: str, busy: float) -> float:
    rf = work / f"bench_{tag}.yaml"
    rf.write_text(f"run: bench_{tag}\njobs_at_once: {at_once}\njobs:\n  - notebook: {FIXTURE}\n"
                  f"    params: {{busy: {busy}}}\n    matrix: {{x: {list(range(n))}}}\n")
    start = time.perf_counter()
    subprocess.run([BIN / "talentkit", "run", str(rf), "--out", str(work / "out"), "--quiet", "--force"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def on_dask(n: int, address: str, work: Path, tag: str, busy: float) -> float:
    rf = work / f"bench_{tag}.yaml"
    rf.write_text(f"run: bench_{tag}\njobs:\n  - notebook: {FIXTURE}\n"
                  f"    params: {{busy: {busy}}}\n    matrix: {{x: {list(range(n))}}}\n")
    start = time.perf_counter()
    subprocess.run([BIN / "talentkit", "run", str(rf), "--out", str(work / "out"), "--quiet", "--force",
                    "--cluster", address], check=True, capture_output=True)
    return time.perf_counter() - start


def executors(n: int, repeat: int, busy: float) -> None:
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        local1 = min(with_runner(n, 1, work, "l1", busy) for _ in range(repeat))
        local2 = min(with_runner(n, 2, work, "l2", busy) for _ in range(repeat))
        dask = {}
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c:
                on_dask(1, c.scheduler_address, work, "warm", 0.0)  # workers import papermill once
                dask[workers] = min(on_dask(n, c.scheduler_address, work, f"d{workers}", busy) for _ in range(repeat))
    print(f"executors: {n} jobs (fixture notebook, busy={busy:g} s each), best of {repeat}, 2 cores")
    print(f"  local, 1 at once:          {60 * n / local1:6.1f} jobs/min")
    print(f"  local, 2 at once:          {60 * n / local2:6.1f} jobs/min")
    print(f"  Dask, 1 worker:            {60 * n / dask[1]:6.1f} jobs/min")
    print(f"  Dask, 2 workers:           {60 * n / dask[2]:6.1f} jobs/min")
    print(f"  Dask overhead per job:     {(dask[1] - local1) / n:+.2f} s  (Dask 1 worker - local 1 at once; "
          "goal < 0.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2, help="best of this many timings")
    parser.add_argument("--busy", type=float, default=3.0, help="CPU seconds per job in the second measurement")
    parser.add_argument("--executors-only", action="store_true", help="only the local-vs-Dask measurement")
    args = parser.parse_args()
    n = args.jobs
    for busy in (0.0, args.busy):
        executors(2 * n, args.repeat, busy)
        if args.executors_only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            hand = min(by_hand(n, work, busy) for _ in range(args.repeat))
            serial = min(with_runner(n, 1, work, "serial", busy) for _ in range(args.repeat))
            parallel = min(with_runner(n, 2, work, "parallel", busy) for _ in range(args.repeat))
        print(f"jobs: {n} (fixture notebook, busy={busy:g} s of CPU work each), best of {args.repeat}")
        print(f"  by hand (papermill + nbconvert CLIs): {hand / n:.2f} s/job")
        print(f"  talentkit run, 1 at once:             {serial / n:.2f} s/job")
        print(f"  talentkit run, 2 at once:             {parallel / n:.2f} s/job")
        print(f"  overhead ratio (runner / by hand):    {serial / hand:.2f}  (goal <= 1.0)")
        print(f"  speedup (2 at once vs 1 at once):     {serial / parallel:.2f}  (goal >= 1.6)")


if __name__ == "__main__":
    main()
