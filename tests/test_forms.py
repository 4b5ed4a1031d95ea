"""Real records: dates as exports write them, bad rows set aside, assignment histories and
periodic snapshots. Each shape is written here as its vendor writes it; the expected people,
moves, hires and exits are computed by hand with plain pandas and Python on the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import talentkit as tk
from talentkit import flows, metrics
from talentkit.cli import main
from talentkit.core.errors import DataError
from talentkit.data import rewrite
from talentkit.data.timeline import employed_on, unit_at

ROOT = Path(__file__).resolve().parents[1]
DAY = pd.Timedelta(days=1)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def refused(folder, **kw) -> str:
    with pytest.raises(DataError) as err:
        tk.load(folder, **kw)
    return str(err.value)


# --------------------------------------------------------------------------- a Workday-style history

WORKDAY = """PersonID,EffectiveDate,EndDate,ActionReason,Location,Unit,Grade
W1,3/1/2019,6/30/2020,Hire,US,Search,G1
W1,7/1/2020,12/31/2021,Promotion,US,Search,G2
W1,1/1/2022,,Lateral Move,EU,Ads,G2
W2,1/15/2020,1/14/2020,Hire,US,Ads,G1
W2,1/15/2020,9/30/2023,Hire,US,Ads,G1
W3,5/1/2018,12/31/2019,Hire,EU,Ads,G3
W3,6/1/2019,3/31/2021,Data Change,EU,Search,G3
W3,6/1/2021,10/31/2024,Merit,EU,Search,G4
W4,,12/31/2020,Hire,US,Search,G1
W4,2/1/2021,,Hire,US,Search,G1
"""
WORKDAY_MAPPING = """form: history
files: {history: job_history.csv}
history: {start: EffectiveDate, end: EndDate, reason: ActionReason, kinds: {Lateral Move: transfer}}
columns: {PersonID: employee_id, Location: region, Unit: team, Grade: level}
as_of: 2025-06-30
"""


def assert_stock_flow(ds, days, unit: str = "team") -> None:
    """Headcount at each day = at the day before it + hires - exits + moves in - moves out, per
    unit: hires counted in the unit of their hire day, exits in the unit of their last day."""
    p, moves = ds.people, ds.moves
    hire_unit = unit_at(ds, unit, p["hire_date"])
    exit_unit = unit_at(ds, unit, (p["exit_date"] - DAY).fillna(p["hire_date"]))
    counts = {pd.Timestamp(d): unit_at(ds, unit, pd.Timestamp(d)).where(employed_on(p, pd.Timestamp(d))).value_counts()
              for d in days}
    units = sorted(set(p[unit].dropna()) | set(moves[f"to_{unit}"].dropna()) | set(moves[f"from_{unit}"].dropna()))
    for before, now in zip(list(counts)[:-1], list(counts)[1:]):
        window = lambda s: (s > before) & (s <= now)  # noqa: E731
        hired, left, m = window(p["hire_date"]), window(p["exit_date"]), moves[window(moves["date"])]
        for u in units:
            flow = ((hire_unit[hired] == u).sum() - (exit_unit[left] == u).sum()
                    + ((m[f"to_{unit}"] == u) & (m[f"from_{unit}"] != u)).sum()
                    - ((m[f"from_{unit}"] == u) & (m[f"to_{unit}"] != u)).sum())
            assert counts[now].get(u, 0) == counts[before].get(u, 0) + flow, (now, u)


def hand_moves(rows: pd.DataFrame) -> list[tuple]:
    """Moves from history rows by hand: per person in start order, superseded rows skipped,
    every change of region, team or level dated the new start."""
    out = []
    for person, group in rows.groupby("employee_id", sort=True):
        before = None
        for _, r in group.sort_values("start").iterrows():
            if pd.notna(r["end"]) and r["end"] == r["start"] - DAY:
                continue
            state = (r["region"], r["team"], r["level"])
            if before is not None and state != before:
                out.append((person, r["start"], *before, *state))
            before = state
    return out


def test_a_workday_history_gives_the_moves_hires_and_exits_of_a_hand_computation(tmp_path):
    folder = write(tmp_path / "wd", {"job_history.csv": WORKDAY, "mapping.yaml": WORKDAY_MAPPING})
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    raw = pd.read_csv(folder / "job_history.csv", dtype=str).rename(columns={
        "PersonID": "employee_id", "Location": "region", "Unit": "team", "Grade": "level"})
    raw["start"] = pd.to_datetime(raw["EffectiveDate"], format="%m/%d/%Y")
    raw["end"] = pd.to_datetime(raw["EndDate"], format="%m/%d/%Y")
    raw = raw[raw["start"].notna()]  # W4's row without a start is set aside
    got = ds.moves.sort_values(["employee_id", "date"])
    expected = hand_moves(raw)
    assert [(m.employee_id, m.date, m.from_region, m.from_team, m.from_level, m.to_region, m.to_team, m.to_level)
            for m in got.itertuples()] == expected
    assert got["kind"].tolist() == ["promotion", "transfer", "transfer", "promotion"]  # G1->G2, Lateral Move, -, Merit
    people = ds.people.set_index("employee_id")
    valid = raw[~((raw["end"].notna()) & (raw["end"] == raw["start"] - DAY))]
    assert people["hire_date"].to_dict() == valid.groupby("employee_id")["start"].min().to_dict()
    last = valid.sort_values("start").groupby("employee_id").tail(1).set_index("employee_id")
    closed = last["end"].notna() & (last["end"] < pd.Timestamp("2025-06-30"))
    assert people["exit_date"].dropna().to_dict() == (last.loc[closed, "end"] + DAY).to_dict()
    assert people.loc["W1", "team"] == "Ads" and people.loc["W3", "level"] == "G4"
    said = " ".join(ds.assumptions)
    assert "1 assignment rows end the day before they start: superseded, dropped" in said  # W2
    assert "1 assignments overlap the next one" in said  # W3's first ends after the second starts
    assert "1 gaps between assignments (61 person-days)" in said  # W3 April-May 2021
    assert "dates read as month-day-year (detected)" in said
    assert ds.set_aside is not None and ds.set_aside.counts() == {"history": {"without start": 1}}
    # the person's unit on a day is exact: W3 is in Ads until the overlap's cut, then Search
    on = lambda day: unit_at(ds, "team", pd.Timestamp(day))[ds.people["employee_id"] == "W3"].item()  # noqa: E731
    assert on("2019-05-31") == "Ads" and on("2019-06-01") == "Search"
    assert unit_at(ds, "level", pd.Timestamp("2020-06-30"))[ds.people["employee_id"] == "W1"].item() == "G1"
    assert unit_at(ds, "level", pd.Timestamp("2020-07-01"))[ds.people["employee_id"] == "W1"].item() == "G2"
    # the first and last day of every month from the first hire: the stock-flow identity, by team and by level
    edges = sorted(set(pd.date_range("2018-04-30", "2025-06-30", freq="ME")) | set(
        pd.date_range("2018-05-01", "2025-06-30", freq="MS")))
    assert_stock_flow(ds, edges, "team")
    assert_stock_flow(ds, edges, "level")


def test_exit_rows_end_a_spell_with_its_type_and_a_return_is_a_rehire(tmp_path):
    history = ("PersonID,EffectiveDate,EndDate,ActionReason,Unit\n"
               "W5,1/4/2019,,Hire,Ads\nW5,6/1/2021,,Resignation,Ads\nW5,1/9/2023,,Rehire,Search\n"
               "W6,2/1/2019,,Hire,Ads\nW6,3/1/2022,,Dismissal,Ads\n")
    mapping = ("form: history\nfiles: {history: h.csv}\nhistory: {start: EffectiveDate, end: EndDate, reason: ActionReason,"
               " kinds: {Resignation: voluntary, Dismissal: involuntary}}\ncolumns: {PersonID: employee_id, Unit: team}\n"
               "dates: {format: mdy}\n")
    folder = write(tmp_path / "ex", {"h.csv": history, "mapping.yaml": mapping})
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    people = ds.people.set_index("employee_id")
    assert people[["hire_date", "exit_date", "exit_type", "team"]].to_dict("index") == {
        "W5": {"hire_date": pd.Timestamp("2019-01-04"), "exit_date": pd.Timestamp("2021-06-01"),
               "exit_type": "voluntary", "team": "Ads"},
        "W5 (spell 2)": {"hire_date": pd.Timestamp("2023-01-09"), "exit_date": pd.NaT, "exit_type": None,
                         "team": "Search"},
        "W6": {"hire_date": pd.Timestamp("2019-02-01"), "exit_date": pd.Timestamp("2022-03-01"),
               "exit_type": "involuntary", "team": "Ads"}}
    assert ds.moves is None or ds.moves.empty  # a rehire into another team is a hire, not a move
    assert "2 exit rows" in " ".join(ds.assumptions)


# --------------------------------------------------------------------------- SAP and BambooHR

SAP = """PERNR;BEGDA;ENDDA;ORGEH;PERSG
1001;01.02.2015;31.03.2019;Finance;E3
1001;01.04.2019;31.12.9999;Treasury;E3
1002;15.06.2016;30.11.2020;Finance;E2
1002;01.12.2020;31.12.9999;Finance;E3
"""
SAP_PEOPLE = """PERNR;Eintritt;Austritt;Geschlecht
1001;01.02.2015;;w
1002;15.06.2016;31.03.2024;m
"""


def test_an_sap_history_reads_day_month_year_and_open_ends(tmp_path):
    mapping = ("form: history\nfiles: {people: pa0000.csv, history: pa0001.csv}\n"
               "history: {start: BEGDA, end: ENDDA}\n"
               "columns: {PERNR: employee_id, ORGEH: team, PERSG: level, Eintritt: hire_date, Austritt: exit_date}\n")
    folder = write(tmp_path / "sap", {"pa0001.csv": SAP, "pa0000.csv": SAP_PEOPLE, "mapping.yaml": mapping})
    message = refused(folder, mapping=folder / "mapping.yaml")
    assert "pa0001.csv:3" in message and "31.12.9999" in message and "open_end: ['31.12.9999']" in message
    (folder / "mapping.yaml").write_text(mapping + "dates: {open_end: ['31.12.9999']}\n", encoding="utf-8")
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    people = ds.people.set_index("employee_id")
    assert people["hire_date"].to_dict() == {"1001": pd.Timestamp("2015-02-01"), "1002": pd.Timestamp("2016-06-15")}
    assert people["exit_date"].dropna().to_dict() == {"1002": pd.Timestamp("2024-03-31")}  # from the people table
    assert people["team"].to_dict() == {"1001": "Treasury", "1002": "Finance"}  # the history's last state
    moves = ds.moves.sort_values("employee_id")
    assert moves[["employee_id", "date", "from_team", "to_team", "from_level", "to_level"]].values.tolist() == [
        ["1001", pd.Timestamp("2019-04-01"), "Finance", "Treasury", "E3", "E3"],
        ["1002", pd.Timestamp("2020-12-01"), "Finance", "Finance", "E2", "E3"]]
    assert moves["kind"].tolist() == ["transfer", "promotion"]  # E2 -> E3 rises in the natural order
    assert_stock_flow(ds, pd.date_range("2015-01-31", "2024-12-31", freq="ME"), "team")
    assert "2 open ends read as no end" in " ".join(ds.assumptions)


BAMBOO = """Employee #,Date,Department,Division,Job Title
7,2021-03-01T00:00:00Z,Sales,East,Rep
7,2022-09-15T00:00:00Z,Sales,West,Rep
8,2020-01-06T00:00:00+01:00,Support,East,Agent
"""


def test_a_bamboohr_history_reads_iso_datetimes_without_an_end(tmp_path):
    mapping = ("form: history\nfiles: {history: job_info.csv}\nhistory: {start: Date, end: null}\n"
               "columns: {'Employee #': employee_id, Department: team, Division: region}\n")
    folder = write(tmp_path / "bamboo", {"job_info.csv": BAMBOO, "mapping.yaml": mapping})
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    assert ds.moves[["employee_id", "date", "from_region", "to_region"]].values.tolist() == [
        ["7", pd.Timestamp("2022-09-15"), "East", "West"]]
    assert ds.people.set_index("employee_id")["hire_date"].to_dict() == {
        "7": pd.Timestamp("2021-03-01"), "8": pd.Timestamp("2020-01-06")}  # the date as written, not moved by its zone
    assert ds.people["exit_date"].isna().all()
    assert_stock_flow(ds, pd.date_range("2019-12-31", "2023-12-31", freq="ME"), "region")


# --------------------------------------------------------------------------- dates

def test_two_digit_years_need_the_rule_and_reach_before_1970(tmp_path):
    people = "Emp No,Hired,Left\nA1,16-Mar-49,11-Sep-00\nA2,02-Jan-68,\nA3,30-Jun-99,01-Feb-24\nA4,5-Oct-05,\n"
    folder = write(tmp_path / "old", {"people.csv": people})
    columns = {"Emp No": "employee_id", "Hired": "hire_date", "Left": "exit_date"}
    message = refused(folder, columns=columns)
    assert "people.csv:2" in message and "two-digit years" in message and "two_digit_years: past" in message
    mapping = write(tmp_path / "m", {"mapping.yaml": "columns: {Emp No: employee_id, Hired: hire_date, Left: exit_date}"
                                     "\ndates: {two_digit_years: past}\nas_of: 2025-12-31\n"}) / "mapping.yaml"
    ds = tk.load(folder, mapping=mapping)
    hired = ds.people.set_index("employee_id")["hire_date"]
    assert hired.to_dict() == {"A1": pd.Timestamp("1949-03-16"), "A2": pd.Timestamp("1968-01-02"),
                               "A3": pd.Timestamp("1999-06-30"), "A4": pd.Timestamp("2005-10-05")}
    assert ds.people.set_index("employee_id")["exit_date"]["A1"] == pd.Timestamp("2000-09-11")
    said = " ".join(ds.assumptions)
    assert "day-month name-year (11-Sep-00) (detected)" in said and "placed a century back" in said


@pytest.mark.parametrize("written, expected", [
    (["9/26/2005", "12/31/2004"], ["2005-09-26", "2004-12-31"]),  # US
    (["26.09.2005", "31.12.2004"], ["2005-09-26", "2004-12-31"]),  # European
    (["38621", "38352"], ["2005-09-26", "2004-12-31"]),  # spreadsheet serials
    (["2005-09-26T00:00:00Z", "2004-12-31 08:00:00"], ["2005-09-26", "2004-12-31"]),  # databases
    (["Sep 26, 2005", "Dec 31, 2004"], ["2005-09-26", "2004-12-31"]),
])
def test_a_date_column_is_read_in_the_one_order_its_values_allow(tmp_path, written, expected):
    people = "employee_id,hire_date\n" + "".join(f'E{i},"{d}"\n' for i, d in enumerate(written))
    ds = tk.load(write(tmp_path / "d", {"people.csv": people}))
    assert ds.people["hire_date"].dt.strftime("%Y-%m-%d").tolist() == expected


def test_an_ambiguous_date_column_names_both_readings_and_the_line(tmp_path):
    folder = write(tmp_path / "amb", {"people.csv": "employee_id,hire_date\nE1,03/04/2005\nE2,01/02/2004\n"})
    message = refused(folder)
    assert "day-month-year or month-day-year" in message and "dates: {format: dmy}" in message
    mapping = write(tmp_path / "m", {"mapping.yaml": "dates: {format: {hire_date: dmy}}\n"}) / "mapping.yaml"
    assert tk.load(folder, mapping=mapping).people["hire_date"].tolist() == [pd.Timestamp("2005-04-03"),
                                                                          pd.Timestamp("2004-02-01")]


def test_a_mistyped_mapping_key_names_the_closest(tmp_path):
    folder = write(tmp_path / "t", {"people.csv": "employee_id,hire_date\nE1,2020-01-01\n",
                                    "mapping.yaml": "dates: {formt: dmy}\nbad_row: set_aside\n"})
    message = refused(folder, mapping=folder / "mapping.yaml")
    assert "'bad_row' is not a key of a mapping file; did you mean 'bad_rows'?" in message


# --------------------------------------------------------------------------- periodic snapshots

def headcount_file() -> pd.DataFrame:
    """Twelve month ends, 14 people: H1 leaves after March, H2 is away April-May and comes
    back (a rehire), H3 moves from Ads to Search in July, H4 joins in June."""
    days = pd.date_range("2024-01-31", periods=12, freq="ME")
    rows = []
    for k, day in enumerate(days):
        for i in range(10):
            rows.append((day, f"P{i}", "Ads" if i < 5 else "Search", "L1"))
        if k <= 2:
            rows.append((day, "H1", "Ads", "L1"))
        if k not in (3, 4):
            rows.append((day, "H2", "Search", "L2"))
        rows.append((day, "H3", "Ads" if k < 6 else "Search", "L1" if k < 9 else "L2"))
        if k >= 5:
            rows.append((day, "H4", "Ads", "L1"))
    return pd.DataFrame(rows, columns=["Month", "Person", "Dept", "Grade"])


def test_stacked_snapshots_give_hires_exits_moves_and_rehires_with_the_stock_flow_identity(tmp_path):
    raw = headcount_file()
    text = raw.assign(Month=raw["Month"].dt.strftime("%d/%m/%Y")).to_csv(index=False)
    mapping = ("form: snapshots\nfiles: {snapshots: headcount.csv}\nsnapshots: {date: Month}\n"
               "columns: {Person: employee_id, Dept: team, Grade: level}\ndates: {format: dmy}\n")
    folder = write(tmp_path / "snap", {"headcount.csv": text, "mapping.yaml": mapping})
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    days = sorted(raw["Month"].unique())
    people = ds.people.set_index("employee_id")
    assert people.loc["H1", "exit_date"] == days[2] + DAY  # the day after the last snapshot seen
    assert people.loc["H2", "exit_date"] == days[2] + DAY and people.loc["H2 (spell 2)", "hire_date"] == days[4] + DAY
    assert people.loc["H4", "hire_date"] == days[4] + DAY
    assert ds.moves[["employee_id", "date", "from_team", "to_team", "kind"]].values.tolist() == [
        ["H3", days[5] + DAY, "Ads", "Search", "transfer"], ["H3", days[8] + DAY, "Search", "Search", "promotion"]]
    assert "1 people come back after missing a snapshot" in " ".join(ds.assumptions)
    p = ds.people
    for day in days:  # the headcount on each snapshot day is the snapshot's, exactly
        for team in ("Ads", "Search"):
            hand = ((raw["Month"] == day) & (raw["Dept"] == team)).sum()
            assert (employed_on(p, day) & (unit_at(ds, "team", pd.Timestamp(day)) == team)).sum() == hand
    assert_stock_flow(ds, days, "team")
    assert_stock_flow(ds, days, "level")


def test_one_file_per_period_reads_as_the_stacked_file(tmp_path):
    raw = headcount_file()
    files, days = {}, {}
    for day, rows in raw.groupby("Month"):
        name = f"hc_{day:%Y_%m}.csv"
        files[name] = rows.drop(columns="Month").to_csv(index=False)
        days[name] = f"{day:%Y-%m-%d}"
    mapping = ("form: snapshots\nsnapshots:\n  files:\n" + "".join(f"    {n}: {d}\n" for n, d in days.items())
               + "columns: {Person: employee_id, Dept: team, Grade: level}\n")
    folder = write(tmp_path / "monthly", {**files, "mapping.yaml": mapping})
    stacked = write(tmp_path / "stacked", {"headcount.csv": raw.assign(Month=raw["Month"].dt.strftime("%Y-%m-%d"))
                                           .to_csv(index=False), "mapping.yaml": "form: snapshots\nfiles: {snapshots: "
                                           "headcount.csv}\nsnapshots: {date: Month}\ncolumns: {Person: employee_id, "
                                           "Dept: team, Grade: level}\n"})
    one, other = tk.load(folder, mapping=folder / "mapping.yaml"), tk.load(stacked, mapping=stacked / "mapping.yaml")
    key = ["employee_id", "hire_date", "exit_date", "team", "level"]
    assert one.people[key].sort_values("employee_id").values.tolist() == \
        other.people[key].sort_values("employee_id").values.tolist()
    assert one.moves.values.tolist() == other.moves.values.tolist()


# --------------------------------------------------------------------------- bad rows

def people_with_bad_rows(n: int, bad: int) -> str:
    lines = ["employee_id,hire_date,exit_date,region"]
    for i in range(n):
        hire, leave = f"2020-01-{1 + i % 28:02d}", ""
        if i < bad // 2:
            hire = ""  # no hire date
        elif i < bad:
            leave = "2019-06-30"  # an exit before the hire
        lines.append(f"{'SECRET' if i < bad else 'E'}{i:04d},{hire},{leave},{'US' if i % 2 else 'EU'}")
    return "\n".join(lines) + "\n"


def test_one_percent_bad_rows_are_set_aside_and_counted_two_percent_refuse(tmp_path):
    mapping = "bad_rows: set_aside\n"
    folder = write(tmp_path / "one", {"people.csv": people_with_bad_rows(400, 4), "mapping.yaml": mapping,
                                      "moves.csv": "employee_id,date,from_region,to_region\nSECRET0003,2021-01-01,EU,US\n"
                                      "E0010,2021-02-01,EU,US\n"})
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    assert len(ds.people) == 396 and not ds.people["employee_id"].str.startswith("SECRET").any()
    assert ds.moves["employee_id"].tolist() == ["E0010"]  # the set-aside person's move left too
    assert ds.assumptions[0] == ("Rows set aside (bad_rows: set_aside): 4 people rows set aside: 2 with an exit "
                                 "before the hire, 2 without hire_date.")
    out = tmp_path / "aside.csv"
    assert main(["data", "check", str(folder), "--mapping", str(folder / "mapping.yaml"),
                 "--set-aside-to", str(out)]) == 0
    rows = pd.read_csv(out)
    assert rows[["file", "line"]].values.tolist() == [["people.csv", 2], ["people.csv", 3], ["people.csv", 4],
                                                      ["people.csv", 5], ["moves.csv", 2]]
    folder2 = write(tmp_path / "two", {"people.csv": people_with_bad_rows(400, 8), "mapping.yaml": mapping})
    assert "8 of 400 rows (2.0%) cannot be read, more than max_set_aside (1%" in refused(
        folder2, mapping=folder2 / "mapping.yaml")
    assert "required value is empty" in refused(folder2)  # bad_rows: refuse, today's behaviour, by default
    # every report's header counts the rows set aside, and no value of theirs reaches a run's output:
    # test_exports.py's run of every notebook on an export with three such rows


def test_a_person_set_aside_leaves_every_table_under_the_exports_own_id_name(tmp_path):
    people = people_with_bad_rows(200, 2).replace("employee_id", "Emp")
    files = {"people.csv": people, "mapping.yaml": "bad_rows: set_aside\ncolumns: {Emp: employee_id}\n",
             "moves.csv": "Emp,date,from_region,to_region\nSECRET0000,2021-01-01,EU,US\nE0010,2021-02-01,EU,US\n",
             "sessions.csv": "session_id,date,presenter_id,recorded\nS1,2021-03-01,SECRET0001,true\n"
                             "S2,2021-03-02,E0011,false\n",
             "attendance.csv": "session_id,Emp\nS1,E0012\nS2,E0012\nS2,SECRET0000\n"}
    folder = write(tmp_path / "ids", files)
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    assert ds.moves["employee_id"].tolist() == ["E0010"]
    assert ds.sessions["session_id"].tolist() == ["S2"]  # its presenter was set aside
    assert ds.attendance.values.tolist() == [["S2", "E0012"]]
    counts = ds.set_aside.counts()
    assert dict(counts["people"]) == {"without hire_date": 1, "with an exit before the hire": 1}
    assert sum(counts["attendance"].values()) == 2 and sum(counts["moves"].values()) == 1  # none as "not in people"


# --------------------------------------------------------------------------- the built-in company in other forms

def recorded(job: str) -> dict:
    return json.loads((ROOT / "tests" / "recorded" / "smoke.json").read_text(encoding="utf-8"))[job]


@pytest.mark.parametrize("form", ["history", "snapshots"])
def test_the_built_in_company_as_a_history_or_snapshots_gives_the_recorded_01_and_04_numbers(tmp_path, form):
    out = tmp_path / form
    assert main(["data", "make", "--size", "small", "--out", str(out), "--form", form]) == 0
    ds = tk.load(out, mapping=out / "mapping.yaml")
    assert ds.form == form
    end = ds.as_of
    start = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    r = recorded("01_metrics")
    overall = metrics.workforce(ds, start, end, None, min_group=10).iloc[0]
    assert overall["turnover_annual"] == pytest.approx(r["turnover_annual"], rel=1e-12)
    assert overall["period_retention"] == pytest.approx(r["period_retention"], rel=1e-12)
    assert overall["avg_headcount"] == pytest.approx(r["avg_headcount"], rel=1e-12)
    table = pd.DataFrame(r["kpi_by_group"]["rows"], columns=r["kpi_by_group"]["columns"])
    by_team = metrics.workforce(ds, start, end, "team", min_group=10)
    assert by_team["team"].tolist() == table["team"].tolist()
    for column in ("n", "turnover_annual", "period_retention", "mobility_annual", "international_share", "suppressed"):
        assert by_team[column].tolist() == pytest.approx(table[column].tolist(), nan_ok=True), column
    backtest = flows.backtest(ds, 2025, 3)  # 04's, on regions
    stored = pd.DataFrame(recorded("04_scenarios")["backtest"]["rows"],
                          columns=recorded("04_scenarios")["backtest"]["columns"])
    assert backtest["region"].tolist() == stored["region"].tolist()
    assert backtest["projected"].tolist() == pytest.approx(stored["projected"].tolist(), rel=1e-12)
    assert backtest["actual"].tolist() == stored["actual"].tolist()
    if form == "snapshots":  # exit types are not in a headcount file: said, not invented
        assert overall["voluntary"] != overall["voluntary"]


def test_a_history_written_from_events_holds_every_assignment():
    ds = tk.load("synthetic:small")
    h = rewrite.as_history(ds)["history"]
    assert len(h) == len(ds.people) + len(ds.moves)
    per_person = h.groupby("employee_id")
    assert (per_person["start"].min() == ds.people.set_index("employee_id")["hire_date"]).all()
    assert ((h["start"].shift(-1) - DAY == h["end"]) | (h["employee_id"] != h["employee_id"].shift(-1))).all()


# --------------------------------------------------------------------------- the probe's histories

def test_a_temporary_assignment_inside_an_open_one_returns_and_same_day_rows_make_no_move(tmp_path):
    history = """PersonID,EffectiveDate,EndDate,Unit
