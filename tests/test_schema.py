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


def test_many_rows_of_a_few_values_are_read_as_each_row_alone_would_be():
    """Text is stripped and blanks found once per distinct value: the same as row by row, for
    object and string columns, with NA, missing tokens and spaces among the values."""
    import numpy as np

    written = [" US ", "us", "EU", "n/a", " NA", "", "-", None, "Asia\u00a0", "none", " x - y ", np.nan]
    order = np.random.default_rng(3).integers(0, len(written), 3000)
    values = [written[i] for i in order]
    by_hand_region = [None if v is None or v is np.nan or v.strip().lower() in schema.MISSING_TOKENS else v.strip()
                      for v in values]
    by_hand_origin = [None if r is None else r.lower().replace(" - ", "_") for r in by_hand_region]
    for dtype in (object, "string"):
        frame = pd.DataFrame({"employee_id": [f"E{i}" for i in range(3000)], "hire_date": "2020-01-15",
                              "region": values, "origin": values}, dtype=dtype)
        typed, problems = schema.validate_table(frame, schema.PEOPLE, "people.csv")
        assert typed["region"].tolist() == by_hand_region
        assert typed["origin"].where(typed["origin"].notna(), None).tolist() == by_hand_origin
        assert {p.value for p in problems} == {"us", "eu", "asia", "x_y"}  # origins neither local nor international
        assert {p.column for p in problems} == {"origin"}


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
