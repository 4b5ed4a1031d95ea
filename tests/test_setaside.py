"""talentkit.data.setaside: bad rows set aside, counted by kind, limited."""

import pandas as pd

from talentkit.core.errors import Problem
from talentkit.data.setaside import RULE_LIMIT, SetAside, kind_of


def rows(n: int) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": [f"E{i}" for i in range(n)]}, index=range(2, n + 2))


def test_rows_within_the_limit_are_set_aside_and_counted_by_kind():
    aside = SetAside(limit=0.05)
    bad = {3: [Problem("people.csv", "required value is empty", "fill it", 3, "hire_date")],
           5: [Problem("people.csv", "exit_date is before hire_date", "fix it", 5, "exit_date")]}
    kept, refused = aside.take("people", rows(40), bad, "people.csv", None)
    assert refused == [] and len(kept) == 38 and 3 not in kept.index and 5 not in kept.index
    assert aside.people_gone == {"E1", "E3"}
    assert kind_of(bad[3][0]) == "without hire_date" and kind_of(bad[5][0]) == "with an exit before the hire"


def test_more_than_the_limit_refuses_the_table_and_keeps_it_whole():
    aside = SetAside(limit=0.05)
    bad = {r: [Problem("people.csv", "required value is empty", "fill it", r, "hire_date")] for r in (2, 3, 4)}
    kept, refused = aside.take("people", rows(40), bad, "people.csv", None)  # 3 of 40 = 7.5 % > 5 %
    assert len(kept) == 40 and len(refused) == 1 and "3 of 40 rows (7.5%)" in refused[0].what


def test_a_forms_own_rule_is_limited_to_its_larger_share():
    aside = SetAside(limit=0.01, active=False)
    bad = {r: [Problem("history.csv", "required value is empty", "x", r, "start")] for r in range(2, 2 + 4)}
    kept, refused = aside.take("history", rows(40), bad, "history.csv", None, by_rule=True)
    assert refused == [] and len(kept) == 36  # 4 of 40 = 10 % = RULE_LIMIT
    assert RULE_LIMIT == 0.10


def test_problems_split_into_rows_of_known_tables_and_the_rest():
    aside = SetAside()
    on_row = Problem("people.csv", "duplicate id", "x", 4, "employee_id")
    whole = Problem("people.csv", "no such column", "x")
    by_row, rest = aside.split([on_row, whole], {"people": "people.csv"})
    assert by_row == {"people": {4: [on_row]}} and rest == [whole]
