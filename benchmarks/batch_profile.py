"""Where a batch's time goes: per job and per cell, from papermill's own timings.

Runs a run file (default ``params/default.yaml``) with ``talentkit run`` as a user would,
then reads what papermill wrote into each executed notebook (``metadata.papermill.duration``
per cell) and what the runner wrote into ``run.json`` (each job's wall time, kernel start
and rendering included). Prints, per job: wall time, time in cells, time outside the cells
(kernel start and papermill), the report's rendering, and the slowest cells with their first
line; then the batch's wall time.

Usage: .venv/bin/python benchmarks/batch_profile.py [RUN_FILE] [--top 5] [--out DIR] [-p key=value ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def cell_times(notebook: Path) -> list[tuple[float, str]]:
    """(seconds, first source line) of every code cell papermill timed."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        seconds = (cell.get("metadata", {}).get("papermill") or {}).get("duration")
        if cell["cell_type"] == "code" and seconds is not None:
            source = "".join(cell["source"]).strip().splitlines()
            first = next((line for line in source if not line.startswith("#")), source[0] if source else "")
            out.append((float(seconds), first[:90]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_file", nargs="?", default=str(ROOT / "params" / "default.yaml"))
    ap.add_argument("--top", type=int, default=5, help="slowest cells shown per job")
    ap.add_argument("--out", help="where the run goes (default: a temporary folder)")
    ap.add_argument("-p", action="append", default=[], help="a parameter for every job, as for talentkit run")
    args = ap.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="batch-profile-"))
    cmd = [str(BIN / "talentkit"), "run", args.run_file, "--out", str(out), "--new", "--quiet"]
    for p in args.p:
        cmd += ["-p", p]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n")
    run_dir = max(out.iterdir(), key=lambda p: p.stat().st_mtime)
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    print(f"{'job':<18}{'run s':>7}{'cells s':>9}{'outside s':>11}{'render s':>10}  slowest cells")
    for job in info["jobs"]:
        cells = cell_times(run_dir / job["name"] / job["output_notebook"])
        in_cells = sum(s for s, _ in cells)
        total = job.get("duration_s") or 0.0
        slowest = sorted(cells, reverse=True)[: args.top]
        print(f"{job['name']:<18}{total:>7.1f}{in_cells:>9.1f}{total - in_cells:>11.1f}{job.get('render_s') or 0:>10.1f}  "
              + (f"{slowest[0][0]:.1f} s {slowest[0][1]}" if slowest else ""))
        for s, line in slowest[1:]:
            print(f"{'':<55}  {s:.1f} s {line}")
    print(f"batch wall time: {wall:.1f} s ({info['status']}), {len(info['jobs'])} jobs; run folder {run_dir}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