T1,1/1/2019,,Search
T1,3/1/2021,5/31/2021,Ads
T2,1/1/2019,,Search
T2,1/1/2019,,Ads
T3,1/1/2019,12/31/2023,Search
"""
    mapping = """form: history
files: {history: h.csv}
history: {start: EffectiveDate, end: EndDate}
columns: {PersonID: employee_id, Unit: team}
dates: {format: mdy}
as_of: 2025-06-30
"""
    unsaid = refused(write(tmp_path / "u", {"h.csv": history, "mapping.yaml": mapping.replace("dates: {format: mdy}\n", "")}),
                     mapping=tmp_path / "u" / "mapping.yaml")
    assert "two ways" in unsaid and "required value is empty" not in unsaid  # the column's one problem, said once
    ds = tk.load(write(tmp_path / "h", {"h.csv": history, "mapping.yaml": mapping}), mapping=tmp_path / "h" / "mapping.yaml")
    people = ds.people.set_index("employee_id")
    assert pd.isna(people.loc["T1", "exit_date"]) and people.loc["T1", "team"] == "Search"  # back after the secondment
    assert people.loc["T3", "exit_date"] == pd.Timestamp("2024-01-01")  # a closed assignment still ends a spell
    moves = ds.moves.sort_values(["employee_id", "date"])
    t1 = moves[moves["employee_id"] == "T1"]
    assert t1["date"].tolist() == [pd.Timestamp("2021-03-01"), pd.Timestamp("2021-06-01")]
    assert t1["to_team"].tolist() == ["Ads", "Search"]
    assert "T2" not in set(moves["employee_id"]) and people.loc["T2", "team"] == "Ads"  # no transfer on the hire day
    said = " ".join(ds.assumptions)
    assert "temporary assignments lie inside a longer one" in said and "start on the same day" in said


def test_period_files_outside_missing_or_ragged_and_a_snapshot_two_centuries_ahead_are_refused(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"Person": ["A", "B", "C"], "Dept": ["x", "y", "x"]}).to_csv(folder / "jan.csv", index=False)
    pd.DataFrame({"Person": ["A", "B"], "Dept": ["x", "y"]}).to_csv(tmp_path / "outside.csv", index=False)
    (folder / "ragged.csv").write_text("Person,Dept\nA,x,extra\nB,y\n", encoding="utf-8")
    base = "form: snapshots\ncolumns: {Person: employee_id, Dept: team}\nsnapshots: {files: {jan.csv: 2024-01-31, "
    for second, expected in (("../outside.csv", "outside the dataset folder"), ("missing.csv", "is not there"),
                             ("ragged.csv", "more fields than the header")):
        (folder / "m.yaml").write_text(base + f"{second}: 2024-02-29}}}}\n", encoding="utf-8")
        assert expected in refused(folder, mapping=folder / "m.yaml"), second
    stacked = pd.DataFrame({"Person": ["A", "B", "A"], "Dept": ["x", "y", "x"],
                            "Month": ["2024-01-31", "2024-01-31", "2224-02-29"]})
    write(tmp_path / "s", {"s.csv": stacked.to_csv(index=False),
                           "m.yaml": "form: snapshots\nfiles: {snapshots: s.csv}\nsnapshots: {date: Month}\n"
                                     "columns: {Person: employee_id, Dept: team}\n"})
    assert "more than a year after today" in refused(tmp_path / "s", mapping=tmp_path / "s" / "m.yaml")
