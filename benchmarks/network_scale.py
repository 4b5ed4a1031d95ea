"""The network analysis at 20,000 people: graph build and every measure, timed.

The data come from the seeded generator scaled to 20k people (about 15k sessions a year
across regions and 180k attendances a year). Prints the seconds of each step for one
year of flow, and in all.

Usage: .venv/bin/python benchmarks/network_scale.py [--people 20000]
"""

from __future__ import annotations

import argparse
import time

import talentkit as tk
from talentkit import network
from talentkit.data import synth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    start_share = 13 / 30  # as in the built-in sizes: employed at the start vs hired later
    n0 = int(args.people * start_share)
    synth.SIZES["bench"] = (n0, args.people - n0, 10, 10)
    t = time.perf_counter()
    ds = tk.Dataset(**synth.generate("bench", 0), as_of=synth.AS_OF)
    print(f"data: {len(ds.people):,} people, {len(ds.sessions):,} sessions, {len(ds.attendance):,} attendances "
          f"(generated in {time.perf_counter() - t:.1f} s)")
    steps = {}

    def timed(name, fn):
        t0 = time.perf_counter()
        out = fn()
        steps[name] = time.perf_counter() - t0
        return out

    year = int(ds.sessions["date"].dt.year.max())
    f = timed("flows (units on each session's day)", lambda: network.attendance_flows(ds, f"{year}-01-01", f"{year}-12-31"))
    g = timed("person graph", lambda: network.person_graph(f))
    timed("flow matrix + cross-unit share", lambda: (network.flow_matrix(f), network.cross_unit_share(f)))
    timed("brokers (betweenness, constraint, effective size)", lambda: network.brokers(g))
    timed("communities (Louvain) vs teams", lambda: network.communities(g, ds))
    timed("key-person risk", lambda: network.key_person_risk(g, f, 5))
    timed("trend, every year", lambda: network.trend(ds))
    print(f"person graph {year}: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges")
    for name, s in steps.items():
        print(f"  {name:<52} {s:7.2f} s")
    print(f"total graph build and measures: {sum(steps.values()):.1f} s")


if __name__ == "__main__":
    main()
