"""Notebook 08 at scale: the built-in market's generator at 10k to 1M authorship rows, written
as its CSV export, read through its mapping, and every section of 08 timed, each size in a
process of its own so that its peak memory is its own; then the whole notebook at the largest
size through papermill, with the kernel's peak memory.

Goal (issue 48, 2 cores): a million authorship rows, the size of a whole field in OpenAlex,
loaded and run through 08 in <= 5 minutes and <= 4 GB. Prints each section's seconds, the
peak memory against the goal, and the shape of each size (rows, people, distinct strings,
institutions).

Usage: .venv/bin/python benchmarks/talent_market_scale.py [--rows 10000 100000 1000000] [--notebook]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_RESEARCHER = 10.5  # the generator writes about this many authorship rows per researcher
ROWS_PER_INSTITUTION = 100  # the long tail of small universities grows with the rows: 10,000 more at 1M rows
GOAL_SECONDS, GOAL_GB = 300, 4.0


def measure(rows: int) -> dict:
    """Every section of 08 on a market of about ``rows`` rows, in this process."""
    from talentkit import market
    from talentkit.data import synthmarket

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        path = synthmarket.write_market(folder, int(rows / ROWS_PER_RESEARCHER), extra=rows // ROWS_PER_INSTITUTION)
        generated = time.perf_counter() - t
        t = time.perf_counter()
        research = market.read(path)
        times["read and resolve"] = time.perf_counter() - t
    t = time.perf_counter()
    year = market.latest_year(research)
    market.talent_by(research, "institution", year)
    market.talent_by(research, "country", year)
    market.talent_over_years(research, "country")
    market.growth(research, "sector")
    market.concentration(research, year)
    times["where the talent is"] = time.perf_counter() - t
    t = time.perf_counter()
    moved = market.moves(research)
    market.ambiguity(research)
    market.flow_matrix(moved, "sector")
    market.flow_matrix(moved, "country")
    market.net_gain(moved, "institution")
    market.net_gain(moved, "country")
    times["how it moves"] = time.perf_counter() - t
    t = time.perf_counter()
    ties = market.institution_ties(research)
    market.institution_network(research, ties)
    market.ties_of(ties)
    times["institution network"] = time.perf_counter() - t
    t = time.perf_counter()
    ours = market.resolve_name(research, synthmarket.COMPANY)
    market.standing(research, ours, ["Helix Inc."])
    market.newcomers(moved, [ours], "sector")
    market.newcomers(moved, [ours], "country")
    market.ties_of(ties, ours)
    market.partners(research, moved, ours)
    times["where we stand"] = time.perf_counter() - t
    r = research.records
    return {"rows": len(r), "people": int(r["person"].nunique()), "strings": len(research.aliases),
            "institutions": int(r["institution"].nunique()), "generated_s": generated, "times": times,
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2}


def notebook(rows: int) -> tuple[float, float]:
    """The whole of 08 through papermill on a market of about ``rows`` rows: seconds and the
    kernel's peak memory (GB)."""
    import papermill

    from talentkit.data import synthmarket

    with tempfile.TemporaryDirectory() as folder:
        path = synthmarket.write_market(folder, int(rows / ROWS_PER_RESEARCHER), extra=rows // ROWS_PER_INSTITUTION)
        t = time.perf_counter()
        papermill.execute_notebook(str(ROOT / "notebooks" / "08_talent_market.ipynb"), str(Path(folder) / "out.ipynb"),
                                   parameters={"research": str(path), "our_institution": synthmarket.COMPANY,
                                               "competitors": ["Helix Inc."]}, progress_bar=False,
                                   cwd=str(ROOT / "notebooks"))
        seconds = time.perf_counter() - t
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--notebook", action="store_true", help="also run the whole notebook at the largest size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a size in this process (the child's side)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    sections = ["read and resolve", "where the talent is", "how it moves", "institution network", "where we stand"]
    print(f"{'rows':>9} {'people':>7} {'strings':>7} {'inst.':>6} " + " ".join(f"{s[:14]:>14}" for s in sections)
          + f" {'total s':>8} {'peak GB':>8}")
    worst = 0.0
    for rows in args.rows:
        out = subprocess.run([sys.executable, __file__, "--one", str(rows)], capture_output=True, text=True, check=True)
        m = json.loads(out.stdout.strip().splitlines()[-1])
        total = sum(m["times"].values())
        worst = max(worst, total)
        print(f"{m['rows']:>9,} {m['people']:>7,} {m['strings']:>7,} {m['institutions']:>6,} "
              + " ".join(f"{m['times'][s]:>14.1f}" for s in sections) + f" {total:>8.1f} {m['peak_gb']:>8.2f}")
    print(f"largest size: {worst:.1f} s of {GOAL_SECONDS} s allowed ({worst / GOAL_SECONDS:.2f} of the goal)")
    if args.notebook:
        seconds, peak = notebook(max(args.rows))
        print(f"notebook 08 at {max(args.rows):,} rows: {seconds:.1f} s (goal {GOAL_SECONDS} s, "
              f"{seconds / GOAL_SECONDS:.2f} of it), kernel peak {peak:.2f} GB (goal {GOAL_GB} GB, "
              f"{peak / GOAL_GB:.2f} of it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
