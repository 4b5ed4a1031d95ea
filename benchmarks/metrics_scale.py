"""The KPI table at scale: talentkit against DuckDB written two ways, computing the same counts.

Data: N people, 3N internal moves, N/2 sharing sessions (random, seeded), over 2015-2025.
Table: region × quarter for 2021-2025 (20 quarters): headcount at start and end (region as
of each day, rebuilt from moves), hires, separations, voluntary exits, moves out and in,
sessions and recorded sessions by the presenter's region on the session's day; the rates
(annualized turnover, mobility, recorded share) follow from those counts.

Competitors, each checked to give the kit's counts exactly:

* ``duckdb-asof``: DuckDB as its documentation writes an as-of look-up: ``ASOF LEFT JOIN``
  moves on ``day < move date`` (the first move after the day gives the unit the person was
  in), for headcounts, hires and the presenter's unit. The strongest competitor.
* ``duckdb-join``: the first version's query (every day joined with every later move, and a
  correlated subquery per session), kept for reference at sizes up to 1M.

Each engine runs in a fresh process (the data made there from the same seed), so the peak
memory printed is that engine's (data included). The ratio is the kit's time over the
fastest competitor's. Goal: ratio <= 0.7 at 1M people, measured on an idle machine in one run,
the kit's peak under 2 GB; 10M people (``--people 10000000 --only talentkit``) in <= 16 GB.

Usage: .venv/bin/pip install -r benchmarks/requirements.txt
       .venv/bin/python benchmarks/metrics_scale.py [--people 1000000]   # one size, all engines
       .venv/bin/python benchmarks/metrics_scale.py --scale                # 10k, 100k, 1M, 3M
       .venv/bin/python benchmarks/metrics_scale.py --people 10000000 --only talentkit   # time and peak only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from talentkit import metrics
from talentkit.data.datasets import Dataset

REGIONS = ["US", "CN", "EU", "SG", "IN"]
START, END, AS_OF = pd.Timestamp("2021-01-01"), pd.Timestamp("2025-12-31"), pd.Timestamp("2025-12-31")


def make_data(n_people: int, n_moves: int, n_sessions: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp("2015-01-01")
    span = (AS_OF - day0).days
    hire = day0 + pd.to_timedelta(rng.integers(0, span, n_people), unit="D")
    leaves = rng.random(n_people) < 0.45
    exit_ = hire + pd.to_timedelta(rng.exponential(900, n_people).astype(int) + 1, unit="D")
    exit_ = pd.Series(exit_).where(leaves & (exit_ <= AS_OF))
    regions = pd.Categorical(np.array(REGIONS)[rng.integers(0, 5, n_people)], categories=REGIONS)
    ids = pd.Series(np.char.add("E", np.arange(n_people).astype(str)))
    people = pd.DataFrame({
        "employee_id": ids, "hire_date": hire, "exit_date": exit_,
        "exit_type": pd.Series(np.where(rng.random(n_people) < 0.8, "voluntary", "involuntary")).where(exit_.notna()),
        "regretted": pd.array(rng.random(n_people) < 0.3, dtype="boolean"),
        "region": regions, "team": regions, "level": "L2", "skill": "NLP",
        "origin": np.where(rng.random(n_people) < 0.3, "international", "local"), "channel": "referral",
    })
    who = rng.integers(0, n_people, n_moves)
    h = people["hire_date"].to_numpy()[who]
    last = people["exit_date"].fillna(AS_OF).to_numpy()[who]
    length = (last - h).astype("timedelta64[D]").astype(int)
    offset = (rng.random(n_moves) * np.maximum(length, 1)).astype(int) + 1
    moves = pd.DataFrame({"employee_id": ids.to_numpy()[who], "date": h + offset.astype("timedelta64[D]"),
                          "from_region": pd.Categorical(np.array(REGIONS)[rng.integers(0, 5, n_moves)], categories=REGIONS),
                          "to_region": pd.Categorical(np.array(REGIONS)[rng.integers(0, 5, n_moves)], categories=REGIONS),
                          "kind": "transfer"})
    moves = moves[moves["date"] < pd.Series(last)].drop_duplicates(["employee_id", "date"])
    presenter = rng.integers(0, n_people, n_sessions)
    ph = people["hire_date"].to_numpy()[presenter]
    plast = people["exit_date"].fillna(AS_OF).to_numpy()[presenter]
    plen = (plast - ph).astype("timedelta64[D]").astype(int)
    sessions = pd.DataFrame({"session_id": np.char.add("S", np.arange(n_sessions).astype(str)),
                             "date": ph + (rng.random(n_sessions) * np.maximum(plen, 1)).astype(int).astype("timedelta64[D]"),
                             "presenter_id": ids.to_numpy()[presenter],
                             "region": pd.Categorical(np.array(REGIONS)[rng.integers(0, 5, n_sessions)], categories=REGIONS),
                             "recorded": rng.random(n_sessions) < 0.8})
    return Dataset(people=people, moves=moves.reset_index(drop=True), sessions=sessions, as_of=AS_OF)


def with_talentkit(ds: Dataset) -> pd.DataFrame:
    w = metrics.workforce(ds, START, END, ["region", "quarter"], min_group=1)
    s = metrics.sharing(ds, START, END, ["region", "quarter"], min_group=1)
    return w.merge(s[["quarter", "region", "sessions", "recorded"]], on=["quarter", "region"], how="left")


SQL = """
WITH q AS (
    SELECT strftime(s, '%Y') || '-Q' || quarter(s) AS quarter, s, e
    FROM (SELECT unnest(generate_series(DATE '2021-01-01', DATE '2025-10-01', INTERVAL 3 MONTH))::DATE AS s)
    CROSS JOIN LATERAL (SELECT (s + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE AS e)
),
days AS (SELECT DISTINCT d FROM (SELECT s - 1 AS d FROM q UNION ALL SELECT e FROM q)),
first_after AS (  -- region before the first move after each day
    SELECT d.d, m.employee_id, arg_min(m.from_region, m.date) AS region
    FROM days d JOIN moves m ON m.date > d.d GROUP BY d.d, m.employee_id
),
on_day AS (
    SELECT d.d, coalesce(f.region, p.region) AS region, count(*) AS headcount
    FROM days d JOIN people p ON p.hire_date <= d.d AND (p.exit_date IS NULL OR p.exit_date > d.d)
    LEFT JOIN first_after f ON f.d = d.d AND f.employee_id = p.employee_id
    GROUP BY ALL
),
first_move AS (SELECT employee_id, arg_min(from_region, date) AS region, min(date) AS date FROM moves GROUP BY ALL),
hires AS (
    SELECT q.quarter, CASE WHEN fm.date > p.hire_date THEN fm.region ELSE p.region END AS region, count(*) AS hires
    FROM people p JOIN q ON p.hire_date BETWEEN q.s AND q.e LEFT JOIN first_move fm USING (employee_id)
    GROUP BY ALL
),
seps AS (
    SELECT q.quarter, p.region, count(*) AS separations,
           count(*) FILTER (WHERE p.exit_type = 'voluntary') AS voluntary
    FROM people p JOIN q ON p.exit_date BETWEEN q.s AND q.e GROUP BY ALL
),
mv_out AS (SELECT q.quarter, from_region AS region, count(*) AS moves FROM moves m JOIN q ON m.date BETWEEN q.s AND q.e GROUP BY ALL),
mv_in AS (SELECT q.quarter, to_region AS region, count(*) AS moves_in FROM moves m JOIN q ON m.date BETWEEN q.s AND q.e GROUP BY ALL),
ses AS (
    SELECT q.quarter, coalesce(
             (SELECT arg_min(m.from_region, m.date) FROM moves m WHERE m.employee_id = s.presenter_id AND m.date > s.date),
             p.region) AS region,
           count(*) AS sessions, count(*) FILTER (WHERE s.recorded) AS recorded
    FROM sessions s JOIN q ON s.date BETWEEN q.s AND q.e JOIN people p ON p.employee_id = s.presenter_id
    GROUP BY ALL
)
SELECT q.quarter, r.region,
       coalesce(hs.headcount, 0) AS headcount_start, coalesce(he.headcount, 0) AS headcount_end,
       coalesce(hires, 0) AS hires, coalesce(separations, 0) AS separations, coalesce(voluntary, 0) AS voluntary,
       coalesce(moves, 0) AS moves, coalesce(moves_in, 0) AS moves_in,
       coalesce(sessions, 0) AS sessions, coalesce(recorded, 0) AS recorded
FROM q CROSS JOIN (SELECT DISTINCT region FROM people) r
LEFT JOIN on_day hs ON hs.d = q.s - 1 AND hs.region = r.region
LEFT JOIN on_day he ON he.d = q.e AND he.region = r.region
LEFT JOIN hires ON hires.quarter = q.quarter AND hires.region = r.region
LEFT JOIN seps ON seps.quarter = q.quarter AND seps.region = r.region
LEFT JOIN mv_out ON mv_out.quarter = q.quarter AND mv_out.region = r.region
LEFT JOIN mv_in ON mv_in.quarter = q.quarter AND mv_in.region = r.region
LEFT JOIN ses ON ses.quarter = q.quarter AND ses.region = r.region
ORDER BY q.quarter, r.region
"""


_QUARTERS = SQL[: SQL.index("days AS")]
_FINAL = SQL[SQL.index("SELECT q.quarter, r.region,"):]
_SEPARATIONS_AND_MOVES = SQL[SQL.index("seps AS"): SQL.index("ses AS")]  # no as-of look-up in these

SQL_ASOF = _QUARTERS + """days AS (SELECT DISTINCT d FROM (SELECT s - 1 AS d FROM q UNION ALL SELECT e FROM q)),
employed AS (
    SELECT d.d, p.employee_id, p.region
    FROM days d JOIN people p ON p.hire_date <= d.d AND (p.exit_date IS NULL OR p.exit_date > d.d)
),
on_day AS (  -- unit on a day: where the person's next move starts from, else the export's unit
    SELECT e.d, coalesce(m.from_region, e.region) AS region, count(*) AS headcount
    FROM employed e ASOF LEFT JOIN moves m ON m.employee_id = e.employee_id AND e.d < m.date
    GROUP BY ALL
),
hired AS (SELECT q.quarter, p.employee_id, p.hire_date, p.region FROM people p JOIN q ON p.hire_date BETWEEN q.s AND q.e),
hires AS (
    SELECT h.quarter, coalesce(m.from_region, h.region) AS region, count(*) AS hires
    FROM hired h ASOF LEFT JOIN moves m ON m.employee_id = h.employee_id AND h.hire_date <= m.date
    GROUP BY ALL
),
""" + _SEPARATIONS_AND_MOVES + """held AS (
    SELECT q.quarter, s.presenter_id, s.date, s.recorded, p.region
    FROM sessions s JOIN q ON s.date BETWEEN q.s AND q.e JOIN people p ON p.employee_id = s.presenter_id
),
ses AS (
    SELECT h.quarter, coalesce(m.from_region, h.region) AS region,
           count(*) AS sessions, count(*) FILTER (WHERE h.recorded) AS recorded
    FROM held h ASOF LEFT JOIN moves m ON m.employee_id = h.presenter_id AND h.date < m.date
    GROUP BY ALL
)
""" + _FINAL


def with_duckdb(ds: Dataset, sql: str = SQL_ASOF) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    people = ds.people.assign(region=ds.people["region"].astype(str))
    moves = ds.moves.assign(from_region=ds.moves["from_region"].astype(str), to_region=ds.moves["to_region"].astype(str))
    con.register("people", people)
    con.register("moves", moves)
    con.register("sessions", ds.sessions)
    return con.execute(sql).df()


ENGINES = {"talentkit": with_talentkit, "duckdb-asof": with_duckdb,
           "duckdb-join": lambda ds: with_duckdb(ds, SQL)}


COUNTS = ["headcount_start", "headcount_end", "hires", "separations", "voluntary", "moves", "moves_in",
          "sessions", "recorded"]


def counts(table: pd.DataFrame) -> pd.DataFrame:
    t = table.assign(region=table["region"].astype(str))
    return t.set_index(["quarter", "region"])[COUNTS].astype(int).sort_index()


def worker(engine: str, n: int, out: str) -> None:
    """One engine on one size, in this process: prints its time and peak memory as JSON."""
    ds = make_data(n, 3 * n, n // 2)
    t = time.perf_counter()
    table = ENGINES[engine](ds)
    seconds = time.perf_counter() - t
    counts(table).to_pickle(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(json.dumps({"engine": engine, "people": n, "seconds": seconds, "peak_gb": peak}))


def measure(engine: str, n: int, folder: str) -> tuple[dict, pd.DataFrame]:
    out = f"{folder}/{engine}-{n}.pkl"
    run = subprocess.run([sys.executable, __file__, "--worker", engine, "--people", str(n), "--out", out],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1]), pd.read_pickle(out)


def compare(n: int, engines: list[str], folder: str) -> dict:
    """Run each engine on ``n`` people; check every count against the kit's; return the timings."""
    found = {e: measure(e, n, folder) for e in engines}
    ours = found["talentkit"][1]
    for engine, (_, table) in found.items():
        pd.testing.assert_frame_equal(table.loc[ours.index], ours, check_names=False)
        assert len(table) == len(ours), engine
    return {e: r for e, (r, _) in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--scale", action="store_true", help="time and memory at 10k, 100k, 1M and 3M people")
    parser.add_argument("--only", choices=list(ENGINES), help="run this engine alone: its time and peak memory")
    parser.add_argument("--worker", choices=list(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.people, args.out)
    with tempfile.TemporaryDirectory() as folder:
        if args.only:
            r, _ = measure(args.only, args.people, folder)
            print(f"{args.people:,} people: {args.only} {r['seconds']:.2f} s, peak {r['peak_gb']:.2f} GB")
            return
        if not args.scale:
            n = args.people
            r = compare(n, ["talentkit", "duckdb-asof"] + (["duckdb-join"] if n <= 1_000_000 else []), folder)
            print(f"{n:,} people, {3 * n:,} moves drawn, {n // 2:,} sessions: "
                  f"{len(COUNTS)} counts in every region x quarter identical across engines")
            fastest = min((e for e in r if e != "talentkit"), key=lambda e: r[e]["seconds"])
            for e, x in r.items():
                print(f"  {e:<12} {x['seconds']:7.2f} s   peak {x['peak_gb']:.2f} GB")
            ratio = r["talentkit"]["seconds"] / r[fastest]["seconds"]
            print(f"ratio talentkit / fastest competitor ({fastest}): {ratio:.2f} (goal <= 0.7); "
                  f"talentkit peak {r['talentkit']['peak_gb']:.2f} GB (goal < 2)")
            return
        print(f"{'people':>10} {'talentkit s':>12} {'GB':>6} {'duckdb-asof s':>14} {'GB':>6} {'ratio':>6}")
        for n in (10_000, 100_000, 1_000_000, 3_000_000):
            r = compare(n, ["talentkit", "duckdb-asof"], folder)
            k, d = r["talentkit"], r["duckdb-asof"]
            print(f"{n:>10,} {k['seconds']:>12.2f} {k['peak_gb']:>6.2f} {d['seconds']:>14.2f} {d['peak_gb']:>6.2f} "
                  f"{k['seconds'] / d['seconds']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
