"""talentkit.data.schema: the data contract, one table checked and typed."""

import pandas as pd

from talentkit.data import schema


def raw_people(**columns) -> pd.DataFrame:
    base = {"employee_id": ["E1", "E2", "E3"], "hire_date": ["2020-01-15", "2021-02-01", "2022-03-31"],
            "region": ["US", "EU", "US"], "team": ["a", "b", "a"], "level": ["L1", "L2", "L1"]}
    frame = pd.DataFrame({**base, **columns}, dtype="string")
    frame.index = pd.RangeIndex(2, len(frame) + 2)  # file lines: the header is line 1
    return frame


def test_a_good_table_is_typed_by_the_contract():
    typed, problems = schema.validate_table(raw_people(), schema.PEOPLE, "people.csv")
    assert problems == []
    assert typed["hire_date"].tolist() == list(pd.to_datetime(["2020-01-15", "2021-02-01", "2022-03-31"]))


def test_a_missing_required_column_names_the_close_one_and_a_bad_value_its_row():
    frame = raw_people().rename(columns={"hire_date": "hire date"})
    typed, problems = schema.validate_table(frame, schema.PEOPLE, "people.csv")
    assert typed is None and [(p.what, p.column) for p in problems] == [("required column is missing", "hire_date")]
    assert "a column 'hire date' looks close: rename it to 'hire_date'" in problems[0].fix
    typed, problems = schema.validate_table(raw_people(hire_date=["2020-01-15", "not a day", "2022-03-31"]),
                                            schema.PEOPLE, "people.csv")
    assert [(p.row, p.column) for p in problems] == [(3, "hire_date")]


def test_a_mapping_renames_the_exports_columns_to_the_contract():
    frame = raw_people().rename(columns={"hire_date": "Start Date"})
    typed, problems = schema.validate_table(frame, schema.PEOPLE, "people.csv", columns={"Start Date": "hire_date"})
    assert problems == [] and "hire_date" in typed.columns
