"""Survey exports read through a mapping: the three forms, N/A, duplicates, spellings, waves,
and a linked survey's attributes as they stood on the survey day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import talentkit as tk
from talentkit.core.errors import DataError
from talentkit.data.responses import read_survey

SCALE = "{1: Strongly disagree, 2: Disagree, 3: Neutral, 4: Agree, 5: Strongly agree}"


def answers_frame(n: int = 30, seed: int = 1) -> pd.DataFrame:
    """n respondents in two waves, three items answered 1-5, one with N/A (0) now and then."""
    rng = np.random.default_rng(seed)
    rows = []
    for wave in ("2024", "2025"):
        for r in range(n):
            for item in ("Q1", "Q2", "Q3"):
                value = int(rng.integers(1, 6))
                rows.append({"resp": f"R{r:03d}", "wave": wave, "unit": f"U{r % 3}", "question": item,
                             "value": 0 if (item == "Q3" and r % 7 == 0) else value})
    return pd.DataFrame(rows)


def write_long(folder, frame: pd.DataFrame, extra: str = "") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "answers.csv", index=False)
    (folder / "survey.yaml").write_text(f"form: long\nfile: answers.csv\nrespondent: resp\nwave: wave\nitem: question\n"
                                        f"answer: value\nattributes: [unit]\nscale: {SCALE}\nfavourable: [4, 5]\n"
                                        f"not_applicable: [0]\n{extra}", encoding="utf-8")
    return str(folder / "survey.yaml")


def test_long_and_wide_exports_of_one_survey_read_the_same_answers(tmp_path):
    frame = answers_frame()
    long = read_survey(write_long(tmp_path / "long", frame))
    wide = frame.pivot_table(index=["resp", "wave", "unit"], columns="question", values="value").reset_index()
    wide["Comment"] = ["too many meetings" if i % 4 == 0 else "" for i in range(len(wide))]
    (tmp_path / "wide").mkdir()
    wide.to_csv(tmp_path / "wide" / "export.csv", index=False)
    (tmp_path / "wide" / "survey.yaml").write_text(
        f"form: wide\nfile: export.csv\nrespondent: resp\nwave: wave\nitems: [Q1, Q2, Q3]\ncomments: [Comment]\n"
        f"attributes: [unit]\nscale: {SCALE}\nfavourable: [4, 5]\nnot_applicable: [0]\n", encoding="utf-8")
    wide_read = read_survey(tmp_path / "wide" / "survey.yaml")
    key = ["respondent", "wave", "item"]
    a = long.answers.sort_values(key).reset_index(drop=True)
    b = wide_read.answers.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[key + ["value", "not_applicable"]].astype(str), b[key + ["value", "not_applicable"]]
                                  .astype(str))
    assert int(a["not_applicable"].sum()) == int((frame["value"] == 0).sum()) > 0
    assert a.loc[a["not_applicable"], "value"].isna().all()  # N/A is no answer, not a 0
    assert len(wide_read.comments) == (wide["Comment"] != "").sum()
    assert list(long.waves["wave"]) == ["2024", "2025"] and long.items == ["Q1", "Q2", "Q3"]
    assert set(long.respondents.columns) >= {"respondent", "wave", "unit"}


def test_duplicates_are_dropped_and_counted_and_two_answers_to_one_item_refused_with_the_row(tmp_path):
    frame = answers_frame(10)
    twice = pd.concat([frame, frame.iloc[:4]], ignore_index=True)
    survey = read_survey(write_long(tmp_path / "a", twice))
    assert any("4 duplicated answer row(s) dropped" in n for n in survey.notes)
    assert len(survey.answers) == len(frame)
    clash = pd.concat([frame, frame.iloc[[5]].assign(value=lambda d: d["value"] % 5 + 1)], ignore_index=True)
    with pytest.raises(DataError) as err:
        read_survey(write_long(tmp_path / "b", clash))
    assert "answers.csv:7" in str(err.value) and "two answers to one item" in str(err.value)


def test_an_answer_off_the_scale_names_its_row_column_and_the_fix(tmp_path):
    frame = answers_frame(10)
    frame.loc[12, "value"] = 9
    with pytest.raises(DataError) as err:
        read_survey(write_long(tmp_path, frame))
    text = str(err.value)
    assert "answers.csv:14" in text and "column 'value'" in text and "not_applicable" in text


def test_a_mapping_key_misspelt_names_the_closest_key(tmp_path):
    path = write_long(tmp_path, answers_frame(5), extra="favorable: [4, 5]\n")
    with pytest.raises(DataError) as err:
        read_survey(path)
    assert "'favorable' is not a key" in str(err.value) and "did you mean 'favourable'" in str(err.value)


def test_two_spellings_of_one_item_are_read_as_one_with_a_note(tmp_path):
    frame = answers_frame(12)
    frame.loc[frame.index[:9], "question"] = frame.loc[frame.index[:9], "question"].str.lower() + " "
    survey = read_survey(write_long(tmp_path, frame))
    assert survey.items == ["Q1", "Q2", "Q3"]
    assert any("written 2 ways" in n and "'Q1'" in n for n in survey.notes)


def test_incomplete_responses_are_counted(tmp_path):
    frame = answers_frame(10)
    frame = frame.drop(frame.index[(frame["resp"] == "R003") & (frame["question"] == "Q2")])
    survey = read_survey(write_long(tmp_path, frame))
    assert any(n.startswith("2 incomplete response(s)") for n in survey.notes)  # R003 in both waves


def test_results_by_unit_are_read_as_published_shares(tmp_path):
    (tmp_path / "results.csv").write_text("Unit,Wave,Respondents,Q1 % positive,Q2 % positive\n"
                                          "Finance,2024,40,62%,55%\nLegal,2024,12,70%,41%\n", encoding="utf-8")
    (tmp_path / "survey.yaml").write_text("form: by_unit\nfile: results.csv\nunit: Unit\nwave: Wave\n"
                                          "respondents: Respondents\nfavourable_share: {Q1: Q1 % positive, "
                                          "Q2: Q2 % positive}\n", encoding="utf-8")
    survey = read_survey(tmp_path / "survey.yaml")
    row = survey.by_unit.set_index(["unit", "item"]).loc[("Legal", "Q2")]
    assert row["respondents"] == 12 and row["share"] == pytest.approx(0.41)


def test_a_linked_survey_reads_each_respondents_team_as_it_stood_on_the_survey_day(tmp_path):
    ds = tk.load("synthetic:small")
    moves = ds.moves.dropna(subset=["from_team", "to_team"])
    move = moves[(moves["date"] > "2024-01-01") & (moves["date"] < "2025-06-01")].iloc[0]
    person = str(move["employee_id"])
    day_before = (move["date"] - pd.Timedelta(days=30)).strftime("%Y-%m-%d")
    rows = pd.DataFrame({"employee_id": [person, person], "wave": ["before", "after"],
                         "day": [day_before, (move["date"] + pd.Timedelta(days=30)).strftime("%Y-%m-%d")],
                         "question": "Q1", "value": [4, 5]})
    rows.to_csv(tmp_path / "answers.csv", index=False)
    (tmp_path / "survey.yaml").write_text(f"form: long\nfile: answers.csv\nrespondent: employee_id\nlinked_to: "
                                          f"employee_id\nwave: wave\ndate: day\nitem: question\nanswer: value\n"
                                          f"scale: {SCALE}\nfavourable: [4, 5]\n", encoding="utf-8")
    survey = read_survey(tmp_path / "survey.yaml", people=ds)
    teams = survey.respondents.set_index("wave")["team"]
    assert teams["before"] == move["from_team"] and teams["after"] == move["to_team"]
    assert survey.linked and "team" in survey.attributes
    with pytest.raises(DataError, match="pass the dataset"):
        read_survey(tmp_path / "survey.yaml")


def test_a_survey_without_comments_reads_none(tmp_path):
    survey = read_survey(write_long(tmp_path, answers_frame(8)))
    assert survey.comments.empty  # an empty selection given a column once took every answer as a comment


def test_an_export_given_as_the_mapping_or_a_missing_file_says_what_to_give(tmp_path):
    frame = answers_frame(4)
    frame.to_csv(tmp_path / "answers.csv", index=False)
    with pytest.raises(DataError, match="a survey export, not its mapping file.*file: answers.csv"):
        read_survey(tmp_path / "answers.csv")
    with pytest.raises(DataError, match="no such survey mapping file"):
        read_survey(tmp_path / "nowhere.yaml")
    (tmp_path / "bad.yaml").write_text("form: longish\nfile: answers.csv\n", encoding="utf-8")
    with pytest.raises(DataError, match="form.*write one of long, wide, by_unit"):
        read_survey(tmp_path / "bad.yaml")


def test_survey_days_are_read_by_the_kits_date_rule_and_said(tmp_path):
    frame = answers_frame(6)
    frame["day"] = frame["wave"].map({"2024": "28/03/2024", "2025": "31/03/2025"})
    path = write_long(tmp_path, frame, extra="date: day\n")
    survey = read_survey(path)
    assert list(survey.waves["day"].dt.strftime("%Y-%m-%d")) == ["2024-03-28", "2025-03-31"]
    assert any("column 'day': dates read as" in n for n in survey.notes)
    frame.loc[3, "day"] = "31/02/2025"
    with pytest.raises(DataError, match=r"answers.csv:5: column 'day' value '31/02/2025': not a date"):
        read_survey(write_long(tmp_path / "bad", frame, extra="date: day\n"))
