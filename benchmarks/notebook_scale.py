"""How each notebook's time and memory grow with the size of the organisation.

Runs each notebook headless (papermill, the project's kernel, the parameters of
``params/default.yaml``) on the built-in company scaled to each size (``synthetic:<size>``:
the default company's shape, with teams split so each keeps about 130 people), and prints,
per notebook and size, the wall time, the kernel's peak memory (resident set, sampled every
0.2 s) and the time of each section (the notebook's ``##`` headings, from papermill's
per-cell durations). The first run at a size also draws the company (kept in the cache
after); that time is printed apart and not counted in any notebook.

``--shape long-history`` runs instead on records shaped like a large public-sector export
(:mod:`talentkit.data.longhistory`: hires back to 1936, seventy ranks, hundreds of units
under 24 divisions, two-digit years, read through its mapping), grouped by division and
with gender as the protected attribute. ``--budget`` sets 02's ``time_budget``; 02's rows
print the budget and whether the run stayed within it plus 10 %.

Usage::

    .venv/bin/python benchmarks/notebook_scale.py                       # 1.5k 10k 30k 100k, all
    .venv/bin/python benchmarks/notebook_scale.py --size 30k --notebooks 01 06
    .venv/bin/python benchmarks/notebook_scale.py --size 30000 --sections
    .venv/bin/python benchmarks/notebook_scale.py --shape long-history --size 30k 100k --notebooks 06
    .venv/bin/python benchmarks/notebook_scale.py --size 1.5k 10k 30k 100k --notebooks 02 --budget 120

Targets on 2 cores (issue "Large organisations"): at 30k people 00 <= 20 s, 01 <= 30 s,
04 <= 60 s, 06 <= 120 s; at 100k every notebook <= 5 min and <= 8 GB.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import papermill
import psutil
import yaml

from talentkit.data import longhistory, synth
from talentkit.runs.kernels import KERNEL_NAME

ROOT = Path(__file__).resolve().parents[1]
SIZES = ["1.5k", "10k", "30k", "100k"]
TARGETS = {"30k": {"00": 20, "01": 30, "04": 60, "06": 120}, "100k": dict.fromkeys(
    ["00", "01", "02", "03", "04", "05", "06"], 300)}
MEMORY_TARGET_GB = {"100k": 8.0}


def default_jobs() -> dict[str, tuple[Path, dict]]:
    """Notebook number -> (notebook, parameters) of the default batch."""
    run = yaml.safe_load((ROOT / "params" / "default.yaml").read_text())
    jobs = {}
    for job in run["jobs"]:
        path = ROOT / job["notebook"]
        jobs[path.name[:2]] = (path, {**run.get("defaults", {}), **job.get("params", {})})
    return jobs


class PeakMemory:
    """The largest resident set of this process's children (the kernel), sampled."""

    def __init__(self, every: float = 0.2):
        self.every, self.peak, self._stop = every, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def sections(nb) -> dict[str, float]:
    """Seconds per ``##`` section (cells before the first heading: "setup")."""
    out: dict[str, float] = {}
    current = "setup"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = next((line[3:].strip() for line in cell.source.splitlines() if line.startswith("## ")), None)
            current = heading or current
        else:
            out[current] = out.get(current, 0.0) + float(cell.metadata.get("papermill", {}).get("duration") or 0)
    return out


BUDGET_SLACK = 1.10  # 02 keeps its time_budget when it runs within this much of it


def long_history_data(size: str, work: Path) -> dict:
    """Write the long-history records of ``size`` people once; the parameters that read them."""
    people = sum(synth.size_counts(size)[:2])
    folder = work / f"long-history-{size}"
    mapping = folder / "mapping.yaml"
    if not mapping.exists():
        longhistory.write_long_history(longhistory.generate_long_history(people, seed=0), folder)
    return {"data": str(folder), "mapping": str(mapping), "group_by": "department", "protected": "gender",
            "text_task": ""}


