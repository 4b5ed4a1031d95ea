"""How notebook 05 on collaboration records grows with the graph, and igraph beside networkx.

For each size (people/records: ``1k/25k`` and ``30k/1.25M`` by default; 1.25 million records
make 1,025,863 distinct pairs, the issue's "1,000,000 edges") a company of teams of
about 130 people is written as CSV files (``people.csv``, ``interactions.csv``: sender,
recipient, a day of 2025, a weight, a channel; 80 % of ties inside the team), then:

1. notebook 05 runs headless on the folder (papermill, the project's kernel,
   ``network_source: interactions``, ``unit: team``): wall time, the kernel's peak memory and
   each section's seconds, against the targets of the issue "Who works with whom" (1k/25k
   <= 60 s; 30k people and a million edges <= 10 min and <= 8 GB);
2. the two heavy methods side by side on the same graph, in this process: Louvain (igraph's
   ``community_multilevel``, which the kit uses, and networkx's ``louvain_communities``) and
   sampled betweenness (igraph with the kit's pivots, networkx ``betweenness_centrality`` with
   as many), with the ratio of their times and both modularities.

Usage::

    .venv/bin/python benchmarks/collaboration_scale.py                   # 1k/25k and 30k/1.25M
    .venv/bin/python benchmarks/collaboration_scale.py --size 1k/25k --no-notebook
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import igraph  # noqa: F401  (imported here, so its import time is not counted as Louvain's)
import networkx as nx
import numpy as np
import pandas as pd
import papermill

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_scale import PeakMemory, sections  # noqa: E402

from talentkit import network
from talentkit.runs.kernels import KERNEL_NAME  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_network.ipynb"
TARGETS = {"1k/25k": (60, None), "30k/1.25M": (600, 8.0), "30k/1M": (600, 8.0)}
SIZES = ["1k/25k", "30k/1.25M"]
TEAM = 130
INSIDE = 0.8


def count(text: str) -> int:
    return int(float(text[:-1]) * {"k": 1e3, "M": 1e6}[text[-1]]) if text[-1] in "kM" else int(text)


def write_company(folder: Path, people: int, records: int, seed: int = 0) -> pd.DataFrame:
    """people.csv and interactions.csv of a company of ``people`` in teams of about ``TEAM``;
    returns the interactions."""
    rng = np.random.default_rng(seed)
    teams = max(1, people // TEAM)
    team = rng.integers(0, teams, people)
    ids = np.array([f"E{k:06d}" for k in range(people)])
    pd.DataFrame({"employee_id": ids, "hire_date": "2020-01-01", "team": [f"T{t:03d}" for t in team],
                  "region": [f"R{t % 6}" for t in team]}).to_csv(folder / "people.csv", index=False)
    sender = rng.integers(0, people, records)
    order = np.argsort(team, kind="stable")
    starts = np.searchsorted(team[order], np.arange(teams + 1))
    lo, hi = starts[team[sender]], starts[team[sender] + 1]
    inside = order[lo + (rng.random(records) * (hi - lo)).astype(int)]
    recipient = np.where(rng.random(records) < INSIDE, inside, rng.integers(0, people, records))
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, records), unit="D")
    ties = pd.DataFrame({"sender_id": ids[sender], "recipient_id": ids[recipient], "date": days.strftime("%Y-%m-%d"),
                         "weight": 1 + rng.poisson(3, records), "channel": np.where(rng.random(records) < 0.7, "email",
                                                                                     "chat")})
    ties.to_csv(folder / "interactions.csv", index=False)
    return ties


def run_notebook(folder: Path, work: Path) -> dict:
    params = {"data": str(folder), "network_source": "interactions", "unit": "team", "interactive": False}
    t = time.perf_counter()
    with PeakMemory() as memory:
        nb = papermill.execute_notebook(str(NOTEBOOK), str(work / "05.ipynb"), parameters=params,
                                        kernel_name=KERNEL_NAME, cwd=str(NOTEBOOK.parent), progress_bar=False)
    return {"seconds": round(time.perf_counter() - t, 1), "peak_gb": round(memory.peak / 2**30, 2),
            "sections": {k: round(v, 1) for k, v in sections(nb).items() if v >= 1}}


def side_by_side(ties: pd.DataFrame) -> dict:
    """Louvain and sampled betweenness, igraph (the kit's) beside networkx, on one graph."""
    edges = network.EdgeList.from_pairs(ties["sender_id"], ties["recipient_id"], ties["weight"].astype(float))
    k = network.pivots_for(len(edges.nodes), len(edges.a))
    g = nx.Graph()
    g.add_weighted_edges_from(zip(edges.a.tolist(), edges.b.tolist(), edges.weight.tolist()))
    out = {"nodes": len(edges.nodes), "pairs": len(edges.a), "pivots": k or "exact"}
    t = time.perf_counter()
    labels, out["igraph_modularity"] = network.louvain(edges)
    out["igraph_louvain_s"] = time.perf_counter() - t
    t = time.perf_counter()
    parts = nx.community.louvain_communities(g, weight="weight", seed=0)
    out["networkx_louvain_s"] = time.perf_counter() - t
    out["networkx_modularity"] = nx.community.modularity(g, parts, weight="weight")
    t = time.perf_counter()
    network.graph_measures(edges, k)
    out["igraph_brokers_s"] = time.perf_counter() - t  # betweenness and the sparse constraint, effective size
    t = time.perf_counter()
    nx.betweenness_centrality(g, k=k, seed=0 if k else None)
    out["networkx_betweenness_s"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", nargs="+", default=SIZES, help="people/records, e.g. 1k/25k 30k/1.25M")
    parser.add_argument("--no-notebook", action="store_true", help="only the side-by-side comparison")
    parser.add_argument("--no-side-by-side", action="store_true", help="only the notebook")
    args = parser.parse_args()
    for size in args.size:
        people, records = (count(x) for x in size.split("/"))
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "data"
            folder.mkdir()
            t = time.perf_counter()
            ties = write_company(folder, people, records)
            print(f"{size}: wrote {people:,} people and {records:,} records in {time.perf_counter() - t:.1f} s", flush=True)
            if not args.no_notebook:
                row = run_notebook(folder, Path(tmp))
                target, memory = TARGETS.get(size, (None, None))
                verdict = ("" if target is None else f"  {'ok' if row['seconds'] <= target else 'over'} (<= {target} s)") + \
                    ("" if memory is None else f", {'ok' if row['peak_gb'] <= memory else 'over'} (<= {memory:g} GB)")
                print(f"  notebook 05: {row['seconds']} s, peak {row['peak_gb']} GB{verdict}", flush=True)
                print(f"  sections over 1 s: {row['sections']}", flush=True)
            if not args.no_side_by_side:
                s = side_by_side(ties)
                print(f"  graph: {s['nodes']:,} nodes, {s['pairs']:,} pairs, betweenness pivots {s['pivots']}")
                print(f"  Louvain: igraph {s['igraph_louvain_s']:.2f} s (modularity {s['igraph_modularity']:.3f}), "
                      f"networkx {s['networkx_louvain_s']:.2f} s (modularity {s['networkx_modularity']:.3f}): "
                      f"networkx / igraph = {s['networkx_louvain_s'] / s['igraph_louvain_s']:.1f}x")
                print(f"  brokers: igraph betweenness + sparse constraint and effective size {s['igraph_brokers_s']:.2f} s; "
                      f"networkx betweenness alone {s['networkx_betweenness_s']:.2f} s: networkx / kit = "
                      f"{s['networkx_betweenness_s'] / s['igraph_brokers_s']:.1f}x", flush=True)


if __name__ == "__main__":
    main()
