"""The KPI table at scale: talentkit against DuckDB SQL computing the same numbers.

Data: 1M people, 3M internal moves, 500k sharing sessions (random, seeded), over 2015-2025.
Table: region × quarter for 2021-2025 (20 quarters): headcount at start and end (region as
of each day, rebuilt from moves), hires, separations, voluntary exits, moves out and in,
sessions and recorded sessions by the presenter's region on the session's day; the rates
(annualized turnover, mobility, recorded share) follow from those counts.

The script checks that both agree to the last count, then prints the time ratio and the
process's peak memory. Goal: talentkit <= 1.5x DuckDB's time, under 3 GB.

Usage: .venv/bin/pip install -r benchmarks/requirements.txt
       .venv/bin/python benchmarks/metrics_scale.py [--people 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from talentkit import metrics
from talentkit.datasets import Dataset

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


def with_duckdb(ds: Dataset) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    people = ds.people.assign(region=ds.people["region"].astype(str))
    moves = ds.moves.assign(from_region=ds.moves["from_region"].astype(str), to_region=ds.moves["to_region"].astype(str))
    con.register("people", people)
    con.register("moves", moves)
    con.register("sessions", ds.sessions)
    return con.execute(SQL).df()


COUNTS = ["headcount_start", "headcount_end", "hires", "separations", "voluntary", "moves", "moves_in",
          "sessions", "recorded"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.people
    t = time.perf_counter()
    ds = make_data(n, 3 * n, n // 2)
    print(f"data: {len(ds.people):,} people, {len(ds.moves):,} moves, {len(ds.sessions):,} sessions "
          f"(made in {time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    ours = with_talentkit(ds)
    t_ours = time.perf_counter() - t
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    t = time.perf_counter()
    theirs = with_duckdb(ds)
    t_duck = time.perf_counter() - t
    a = ours.set_index(["quarter", "region"])[COUNTS].astype(int).sort_index()
    b = theirs.assign(region=theirs["region"].astype(str)).set_index(["quarter", "region"])[COUNTS].astype(int).sort_index()
    a.index = a.index.set_levels(a.index.levels[1].astype(str), level=1)
    pd.testing.assert_frame_equal(a, b.loc[a.index], check_names=False)
    print(f"agree: {len(a)} rows × {len(COUNTS)} counts identical")
    print(f"talentkit: {t_ours:.2f} s   DuckDB: {t_duck:.2f} s   ratio: {t_ours / t_duck:.2f} (goal <= 1.5)")
    print(f"peak memory of the process (data + talentkit): {peak_gb:.2f} GB (goal < 3)")


if __name__ == "__main__":
    main()
