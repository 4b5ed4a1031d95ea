"""talentkit.data.numbers: numbers as people write them."""

import numpy as np
import pandas as pd
import pytest

from talentkit.data.numbers import ambiguity, decimal_for, read_numbers


def test_thousands_commas_and_decimal_points_read_as_written():
    got = read_numbers(pd.Series(["1,234", "12.5", " 7 ", "", "n/a"]))
    assert got.decimal == "." and got.ambiguous is None
    np.testing.assert_array_equal(got.values.to_numpy(), [1234.0, 12.5, 7.0, np.nan, np.nan])


def test_a_column_of_decimal_commas_reads_as_decimals():
    got = read_numbers(pd.Series(["2,5", "1.234,75", "3"]))
    assert got.decimal == ","
    np.testing.assert_array_equal(got.values.to_numpy(), [2.5, 1234.75, 3.0])


def test_a_column_that_reads_two_ways_is_said_with_its_row_and_the_mapping_line():
    values = pd.Series(["2,5", "1,234"], index=[2, 3])
    got = read_numbers(values)
    assert got.ambiguous == ("2,5", "1,234") and got.ambiguous_row == 2
    said = ambiguity("Pay", got)
    assert said["row"] == 2 and said["column"] == "Pay" and 'decimal: {Pay: ","}' in said["fix"]
    # the mapping settles it either way
    assert read_numbers(values, ",").values.tolist()[0] == 2.5
    assert read_numbers(values, ".").values.tolist() == pytest.approx([np.nan, 1234.0], nan_ok=True)


def test_a_mapping_gives_one_mark_or_one_per_column():
    assert decimal_for(",", "Pay") == "," and decimal_for({"Pay": ","}, "Pay") == ","
    assert decimal_for({"Pay": ","}, "Bonus") is None and decimal_for(None, "Pay") is None
