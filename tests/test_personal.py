"""talentkit.data.personal: which columns are personal, and how they are described without
a single value."""

import numpy as np
import pandas as pd

from talentkit.data import personal


def test_a_header_is_read_as_its_words():
    assert personal.name_words("YearsSinceExit") == ["years", "since", "exit"]
    assert personal.name_words("exit_type") == ["exit", "type"] and personal.name_words("E-mail 2") == ["e", "mail", "2"]


def test_personal_by_name_by_value_and_by_shape():
    some = pd.Series(["x"] * 3)
    assert "personal details" in personal.reason("Full Name", some)
    assert "date of birth" in personal.reason("DateOfBirth", some)
    assert personal.is_birth("DOB") and personal.is_birth("Birth Date") and not personal.is_birth("hire_date")
    assert personal.reason("Contact", pd.Series(["a@b.org", "c@d.com", "e@f.net"])) == "its values are e-mail addresses"
    ids = pd.Series([f"X{i:04d}" for i in range(personal.UNIQUE_FROM)])
    assert "are different" in personal.reason("Badge", ids)
    pay = pd.Series([str(40000 + i) for i in range(personal.UNIQUE_FROM)])
    assert personal.reason("Pay", pay) is None  # amounts are unique too, and not ids
    assert personal.reason("region", pd.Series(["US", "EU"] * 20)) is None


def test_a_personal_column_is_described_by_its_shape_only():
    names = pd.Series(["Ann Lee", "Bo Chan", "Cy Diaz", "Dee Ek", "Eve Fox", "Zoë Li"])
    said = personal.shape("Full Name", names, min_group=5)
    assert said == {"column": "Full Name", "values": 6, "unique": 1.0, "median length": 7.0, "pattern": "Aa Aa"}
    few = personal.shape("Full Name", names[:3], min_group=5)
    assert few["values"] == 3 and np.isnan(few["unique"]) and np.isnan(few["median length"]) and few["pattern"] == ""


def test_dates_of_birth_become_ten_year_bands():
    years = personal.birth_years(pd.Series(["1971-03-02", "12/06/1979", "1980", "n/a", None]))
    assert years.tolist() == [1971, 1979, 1980]
    assert personal.decade_bands(years).to_dict() == {"1970\u20131979": 2, "1980\u20131989": 1}
