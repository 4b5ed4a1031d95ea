"""talentkit.data.mapping: one type for a mapping, flat lines or a whole file."""

import datetime

import pytest

from talentkit.core.dates import DateRules
from talentkit.core.errors import DataError
from talentkit.data import mapping as mapping_module
from talentkit.data.mapping import HistoryKey, InteractionsKey, Mapping, SnapshotsKey, check_mapping


def test_flat_lines_and_a_whole_file_read_into_the_same_type():
    flat = check_mapping({"Start Date": "hire_date"})
    whole = check_mapping({"columns": {"Start Date": "hire_date"}, "as_of": datetime.date(2025, 6, 30),
                           "dates": {"format": "dmy"}, "interactions": None})
    assert type(flat) is type(whole) is Mapping
    assert flat.columns == whole.columns == {"Start Date": "hire_date"}
    assert whole.as_of == "2025-06-30" and whole.interactions == InteractionsKey()
    assert whole.date_rules == DateRules("dmy", whole.dates.two_digit_years, tuple(whole.dates.open_end))
    assert not any(isinstance(v, type) and v.__name__ == "MappingFile" for v in vars(mapping_module).values())


def test_a_forms_own_key_says_the_form():
    assert check_mapping({"history": {"start": "Effective"}}).form == "history"
    snapshots = check_mapping({"form": "snapshots"})
    assert snapshots.snapshots == SnapshotsKey() and check_mapping({"form": "history"}).history == HistoryKey()


def test_a_mistyped_key_names_the_closest_and_every_mistake_is_listed():
    with pytest.raises(DataError) as err:
        check_mapping({"columns": {"A": "hire_date"}, "bad_row": "set_aside", "max_set_aside": 2}, where="m.yaml")
    text = str(err.value)
    assert "did you mean 'bad_rows'?" in text and "max_set_aside" in text and "m.yaml" in text
