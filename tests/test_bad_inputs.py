"""A corpus of broken datasets: each must raise one DataError that names file, column and row."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from conftest import TINY, write_tiny

import talentkit as tk

P = TINY["people.csv"]
PRIVATE_VALUES = {"'E99'", "'X3'", "'E44'"}


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"fixture text lacks {old!r}"
    return text.replace(old, new, 1)


# (case id, files to replace (None drops a file), substrings the message must hold)
CASES = [
    ("missing_people", {"people.csv": None}, ["people.csv", "required table 'people' not found"]),
    ("missing_column", {"people.csv": edit(P, "hire_date", "start")}, ["people.csv:1", "column 'hire_date'", "missing"]),
    ("close_column_name", {"people.csv": edit(P, "hire_date", "hire date")}, ["people.csv:1", "'hire date' looks close", "hire_date"]),
    ("bad_date", {"people.csv": edit(P, "2020-03-01", "2020-31-12")}, ["people.csv:3", "column 'hire_date'", "'2020-31-12'", "YYYY-MM-DD"]),
    ("word_date", {"people.csv": edit(P, "2021-02-01", "last spring")}, ["people.csv:4", "column 'hire_date'", "not a date"]),
    ("exit_before_hire", {"people.csv": edit(P, "2021-06-30", "2019-06-30")}, ["people.csv:3", "column 'exit_date'", "before hire_date"]),
    ("duplicate_id", {"people.csv": edit(P, "E6,", "E5,")}, ["people.csv:7", "column 'employee_id'", "duplicate"]),
    ("empty_id", {"people.csv": edit(P, "E6,", ",")}, ["people.csv:7", "column 'employee_id'", "empty"]),
    ("bad_origin", {"people.csv": edit(P, "international,campus", "expat,campus")}, ["people.csv:3", "column 'origin'", "'expat'", "local, international"]),
    ("bad_exit_type", {"people.csv": edit(P, "voluntary,true", "quit,true")}, ["people.csv:3", "column 'exit_type'", "'quit'", "voluntary"]),
    ("bad_bool", {"people.csv": edit(P, "voluntary,true", "voluntary,maybe")}, ["people.csv:3", "column 'regretted'", "'maybe'", "true or false"]),
    ("missing_hire_date_value", {"people.csv": edit(P, "E3,2021-02-01,", "E3,,")}, ["people.csv:4", "column 'hire_date'", "empty"]),
    ("ragged_row", {"people.csv": P + "E7,2022-01-01,,,,US,US Language,L1,NLP,local,referral,extra,fields\n"}, ["people.csv", "number of fields", "quote"]),
    ("header_only", {"people.csv": P.splitlines()[0] + "\n"}, ["people.csv", "no rows"]),
    ("empty_file", {"people.csv": ""}, ["people.csv", "empty"]),
    ("duplicate_header", {"people.csv": edit(P, "team,level", "team,team")}, ["people.csv:1", "column 'team'", "twice"]),
    ("move_unknown_id", {"moves.csv": edit(TINY["moves.csv"], "E3,", "E99,")}, ["moves.csv:3", "column 'employee_id'", "'E99'", "not found in people"]),
    ("move_bad_kind", {"moves.csv": edit(TINY["moves.csv"], "promotion", "secondment")}, ["moves.csv:2", "column 'kind'", "'secondment'", "rotation"]),
    ("move_bad_date", {"moves.csv": edit(TINY["moves.csv"], "2022-03-01", "03/2022")}, ["moves.csv:3", "column 'date'", "not a date"]),
    ("attendance_unknown_session", {"attendance.csv": edit(TINY["attendance.csv"], "S2,E5", "S9,E5")}, ["attendance.csv:4", "column 'session_id'", "'S9'", "not found in sessions"]),
    ("attendance_unknown_person", {"attendance.csv": edit(TINY["attendance.csv"], "S1,E3", "S1,X3")}, ["attendance.csv:3", "column 'employee_id'", "'X3'"]),
    ("presenter_unknown", {"sessions.csv": edit(TINY["sessions.csv"], ",E4,", ",E44,")}, ["sessions.csv:3", "column 'presenter_id'", "'E44'"]),
    ("recorded_not_bool", {"sessions.csv": edit(TINY["sessions.csv"], "NLP,true", "NLP,uploaded")}, ["sessions.csv:2", "column 'recorded'", "'uploaded'"]),
    ("duplicate_session", {"sessions.csv": edit(TINY["sessions.csv"], "S2,", "S1,")}, ["sessions.csv:3", "column 'session_id'", "duplicate"]),
    ("candidate_bad_stage", {"candidates.csv": edit(TINY["candidates.csv"], "screen", "phone")}, ["candidates.csv:4", "column 'reached'", "'phone'", "interview"]),
    ("candidate_missing_channel_col", {"candidates.csv": edit(TINY["candidates.csv"], "channel,", "source,")}, ["candidates.csv:1", "column 'channel'", "missing"]),
    ("texts_missing_label", {"texts.csv": edit(TINY["texts.csv"], "label", "outcome")}, ["texts.csv:1", "column 'label'", "missing"]),
    ("texts_bad_task", {"texts.csv": edit(TINY["texts.csv"], "left,retention", "left,hiring")}, ["texts.csv:3", "column 'task'", "'hiring'"]),
    ("several_problems_at_once", {"people.csv": edit(edit(P, "2020-03-01", "soon"), "international,campus", "expat,campus")},
     ["2 problems", "people.csv:3: column 'hire_date'", "people.csv:3: column 'origin'"]),
]


@pytest.mark.parametrize("case,files,expected", CASES, ids=[c[0] for c in CASES])
def test_broken_dataset_raises_one_clear_error(tmp_path, case, files, expected):
    folder = write_tiny(tmp_path / case, **files)
    with pytest.raises(tk.DataError) as info:
        tk.load(folder)
    message, console = str(info.value), info.value.console_message()
    for part in expected:
        if part in PRIVATE_VALUES:  # an employee id: shown at the console only, never in what reaches a report
            assert part in console and part not in message, f"{part!r}:\n{message}"
        else:
            assert part in message, f"{part!r} not in:\n{message}"
    assert "Traceback" not in message and "SchemaError" not in message
    assert info.value.problems, "the error carries its problems"


def test_not_utf8_names_line_and_fix(tmp_path):
    folder = write_tiny(tmp_path / "latin", **{"people.csv": None})
    (folder / "people.csv").write_bytes(edit(P, "US Language,L2", "Zürich Lab,L2").encode("cp1252"))
    with pytest.raises(tk.DataError, match=r"people.csv: not UTF-8: byte 0xFC on line 2.*encoding"):
        tk.load(folder)
    ds = tk.load(folder, encoding="cp1252")  # the fix the message names works
    assert "Zürich Lab" in set(ds.people["team"])


def test_excel_file_named_csv(tmp_path):
    folder = write_tiny(tmp_path / "xl", **{"people.csv": None})
    (folder / "people.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(tk.DataError, match="people.csv: this is a spreadsheet"):
        tk.load(folder)


def test_xlsx_instead_of_csv(tmp_path):
    folder = write_tiny(tmp_path / "xlsx", **{"people.csv": None})
    (folder / "people.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(tk.DataError, match=r"people.xlsx: '.xlsx' is not a CSV or Parquet file"):
        tk.load(folder)


def test_corrupt_parquet(tmp_path):
    folder = write_tiny(tmp_path / "pq", **{"people.csv": None})
    (folder / "people.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(tk.DataError, match="people.parquet: not a readable Parquet file"):
        tk.load(folder)


def test_corrupt_gzip(tmp_path):
    folder = write_tiny(tmp_path / "gz", **{"people.csv": None})
    (folder / "people.csv.gz").write_bytes(b"plain text, not gzip")
    with pytest.raises(tk.DataError, match="people.csv.gz: not a readable gzip file"):
        tk.load(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(tk.DataError, match="no such folder"):
        tk.load(tmp_path / "nowhere")
    (tmp_path / "people.csv").write_text(P)
    assert len(tk.load(tmp_path / "people.csv").people) == 6  # one file: the people table
    (tmp_path / "people.xlsx").write_bytes(b"PK\x03\x04 not a csv")
    with pytest.raises(tk.DataError, match="not a CSV or Parquet file"):
        tk.load(tmp_path / "people.xlsx")


def test_unknown_builtin_option():
    with pytest.raises(tk.DataError, match="unknown built-in dataset option 'huge'"):
        tk.load("synthetic:huge")


def test_parquet_with_bad_category_names_row(tmp_path):
    folder = write_tiny(tmp_path / "pqbad", **{"people.csv": None})
    df = pd.read_csv(pd.io.common.StringIO(edit(P, "international,campus", "alien,campus")), dtype=str)
    df.to_parquet(folder / "people.parquet")
    with pytest.raises(tk.DataError, match=r"people.parquet:2: column 'origin' value 'alien'"):
        tk.load(folder)


def test_many_problems_are_listed_then_counted(tmp_path):
    rows = "".join(f"X{i},someday,,,,US,T,L1,NLP,local,referral\n" for i in range(100))
    folder = write_tiny(tmp_path / "many", **{"people.csv": P.splitlines()[0] + "\n" + rows})
    with pytest.raises(tk.DataError) as info:
        tk.load(folder)
    assert len(info.value.problems) == 100
    assert "and 40 more" in str(info.value)


def test_gzip_csv_is_read(tmp_path):
    folder = write_tiny(tmp_path / "gzok", **{"people.csv": None})
    (folder / "people.csv.gz").write_bytes(gzip.compress(P.encode()))
    assert len(tk.load(folder).people) == 6
