"""The README's ``make test`` on a clean clone, timed, each run beside a measure of how fast
the machine was at that moment.

A shared 2-core machine is not equally fast all day: on the machine this kit is built on, the
same commit's suite took 343 s in one hour and 433 s in another, and reading the built-in
company (``tk.load("synthetic")``, best of three) took 0.35 s at one time of day and 0.66 s at
another. A suite time alone cannot tell a slower suite from a slower machine. So each run is
bracketed by a fixed piece of work (the *reference*: a group-by and a sort of a million rows in
pandas, and a loop in plain Python, in a fresh interpreter), and the table gives the suite's
seconds over the reference's: a number that moves when the suite changes, and much less when
the machine does. It also gives how busy the cores were during the run (``/proc/stat``, Linux):
near 100 % means the suite waits on the processor, lower means it waits on something else.

Each run clones the repository's committed ``HEAD`` into a temporary folder, as CI does, and
runs ``make test`` there (which installs its own venv). Runs go one after another, and nothing
else should run meanwhile.

Usage: .venv/bin/python benchmarks/suite_time.py [--runs 3] [--limit 420]
Prints one row a run, and how many runs kept the pytest time within ``--limit`` seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The reference: the same fixed work on every commit (pandas, NumPy and plain Python, as the kit's
# own work is), so that it measures the machine and nothing the suite's commit changed.
REFERENCE = """
import time
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
n = 1_000_000
frame = pd.DataFrame({"g": rng.integers(0, 1000, n), "x": rng.random(n), "s": rng.choice(["a", "b", "c"], n)})
def work():
    started = time.perf_counter()
    frame.groupby(["g", "s"])["x"].agg(["mean", "std", "count"])
    frame.sort_values(["s", "x"])
    sum(i * i for i in range(1_000_000))
    return time.perf_counter() - started
work()
print(min(work() for _ in range(3)))
"""
PASSED = re.compile(r"(\d+) passed.* in ([\d.]+)s")


def reference_seconds() -> float:
    """:data:`REFERENCE`'s work, best of three after one warm-up, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", REFERENCE], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(done.stdout.split()[-1])


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, all) jiffies of every core since boot, from ``/proc/stat``; None elsewhere."""
    try:
        # user, nice, system, idle, iowait, irq, softirq, steal; guest time is counted in user already
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except OSError:
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def one_run(log: Path) -> dict:
    """``make test`` on a fresh clone of HEAD: its seconds, the pytest line's count and
    seconds, and the share of the cores that was busy."""
    with tempfile.TemporaryDirectory(prefix="suite-time-") as tmp:
        clone = Path(tmp) / "ci"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True,
                                check=True).stdout.strip()
        before, started = cpu_ticks(), time.perf_counter()
        with log.open("w", encoding="utf-8") as out:
            code = subprocess.run(["make", "test"], cwd=clone, stdout=out, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"}).returncode
        seconds, after = time.perf_counter() - started, cpu_ticks()
    found = PASSED.findall(log.read_text(encoding="utf-8", errors="replace"))
    busy = None
    if before and after and after[1] > before[1]:
        busy = (after[0] - before[0]) / (after[1] - before[1])
    return {"commit": commit, "code": code, "make_test_s": seconds, "busy": busy,
            "tests": int(found[-1][0]) if found else None, "pytest_s": float(found[-1][1]) if found else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=float, default=420.0, help="seconds the pytest run should stay within")
    ap.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()),
                    help="folder for each run's make test output (suite-time-N.log)")
    args = ap.parse_args(argv)
    print("run  commit   started (UTC)  exit  tests  pytest s  make test s  cores busy  reference s before/after"
          "  pytest s / reference s")
    kept = 0
    for n in range(1, args.runs + 1):
        ref_before = reference_seconds()
        when = datetime.now(timezone.utc).strftime("%H:%M")
        r = one_run(args.logs / f"suite-time-{n}.log")
        ref_after = reference_seconds()
        ref = (ref_before + ref_after) / 2
        pytest_s = r["pytest_s"]
        kept += r["code"] == 0 and pytest_s is not None and pytest_s <= args.limit
        busy = f"{r['busy']:.0%}" if r["busy"] is not None else "n/a"
        shown = f"{pytest_s:8.1f}" if pytest_s is not None else "     n/a"
        ratio = f"{pytest_s / ref:.0f}" if pytest_s is not None else "n/a"
        print(f"{n:3d}  {r['commit']:8s} {when:>13s}  {r['code']:4d}  {r['tests'] or 0:5d}  {shown}  "
              f"{r['make_test_s']:11.1f}  {busy:>10s}  {ref_before:8.3f}/{ref_after:.3f}  {ratio:>22s}", flush=True)
    print(f"{kept} of {args.runs} runs passed with pytest within {args.limit:.0f} s")
    return 0 if kept == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
