"""Dates and periods come from the data: ``as_of`` cuts the data and never re-reads it
(metamorphic tests on every dated form: a load as of D equals a load of the files cut by hand
at D), two-digit years keep their century whatever ``as_of`` asks, a stray date does not set
the default ``as_of``, a bare year is not a day, and every section runs on every dated form.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import talentkit as tk
from talentkit import coverage, metrics
from talentkit.cli import main
from talentkit.core.errors import DataError, ParameterError
from talentkit.data import synth

D = pd.Timestamp("2024-06-15")  # mid-month: between two snapshots, inside the built-in company's span
YEAR_START = D - pd.DateOffset(years=1) + pd.Timedelta(days=1)


def _write(folder: Path, tables: dict[str, pd.DataFrame], mapping: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return folder


def _made(tmp_path: Path, form: str) -> Path:
    out = tmp_path / form
    assert main(["data", "make", "--size", "small", "--out", str(out), "--form", form]) == 0
    return out


def _same(a: tk.Dataset, b: tk.Dataset) -> None:
    """Two datasets hold the same people, moves and workforce numbers over the year to D."""
    key = ["employee_id"]
    pa, pb = (x.people.sort_values(key, ignore_index=True) for x in (a, b))
    cols = [c for c in ("employee_id", "hire_date", "exit_date", "region", "team", "level") if c in pa]
    pd.testing.assert_frame_equal(pa[cols], pb[cols], check_dtype=False, check_categorical=False)
    if a.moves is not None or b.moves is not None:
        ma, mb = (x.moves.sort_values(["employee_id", "date"], ignore_index=True) for x in (a, b))
        pd.testing.assert_frame_equal(ma[["employee_id", "date"]], mb[["employee_id", "date"]], check_dtype=False)
    wa = metrics.workforce(a, YEAR_START, D, "region", min_group=5)
    wb = metrics.workforce(b, YEAR_START, D, "region", min_group=5)
    pd.testing.assert_frame_equal(wa, wb, check_dtype=False)


def test_as_of_equals_the_events_form_cut_by_hand(tmp_path):
    t = synth.generate("small", 0)
    p, m = t["people"].copy(), t["moves"].copy()
    full = _write(tmp_path / "full", {"people": p, "moves": m})
    # by hand: hires after D out; exits after D not yet known; a later move's from_ unit is the unit on D
    cut_p = p[p["hire_date"] <= D].copy()
    later_exit = cut_p["exit_date"] > D
    cut_p.loc[later_exit, ["exit_date", "exit_type", "regretted"]] = None
    later = m[m["date"] > D].sort_values(["employee_id", "date"]).drop_duplicates("employee_id").set_index("employee_id")
    for unit in ("region", "team"):
        back = cut_p["employee_id"].map(later[f"from_{unit}"])
        cut_p[unit] = back.fillna(cut_p[unit])
    cut_m = m[(m["date"] <= D) & m["employee_id"].isin(cut_p["employee_id"])]
    cut = _write(tmp_path / "cut", {"people": cut_p, "moves": cut_m})
    assert later_exit.sum() > 5 and len(later) > 5  # the cut changes something on both counts
    _same(tk.load(full, as_of=f"{D:%Y-%m-%d}"), tk.load(cut, as_of=f"{D:%Y-%m-%d}"))


def test_as_of_equals_an_assignment_history_cut_by_hand(tmp_path):
    out = _made(tmp_path, "history")
    mapping = yaml.safe_load((out / "mapping.yaml").read_text())
    mapping.pop("as_of", None)
    people, history = pd.read_csv(out / "people.csv"), pd.read_csv(out / "history.csv")
    full = _write(tmp_path / "full", {"people": people, "history": history}, mapping)
    # by hand: assignments that start after D out; one still held on D has no end yet
    h = history[pd.to_datetime(history["start"]) <= D].copy()
    h.loc[pd.to_datetime(h["end"]) >= D, "end"] = None
    p = people[pd.to_datetime(people["hire_date"]) <= D].copy()
    p.loc[pd.to_datetime(p["exit_date"]) > D, ["exit_date", "exit_type", "regretted"]] = None
    cut = _write(tmp_path / "cut", {"people": p, "history": h}, mapping)
    a = tk.load(full, mapping=full / "mapping.yaml", as_of=f"{D:%Y-%m-%d}")
    b = tk.load(cut, mapping=cut / "mapping.yaml", as_of=f"{D:%Y-%m-%d}")
    assert a.form == b.form == "history"
    _same(a, b)


def test_as_of_equals_snapshots_cut_by_hand(tmp_path):
    out = _made(tmp_path, "snapshots")
    mapping = yaml.safe_load((out / "mapping.yaml").read_text())
    mapping.pop("as_of", None)
    snaps = pd.read_csv(out / "snapshots.csv")
    full = _write(tmp_path / "full", {"snapshots": snaps}, mapping)
    cut = _write(tmp_path / "cut", {"snapshots": snaps[pd.to_datetime(snaps["snapshot_date"]) <= D]}, mapping)
    a = tk.load(full, mapping=full / "mapping.yaml", as_of=f"{D:%Y-%m-%d}")
    b = tk.load(cut, mapping=cut / "mapping.yaml", as_of=f"{D:%Y-%m-%d}")
    assert a.form == b.form == "snapshots"
    _same(a, b)


# --------------------------------------------------------------------------- finding 3: the century

def test_two_digit_years_keep_their_century_whatever_as_of_asks(tmp_path):
    t = synth.generate("small", 0)
    p, m = t["people"].copy(), t["moves"].copy()
    iso = _write(tmp_path / "iso", {"people": p, "moves": m})
    short = p.copy()
    for col in ("hire_date", "exit_date"):
        short[col] = pd.to_datetime(short[col]).dt.strftime("%d-%b-%y")
    short_m = m.assign(date=pd.to_datetime(m["date"]).dt.strftime("%d-%b-%y"))
    two_digit = _write(tmp_path / "yy", {"people": short, "moves": short_m},
                       {"dates": {"format": "d-mon-y", "two_digit_years": "past"}})
    day = "2024-12-31"  # a year end: every date of 2025 is after it, written 25
    a = tk.load(iso, as_of=day)
    b = tk.load(two_digit, mapping=two_digit / "mapping.yaml", as_of=day)
    assert b.people["hire_date"].min() == a.people["hire_date"].min() > pd.Timestamp("2000-01-01")
    assert len(b.people) == len(a.people) == int((p["hire_date"] <= day).sum())
    _same_year = metrics.workforce(a, pd.Timestamp("2024-01-01"), pd.Timestamp(day), None, min_group=5)
    pd.testing.assert_frame_equal(_same_year, metrics.workforce(b, pd.Timestamp("2024-01-01"), pd.Timestamp(day), None,
                                                                min_group=5))
    later = [x for x in b.assumptions if "hired after" in x or "later" in x]
    assert later and any(f"{int((p['hire_date'] > day).sum())}" in x for x in b.assumptions), b.assumptions


# --------------------------------------------------------------------------- finding 4: a stray date

def _ten_years_back() -> pd.DataFrame:
    """The small company's people, every date ten years earlier (so a date six years after
    the rest still lies in the past)."""
    p = synth.generate("small", 0)["people"].copy()
    for col in ("hire_date", "exit_date"):
        p[col] = pd.to_datetime(p[col]) - pd.DateOffset(years=10)
    return p


def test_a_stray_exit_date_years_after_the_rest_does_not_set_the_default_as_of(tmp_path):
    p = _ten_years_back()
    leaver = p.index[p["exit_date"].notna()][0]
    p.loc[leaver, "exit_date"] = pd.Timestamp("2021-05-05")  # six years after the rest: a typo
    folder = _write(tmp_path / "stray", {"people": p})
    ds = tk.load(folder)
    rest = pd.to_datetime(p.drop(index=leaver)[["hire_date", "exit_date"]].stack()).max()
    assert ds.as_of == rest
    warning = [str(w) for w in ds.warnings if "more than a year after" in str(w)]
    assert warning and "2021-05-05" in warning[0] and f"{rest:%Y-%m-%d}" in warning[0]
    year = metrics.workforce(ds, ds.as_of - pd.DateOffset(years=1), ds.as_of, None).iloc[0]
    assert year["separations"] > 0 and year["turnover_annual"] > 0  # not an empty year
    assert tk.load(folder, as_of="2021-06-30").as_of == pd.Timestamp("2021-06-30")  # a given as_of wins


def test_a_few_late_dates_that_are_many_are_not_stray(tmp_path):
    p = _ten_years_back()
    late = p.index[p["exit_date"].notna()][:10]  # ten of a few hundred: a real later period, not a typo
    p.loc[late, "exit_date"] = pd.Timestamp("2021-05-05")
    ds = tk.load(_write(tmp_path / "late", {"people": p}))
    assert ds.as_of == pd.Timestamp("2021-05-05")


# --------------------------------------------------------------------------- bare years

def test_a_bare_year_is_refused_not_read_as_a_spreadsheet_serial(tmp_path):
    t = synth.generate("small", 0)
    p = t["people"].copy()
    p["hire_date"] = pd.to_datetime(p["hire_date"]).dt.year.astype(str)
    with pytest.raises(DataError, match=r"years, not days \('20\d\d'\).*YYYY-MM-DD"):
        tk.load(_write(tmp_path / "years", {"people": p}))


# --------------------------------------------------------------------------- finding 5: coverage by capability

@pytest.mark.parametrize("form", ["history", "snapshots"])
def test_every_dated_form_supports_the_dated_sections(tmp_path, form):
    out = _made(tmp_path, form)
    ds = tk.load(out, mapping=out / "mapping.yaml")
    table = coverage.supported(ds).set_index("section")
    for key in ("01.article", "01.trend", "03.region", "04.model"):
        title = coverage.SECTIONS[key].title
        assert table.loc[title, "supported"], (key, table.loc[title, "needs"])


def test_a_one_day_snapshot_export_says_what_it_lacks_in_its_own_terms(tmp_path):
    snap = pd.DataFrame({"Employee": [f"E{i}" for i in range(30)], "Tenure": range(30),
                         "Left": ["yes", "no"] * 15, "Dept": ["A", "B", "C"] * 10})
    folder = _write(tmp_path / "snap", {"people": snap}, {
        "form": "snapshot", "as_of": "2025-12-31",
        "columns": {"Employee": "employee_id", "Dept": "team"},
        "snapshot": {"left": "Left", "tenure": "Tenure", "tenure_unit": "months"}})
    ds = tk.load(folder / "people.csv", mapping=folder / "mapping.yaml")
    lacking = coverage.missing(ds, coverage.SECTIONS["01.article"].needs)
    assert "events" in lacking
    assert "hire dates" in coverage.how_to_add("events")


# --------------------------------------------------------------------------- snapshots: what they can tell

def test_snapshots_neither_hire_the_first_snapshot_nor_run_past_the_last(tmp_path):
    out = _made(tmp_path, "snapshots")
    mapping = yaml.safe_load((out / "mapping.yaml").read_text())
    mapping.pop("as_of", None)
    snaps = pd.read_csv(out / "snapshots.csv")
    first = pd.to_datetime(snaps["snapshot_date"]).min()
    # a headcount file without start dates, beginning mid-history: who is in its first month joined earlier
    recent = snaps[pd.to_datetime(snaps["snapshot_date"]) >= first + pd.DateOffset(years=8)].drop(columns="hire_date")
    folder = _write(tmp_path / "recent", {"snapshots": recent}, mapping)
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    start = pd.to_datetime(recent["snapshot_date"]).min()
    at_first = int((pd.to_datetime(recent["snapshot_date"]) == start).sum())
    before = metrics.workforce(ds, start - pd.DateOffset(months=6), start, None).iloc[0]
    assert at_first > 100 and before["hires"] == 0  # none of the first snapshot's people is a hire
    # one month on: the hires are the people first seen in the second snapshot, counted by hand
    second = pd.to_datetime(recent["snapshot_date"]).drop_duplicates().sort_values().iloc[1]
    month = metrics.workforce(ds, start + pd.Timedelta(days=1), second, None).iloc[0]
    ids = lambda day: set(recent.loc[pd.to_datetime(recent["snapshot_date"]) == day, "employee_id"])  # noqa: E731
    assert month["hires"] == len(ids(second) - ids(start))
    last = pd.to_datetime(recent["snapshot_date"]).max()
    later = tk.load(folder, mapping=folder / "mapping.yaml", as_of=f"{last + pd.DateOffset(months=5):%Y-%m-%d}")
    assert later.as_of == last and any("after the last snapshot" in a for a in later.assumptions)


def test_as_of_cannot_re_date_a_one_day_snapshot_export(tmp_path):
    snap = pd.DataFrame({"Employee": [f"E{i}" for i in range(30)], "Tenure": range(30), "Left": ["yes", "no"] * 15})
    folder = _write(tmp_path / "snap", {"people": snap}, {
        "form": "snapshot", "as_of": "2025-12-31", "columns": {"Employee": "employee_id"},
        "snapshot": {"left": "Left", "tenure": "Tenure", "tenure_unit": "months"}})
    assert tk.load(folder / "people.csv", mapping=folder / "mapping.yaml", as_of="2025-12-31").as_of == \
        pd.Timestamp("2025-12-31")
    with pytest.raises(ParameterError, match="cannot move it"):
        tk.load(folder / "people.csv", mapping=folder / "mapping.yaml", as_of="2024-12-31")


def test_a_trend_by_quarter_starts_on_a_whole_quarter():
    from talentkit.data import timeline

    assert timeline.quarter_start("2023-12-31") == pd.Timestamp("2023-10-01")  # last day of a quarter
    assert timeline.quarter_start("2024-01-01") == pd.Timestamp("2024-01-01")  # first day of one
    first = timeline.buckets(timeline.quarter_start("2023-12-31"), "2025-12-31", "quarter")[0]
    assert first == ("2023-Q4", pd.Timestamp("2023-10-01"), pd.Timestamp("2023-12-31"))  # not a bucket of one day


def test_a_period_without_activity_in_data_that_has_it_elsewhere_is_a_warning():
    from talentkit.data import timeline

    ds = tk.load("synthetic:small")
    assert timeline.quiet_period(ds, "2024-01-01", "2024-12-31") == ""
    said = timeline.quiet_period(ds, "2031-01-01", "2031-12-31")
    assert "holds no hire, exit or move" in said and "2031-01-01" in said
    # the first and the last day of the period count: a hire on the last day is activity
    day = ds.people["hire_date"].max()
    assert timeline.quiet_period(ds, day, day) == "" and timeline.quiet_period(ds, day + pd.Timedelta(days=1),
                                                                              day + pd.Timedelta(days=1)) != ""