def run_one(notebook: Path, params: dict, size: str, work: Path, shape: str = "synthetic") -> dict:
    if shape == "long-history":
        params = {**params, **long_history_data(size, work)}
    else:
        params = {**params, "data": f"synthetic:{size}"}
    declared = papermill.inspect_notebook(str(notebook))
    if "interactive" in declared:  # no live controls, as in a batch run
        params["interactive"] = False
    if "time_budget" in declared:
        params.setdefault("time_budget", float(declared["time_budget"]["default"]))
    out = work / f"{notebook.stem}-{size}.ipynb"
    t = time.perf_counter()
    error = ""
    with PeakMemory() as memory:
        try:
            nb = papermill.execute_notebook(str(notebook), str(out), parameters=params, kernel_name=KERNEL_NAME,
                                            cwd=str(notebook.parent), progress_bar=False, log_output=False)
        except papermill.PapermillExecutionError as e:
            nb, error = None, f"{e.ename}: {e.evalue}"[:200]
    return {"notebook": notebook.name[:2], "size": size, "shape": shape, "seconds": round(time.perf_counter() - t, 1),
            "time_budget": params.get("time_budget") if notebook.name.startswith("02") else None,
            "peak_gb": round(memory.peak / 2**30, 2), "error": error,
            "sections": {k: round(v, 1) for k, v in sections(nb).items()} if nb is not None else {}}


def verdict(row: dict) -> str:
    target = TARGETS.get(row["size"], {}).get(row["notebook"])
    memory = MEMORY_TARGET_GB.get(row["size"])
    if row["error"]:
        return "failed"
    parts = []
    if row.get("time_budget"):
        budget = row["time_budget"]
        parts.append(f"{'ok' if row['seconds'] <= BUDGET_SLACK * budget else 'over'} (time_budget {budget:g} s + 10 %)")
    if target:
        parts.append(f"{'ok' if row['seconds'] <= target else 'over'} (<= {target} s)")
    if memory:
        parts.append(f"{'ok' if row['peak_gb'] <= memory else 'over'} (<= {memory:g} GB)")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", nargs="+", default=SIZES, help="people counts: 1.5k 10k 30k 100k or 30000")
    parser.add_argument("--notebooks", nargs="+", default=None, help="numbers, e.g. 01 06; default all")
    parser.add_argument("--sections", action="store_true", help="also print each section's seconds")
    parser.add_argument("--json", default="", help="also write the rows to this file")
    parser.add_argument("--shape", choices=["synthetic", "long-history"], default="synthetic",
                        help="the built-in company, or records shaped like a large public-sector export")
    parser.add_argument("--budget", type=float, default=None, help="02's time_budget in seconds (default: the batch's)")
    args = parser.parse_args()
    jobs = default_jobs()
    if args.budget:
        path, params = jobs["02"]
        jobs["02"] = (path, {**params, "time_budget": args.budget})
    chosen = args.notebooks or sorted(jobs)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.size:
            t = time.perf_counter()
            n = sum(synth.size_counts(size)[:2])
            if args.shape == "long-history":
                long_history_data(size, Path(tmp))
            else:
                synth.generated(size)  # draw once, into the cache every notebook reads from
            print(f"# {size} ({args.shape}): {n:,} people (drawn or read from the cache in "
                  f"{time.perf_counter() - t:.0f} s)", flush=True)
            for number in chosen:
                row = run_one(*jobs[number], size, Path(tmp), args.shape)
                rows.append(row)
                print(f"{row['notebook']}  {size:>5}  {row['seconds']:7.1f} s  {row['peak_gb']:5.2f} GB  "
                      f"{verdict(row)}  {row['error']}", flush=True)
                if args.sections:
                    for name, sec in sorted(row["sections"].items(), key=lambda kv: -kv[1])[:6]:
                        print(f"      {sec:7.1f} s  {name}", flush=True)
    print("\nnotebook  " + "  ".join(f"{s:>15}" for s in args.size))
    for number in chosen:
        cells = []
        for size in args.size:
            r = next(r for r in rows if r["notebook"] == number and r["size"] == size)
            cells.append("failed".rjust(15) if r["error"] else f"{r['seconds']:6.0f} s {r['peak_gb']:4.1f} GB")
        print(f"{number:8}  " + "  ".join(cells))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
