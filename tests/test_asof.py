"""talentkit.data.asof: an event history as it stood on a day, by hand on five people."""

import pandas as pd

from talentkit.data.asof import as_it_stood

DAY = pd.Timestamp("2024-06-30")


def tables() -> dict[str, pd.DataFrame]:
    people = pd.DataFrame({
        "employee_id": ["A", "B", "C", "D", "E"],
        "hire_date": pd.to_datetime(["2020-01-01", "2021-03-01", "2024-06-30", "2024-07-01", "2019-05-01"]),
        "exit_date": pd.to_datetime([None, "2024-06-30", "2024-08-15", None, "2024-09-01"]),
        "exit_type": [None, "voluntary", "voluntary", None, "involuntary"],
        "region": ["US", "EU", "US", "EU", "SG"], "team": ["a", "b", "a", "b", "c"]})
    moves = pd.DataFrame({"employee_id": ["A", "A", "E"], "date": pd.to_datetime(["2023-01-01", "2024-07-15", "2024-08-01"]),
                          "from_region": ["EU", "SG", "US"], "to_region": ["SG", "US", "SG"]})
    sessions = pd.DataFrame({"session_id": ["s1", "s2"], "date": pd.to_datetime(["2024-06-30", "2024-07-01"])})
    attendance = pd.DataFrame({"session_id": ["s1", "s2", "s2"], "employee_id": ["A", "B", "E"]})
    return {"people": people, "moves": moves, "sessions": sessions, "attendance": attendance}


def test_people_exits_units_and_dated_rows_as_they_stood_at_the_end_of_the_day():
    given = tables()
    out, said = as_it_stood(given, DAY)
    p = out["people"].set_index("employee_id")
    assert list(p.index) == ["A", "B", "C", "E"]  # D hired the day after
    assert p.loc["B", "exit_date"] == DAY and p.loc["B", "exit_type"] == "voluntary"  # left on the day: known
    assert pd.isna(p.loc["C", "exit_date"]) and pd.isna(p.loc["C", "exit_type"])  # left later: not yet known
    assert pd.isna(p.loc["E", "exit_date"])
    # A moved SG -> US after the day: then in SG (the earliest later move's from_); E moved later: in US
    assert p.loc["A", "region"] == "SG" and p.loc["E", "region"] == "US" and p.loc["B", "region"] == "EU"
    assert len(out["moves"]) == 1 and out["sessions"]["session_id"].tolist() == ["s1"]
    assert out["attendance"]["employee_id"].tolist() == ["A"]  # attendance of a later session goes with it
    assert said == ["The data as it stood on 2024-06-30 (as_of): 1 people hired later left out, 2 later exits not yet "
                    "known (counted as employed), and the rows dated later left out (2 moves, 1 sessions, 2 attendance)."]
    assert len(given["people"]) == 5 and given["people"].loc[2, "exit_type"] == "voluntary"  # not changed


def test_the_day_itself_is_in_and_the_day_after_is_out():
    out, _ = as_it_stood(tables(), pd.Timestamp("2024-07-01"))
    assert "D" in set(out["people"]["employee_id"]) and out["sessions"]["session_id"].tolist() == ["s1", "s2"]
