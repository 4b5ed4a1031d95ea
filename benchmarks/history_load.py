"""Loading a large assignment history: 30,000 people, 100,000 rows, 184 units, 70 ranks.

Writes a Workday-style job history (``m/d/yyyy`` dates, two-digit-year people file with
``dd-Mon-yy`` dates reaching back to the 1950s, a few bad rows) and times, on this machine:

* ``talentkit.load`` with ``form: history`` (read, dates detected, bad rows set aside, moves
  and spells derived) against the issue's ceiling of 15 s on 2 cores;
* the data profile's computations (``talentkit.dataprofile``) on the loaded dataset, and the
  whole ``talentkit data profile`` report (a kernel, the notebook, the HTML), against 30 s;
* the same pandas work done by hand (read both CSVs with pandas' own date parsing, sort, and
  diff consecutive rows), as the floor: the ratio says what the kit's checks cost over it.

Run: ``.venv/bin/python benchmarks/history_load.py`` (prints seconds and ratios).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import talentkit as tk  # noqa: E402
from talentkit import dataprofile

PEOPLE, ROWS, UNITS, RANKS, BAD = 30_000, 100_000, 184, 70, 19


def write(folder: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    hire = pd.Timestamp("1955-01-01") + pd.to_timedelta(rng.integers(0, 365 * 68, PEOPLE), unit="D")
    changes = rng.multinomial(ROWS - PEOPLE, np.ones(PEOPLE) / PEOPLE)
    person = np.repeat(np.arange(PEOPLE), changes + 1)
    step = np.concatenate([np.arange(n + 1) for n in changes])
    start = hire[person] + pd.to_timedelta(step * rng.integers(200, 900, len(person)), unit="D")
    start = pd.Series(start).clip(upper=pd.Timestamp("2025-12-31"))
    frame = pd.DataFrame({"PersonID": [f"W{p:06d}" for p in person], "EffectiveDate": start})
    frame = frame.drop_duplicates(["PersonID", "EffectiveDate"]).sort_values(["PersonID", "EffectiveDate"])
    nxt = frame.groupby("PersonID")["EffectiveDate"].shift(-1)
    frame["EndDate"] = (nxt - pd.Timedelta(days=1)).dt.strftime("%m/%d/%Y").fillna("")
    frame["EffectiveDate"] = frame["EffectiveDate"].dt.strftime("%m/%d/%Y")
    frame["Unit"] = [f"Unit {u:03d}" for u in rng.integers(0, UNITS, len(frame))]
    frame["Grade"] = [f"R{r}" for r in np.minimum(RANKS, 1 + (step[: len(frame)] + rng.integers(0, 40, len(frame))))]
    frame.to_csv(folder / "job_history.csv", index=False)
    exit_ = hire + pd.to_timedelta(rng.integers(300, 365 * 30, PEOPLE), unit="D")
    left = exit_ < pd.Timestamp("2025-12-31")
    people = pd.DataFrame({"PersonID": [f"W{p:06d}" for p in range(PEOPLE)], "HireDate": hire.strftime("%d-%b-%y"),
                           "TermDate": np.where(left, exit_.strftime("%d-%b-%y"), ""),
                           "Gender": rng.choice(["F", "M"], PEOPLE)})
    people.loc[rng.choice(PEOPLE, BAD, replace=False), "HireDate"] = ""  # 19 bad rows
    people.to_csv(folder / "employees.csv", index=False)
    (folder / "mapping.yaml").write_text(
        "form: history\nfiles: {people: employees.csv, history: job_history.csv}\n"
        "history: {start: EffectiveDate, end: EndDate}\n"
        "columns: {PersonID: employee_id, Unit: team, Grade: level, HireDate: hire_date, TermDate: exit_date}\n"
        "dates: {two_digit_years: past}\nbad_rows: set_aside\nas_of: 2025-12-31\n", encoding="utf-8")


def seconds(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder)
        load_s, ds = seconds(lambda: tk.load(folder, mapping=folder / "mapping.yaml"))
        profile_s, _ = seconds(lambda: [dataprofile.tables(ds), dataprofile.missing_values(ds),
                                        dataprofile.categories(ds), dataprofile.numbers(ds),
                                        dataprofile.duplicates(ds), dataprofile.sections(ds, "team")])

        def by_hand():
            h = pd.read_csv(folder / "job_history.csv", dtype=str)
            h["EffectiveDate"] = pd.to_datetime(h["EffectiveDate"], format="%m/%d/%Y")
            p = pd.read_csv(folder / "employees.csv", dtype=str)
            p["HireDate"] = pd.to_datetime(p["HireDate"], format="%d-%b-%y", errors="coerce")
            h = h.sort_values(["PersonID", "EffectiveDate"])
            return (h[["Unit", "Grade"]] != h[["Unit", "Grade"]].shift()).any(axis=1).sum()

        hand_s, _ = seconds(by_hand)
        cli = [sys.executable, "-m", "talentkit", "data", "profile", str(folder), "--mapping",
               str(folder / "mapping.yaml"), "--out", str(folder / "out"), "--group-by", "team"]
        report_s, done = seconds(lambda: subprocess.run(cli, capture_output=True, text=True,
                                                        cwd=Path(__file__).resolve().parents[1]))
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:])
    rows = sum(1 for _ in ds.set_aside.records) if ds.set_aside else 0
    print(f"history load: {len(ds.people):,} people, {len(ds.moves):,} moves, {rows} rows set aside")
    print(f"  talentkit.load (form: history)   {load_s:6.2f} s   ceiling 15 s   ({load_s / 15:.2f} of it)")
    print(f"  data profile computations        {profile_s:6.2f} s   ceiling 30 s   ({profile_s / 30:.2f} of it)")
    print(f"  the same by hand with pandas     {hand_s:6.2f} s   kit / hand = {load_s / hand_s:.1f}x")
    print(f"  talentkit data profile (report)  {report_s:6.2f} s   ceiling 30 s   ({report_s / 30:.2f} of it; a kernel "
          "start and the HTML report included)")


if __name__ == "__main__":
    main()
