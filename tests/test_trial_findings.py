"""The trial on real records (issue 44): one test per finding that is not tested where its
module is (the data profile and the unit matrices: test_canary.py and test_collaboration.py;
dates, as_of and coverage: test_dates_from_data.py; the index's claim: test_runs_over_time.py).
Each failed on the main branch the trial ran.
"""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

import talentkit as tk
from talentkit import drivers, metrics, show, summaries
from talentkit.core import privacy
from talentkit.core.errors import ParameterError
from talentkit.core.pooling import other_last
from talentkit.data import synth


def _folder(tmp_path: Path, tables: dict) -> Path:
    return synth.write(tables, tmp_path / "data")


# --------------------------------------------------------------------------- 7: hidden, not small

def test_a_group_hidden_to_protect_another_reads_hidden_not_small():
    table = pd.DataFrame({"office": ["Big", "Mid", "Tiny", "Huge"], "n": [19, 9, 3, 40],
                          "turnover_annual": [0.1, 0.2, 0.3, 0.05]})
    gated = privacy.suppress(table, ["office"], 5, not_nested="a test's own table")
    assert gated["suppressed"].tolist() == [False, True, True, False]  # 3 is small; 9, the next smallest, protects it
    shown = show.display_table(gated)
    assert shown.iloc[1].tolist()[1:] == ["hidden", "hidden"] and shown.iloc[2].tolist()[1:] == ["<5", "<5"]
    html = show.styled(gated).to_html()
    assert "hidden so that a smaller group" in html and len(re.findall(r">hidden</td>", html)) == 2
    assert privacy.protecting_rows(gated[["office", "n", "suppressed"]]).tolist() == [False, True, False, False]


def test_the_data_profile_labels_its_complements_hidden(tmp_path):
    t = synth.generate("small", 0)
    p = t["people"]
    p.loc[p.index[:2], "pay_band"] = "rare"  # two people: hidden, and the next smallest band with them
    ds = tk.load(_folder(tmp_path, t))
    from talentkit import dataprofile

    table = dataprofile.categories(ds)
    band = table[table["column"] == "pay_band"]
    assert "rare" not in band["value"].tolist()  # a value under min_group is never named
    shown = show.display_table(table)
    hidden_rows = shown.loc[band.index[band["suppressed"]]]
    assert sorted(hidden_rows.iloc[:, 2]) == ["<5", "hidden"]


# --------------------------------------------------------------------------- 10: no library output

def test_a_cox_fit_that_does_not_converge_says_so_in_words_and_prints_nothing(tmp_path):
    t = synth.generate("small", 0)
    p = t["people"]
    p["Perk"] = "no"
    p.loc[p.index[p["exit_date"].notna()][:6], "Perk"] = "yes"  # six people, all of whom left
    ds = tk.load(_folder(tmp_path, t))
    data = drivers.prepare(ds)
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        cox = drivers.cox(data)
    assert not [w for w in escaped if "lifelines" in w.filename or "Convergence" in type(w.message).__name__]
    assert cox.fit_problems and "did not fully converge" in cox.fit_problems[0]
    assert "did not fully converge" in summaries.cox_notes(cox).data


# --------------------------------------------------------------------------- 12: betweenness and the report

def test_the_report_says_betweenness_is_unweighted():
    table = pd.DataFrame({"person": ["a"], "betweenness": [0.5]})
    assert "unweighted" in summaries.betweenness_note(table).data
    table.attrs["talentkit.pivots"] = 50
    assert "unweighted" in summaries.betweenness_note(table).data


# --------------------------------------------------------------------------- 13: codes stay codes

def test_codes_stay_codes_sort_naturally_and_a_missing_unit_is_said_missing(tmp_path):
    t = synth.generate("small", 0)
    p = t["people"]
    codes = {v: str(i) for i, v in enumerate(sorted(p["team"].unique()), start=2)}  # teams 2 .. 22
    p["team"] = p["team"].map(codes)
    t["moves"]["from_team"] = t["moves"]["from_team"].map(codes)
    t["moves"]["to_team"] = t["moves"]["to_team"].map(codes)
    p["Cost Centre"] = p["team"].map(lambda c: str(int(c) * 10))
    p["Site"] = "0" + p["team"]  # a code with a leading zero
    p.loc[p.index % 50 == 0, "region"] = None
    ds = tk.load(_folder(tmp_path, t))
    assert ds.attributes["Cost Centre"]["kind"] == "category" and ds.attributes["Site"]["kind"] == "category"
    assert ds.people["Site"].str.startswith("0").all() and "." not in "".join(ds.people["Cost Centre"])
    start, end = ds.as_of - pd.DateOffset(years=1), ds.as_of
    teams = metrics.workforce(ds, start, end, "team")["team"].tolist()
    assert teams == sorted(teams, key=int) and teams[:2] == ["2", "3"]
    assert metrics.workforce(ds, start, end, "Cost Centre")["Cost Centre"].tolist()[:2] == ["20", "30"]
    regions = metrics.workforce(ds, start, end, "region")["region"].tolist()
    assert "(missing)" in regions and None not in regions and "None" not in regions
    assert sorted(["L10", "L2", "Unit 9", "Unit 10", "Other (3 levels)"], key=other_last) == \
        ["L2", "L10", "Unit 9", "Unit 10", "Other (3 levels)"]


def test_a_year_of_birth_and_a_postcode_are_never_numbers(tmp_path):
    t = synth.generate("small", 0)
    p = t["people"]
    p["Birth Year"] = [str(1950 + i % 40) for i in range(len(p))]
    p["Home Postcode"] = [f"0{1000 + i}" for i in range(len(p))]
    ds = tk.load(_folder(tmp_path, t))
    assert ds.attributes["Birth Year"]["kind"] == "personal" and ds.attributes["Home Postcode"]["kind"] == "personal"
    from talentkit import dataprofile

    assert dataprofile.numbers(ds).empty  # no percentile of a birth year (1,956) or a postcode
    bands = dataprofile.birth_bands(ds)
    assert bands["born"].tolist() == ["1950–1959", "1960–1969", "1970–1979", "1980–1989"]
    assert bands["n"].tolist() == [(pd.Series(range(len(p))) % 40 // 10 == k).sum() for k in range(4)]


# --------------------------------------------------------------------------- 14: make lab as root

def test_make_lab_starts_as_root_on_a_chosen_port_without_a_browser():
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "lab", "PORT=9123", "NO_BROWSER=1"], capture_output=True,
                         text=True, check=True).stdout
    line = next(x for x in out.splitlines() if "jupyter lab" in x)
    assert "--port=9123" in line and "--no-browser" in line
    import os

    assert ("--allow-root" in line) == (os.geteuid() == 0)
    assert re.search(r"allow-root", (ROOT / "docs" / "workshop.md").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- 6: 02 like every other notebook

def _reviews(folder: Path) -> Path:
    """Reviews in Windows-1252 (curly quotes, an e acute), with a 1-5 rating and a writer id."""
    rng = __import__("numpy").random.default_rng(5)
    good = ["Great team, I’d stay for years", "Café culture and fair pay", "Lovely manager, clear goals"]
    bad = ["Awful hours, I’m leaving", "No growth and poor pay", "Chaotic planning, I quit soon"]
    rows = []
    for i in range(120):
        rating = int(rng.integers(1, 6))
        text = (bad if rating <= 2 else good)[i % 3] + f" ({i})"
        rows.append({"Review": text, "Rating": rating, "Writer": f"W{i % 60}"})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reviews.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="cp1252")
    return path


def test_a_cp1252_file_of_texts_fails_with_its_real_error_not_a_skip(tmp_path):
    from talentkit import coverage, textclf
    from talentkit.core.errors import TextDataError

    path = _reviews(tmp_path)
    cfg = textclf.FinetuneConfig(data=str(path), columns={"Review": "text", "Writer": "employee_id"},
                                 label_rule="Rating <= 2", task="")
    with pytest.raises(TextDataError, match="encoding"):
        coverage._texts_available({"cfg": cfg})
    cfg = cfg.model_copy(update={"encoding": "cp1252"})
    texts = textclf.load_texts(cfg)
    ratings = pd.read_csv(path, encoding="cp1252")["Rating"]
    assert texts["y"].tolist() == (ratings <= 2).astype(int).tolist()  # the rule, counted by hand
    assert "’" in texts["text"].iloc[0] or "é" in "".join(texts["text"])
    listed = textclf.load_texts(cfg.model_copy(update={"label_rule": [4, 5], "label_column": "Rating"}))
    assert listed["y"].tolist() == ratings.isin([4, 5]).astype(int).tolist()
    with pytest.raises(TextDataError, match="makes every text negative"):
        textclf.load_texts(cfg.model_copy(update={"label_rule": "Rating > 9"}))
    with pytest.raises(TextDataError, match="did you mean 'Rating'"):
        textclf.load_texts(cfg.model_copy(update={"label_rule": "Ratings <= 2"}))


def test_02_fails_the_job_on_an_unreadable_file_and_runs_with_encoding_and_a_label_rule(tmp_path):
    import json

    from talentkit.runs import runner

    path = _reviews(tmp_path / "data")
    params = {"data": str(path), "task": "", "columns": {"Review": "text", "Writer": "employee_id"},
              "label_rule": "Rating <= 2", "model_ladder": "tfidf", "folds": 2, "repeats": 1}
    run_file = tmp_path / "reviews.yaml"
    run_file.write_text(json.dumps({"run": "reviews", "jobs": [
        {"notebook": str(ROOT / "notebooks" / "02_finetune.ipynb"), "name": "plain", "params": params},
        {"notebook": str(ROOT / "notebooks" / "02_finetune.ipynb"), "name": "cp1252",
         "params": {**params, "encoding": "cp1252"}}]}), encoding="utf-8")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    jobs = {j["name"]: j for j in json.loads((run_dir / "run.json").read_text())["jobs"]}
    assert code != 0 and jobs["plain"]["status"] != "ok" and "encoding" in jobs["plain"]["error"]
    assert jobs["cp1252"]["status"] == "ok"
    report = (run_dir / "cp1252" / "report.html").read_text(encoding="utf-8")
    assert "lacks" not in report and ("Rating &lt;= 2" in report or "Rating <= 2" in report)


# --------------------------------------------------------------------------- 8: defaults that fit the data

def test_a_default_column_the_data_lacks_falls_to_its_unit_column_and_says_so(tmp_path):
    from talentkit import coverage

    t = synth.generate("small", 0)
    t["people"] = t["people"].drop(columns=["region", "origin"])
    t["moves"] = t["moves"].drop(columns=["from_region", "to_region"])
    for name in ("sessions", "candidates"):
        t[name] = t[name].drop(columns=["region"], errors="ignore")
    ds = tk.load(_folder(tmp_path, t))
    value, note = coverage.fit_column(ds, "region", "group_by", "region")
    assert value == "team" and "no column 'region'" in note and "team" in note
    assert coverage.fit_column(ds, "level", "group_by", "region") == ("level", "")  # present: kept
    kept, note = coverage.fit_column(ds, "office", "group_by", "region")  # asked for: kept, the columns named
    assert kept == "office" and "level" in note
    protected, note = coverage.fit_column(ds, "origin", "protected", "origin", unit=False)
    assert protected == "origin" and "could use" in note  # a protected attribute is never guessed
    table = coverage.parameters_for(ds).set_index(["notebook", "parameter"])
    assert table.loc[("01_metrics", "group_by"), "set it to"] == "team"
    assert table.loc[("05_network", "unit"), "set it to"] == "team"
    assert not table.loc[("06_drivers", "protected"), "in the data"]


def test_05_without_ties_blames_the_data_not_network_source(tmp_path):
    from talentkit import coverage

    t = synth.generate("small", 0)
    t.pop("interactions", None)
    ds = tk.load(_folder(tmp_path, t))
    needs = coverage.SECTIONS["05.collaboration"].needs
    params = {"unit": "region", "network_source": "sessions"}  # what auto resolves to without ties
    note = coverage.skip_note("05.collaboration", coverage.missing(ds, needs, params), ds)
    assert "network_source" not in note and "interactions table" in note


# --------------------------------------------------------------------------- 9: a people list without dates

def _roster(folder: Path) -> Path:
    """A law firm's people list (no hire dates, no invented columns) and its advice ties."""
    import itertools

    folder.mkdir(parents=True, exist_ok=True)
    people = pd.DataFrame({"employee_id": [f"L{i}" for i in range(30)],
                           "team": [["Litigation", "Corporate", "Tax"][i % 3] for i in range(30)],
                           "office": [["Boston", "Hartford"][i % 2] for i in range(30)]})
    people.to_csv(folder / "people.csv", index=False)
    ties = [(f"L{i}", f"L{j}", 1 + (i * j) % 3) for i, j in itertools.combinations(range(30), 2) if (i + j) % 4 == 0]
    pd.DataFrame(ties, columns=["sender_id", "recipient_id", "weight"]).to_csv(folder / "interactions.csv", index=False)
    return folder


def test_a_people_list_without_dates_is_a_dataset_for_the_network_and_says_nothing_false(tmp_path):
    from talentkit import collaboration, coverage

    ds = tk.load(_roster(tmp_path / "firm"))
    assert ds.form == "roster" and ds.people["hire_date"].isna().all() and ds.as_of is None
    said = " ".join(map(str, ds.assumptions + ds.warnings))
    assert "exit_date" not in said and "without dates" in said  # no warning about a column never asked for
    c = collaboration.collaboration(ds, unit="team")
    assert collaboration.unit_matrix(c).shape == (3, 3)
    assert coverage.missing(ds, coverage.SECTIONS["05.collaboration"].needs, {"unit": "team"}) == []
    assert "events" in coverage.missing(ds, ("events",))
    with pytest.raises(ParameterError, match="needs hire dates.*05_network"):
        coverage.require_dates(ds, "01_metrics")
    assert summaries.data_summary(ds, None, None).data.count("without hire or exit dates") == 1


def test_mapping_errors_say_their_fix(tmp_path):
    from talentkit.cli import main

    out = tmp_path / "history"
    assert main(["data", "make", "--size", "small", "--out", str(out), "--form", "history"]) == 0
    h = pd.read_csv(out / "history.csv").rename(columns={"team": "Unit"})
    h.to_csv(out / "history.csv", index=False)
    mapping = (out / "mapping.yaml").read_text() + "columns: {history: {Unit: team}}\n"
    (out / "mapping.yaml").write_text(mapping)
    ds = tk.load(out, mapping=out / "mapping.yaml")  # per-table columns for the form's own table
    assert ds.people["team"].notna().all()
    h.loc[3, "end"] = "2010-01-01"
    h.to_csv(out / "history.csv", index=False)
    with pytest.raises(tk.DataError, match="ends before it starts.*bad_rows: set_aside"):
        tk.load(out, mapping=out / "mapping.yaml")


def test_a_history_with_mostly_blank_starts_is_refused_not_read_as_a_tenth(tmp_path):
    from talentkit.cli import main

    out = tmp_path / "history"
    assert main(["data", "make", "--size", "small", "--out", str(out), "--form", "history"]) == 0
    h = pd.read_csv(out / "history.csv")
    h.loc[h.index % 10 != 0, "start"] = ""
    h.to_csv(out / "history.csv", index=False)
    with pytest.raises(tk.DataError, match="max_set_aside"):
        tk.load(out, mapping=out / "mapping.yaml")


# --------------------------------------------------------------------------- the probe's leaks, at their root

def _nested_people() -> pd.DataFrame:
    """Teams in regions; the US teams all remote (a yes/no attribute), the EU teams not."""
    rows = [("US", "US A", True, 40), ("US", "US B", True, 3), ("US", "US C", True, 30), ("EU", "EU A", False, 50),
            ("EU", "EU B", False, 45)] + [("EU", f"EU small {k}", False, 2) for k in range(30)]
    people = [{"region": r, "team": t, "remote": rem} for r, t, rem, n in rows for _ in range(n)]
    out = pd.DataFrame(people)
    out.insert(0, "employee_id", [f"E{i}" for i in range(len(out))])
    return out


def test_a_yes_no_attribute_and_a_pooled_level_keep_the_nesting_that_protects_a_hidden_team():
    from talentkit.core import pooling

    people = _nested_people()
    nesting = privacy.nested_in(people, "team")
    assert set(nesting) == {"region", "remote"}  # remote = yes minus the US teams would give US B back
    pooled, rule = pooling.pool_levels(people["team"], max_levels=5)
    assert rule.applied and rule.label == "Other (30 levels)" and "people" not in rule.label
    with_other = people.assign(team=pooled)
    assert "region" in privacy.nested_in(with_other, "team")  # "Other" spans regions; the real teams still nest
    counts = with_other.groupby("team").size().rename("n").reset_index()
    table = privacy.suppress(counts, ["team"], 5, people=with_other)
    us = table[table["team"].str.startswith("US")]
    assert us["suppressed"].sum() >= 2  # US B hidden, and another US team with it: US total - shown != US B
    by_region = people.groupby("region").size()
    shown_us = us.loc[~us["suppressed"], "n"].sum()
    assert by_region["US"] - shown_us != 3


# --------------------------------------------------------------------------- the probe's tracebacks, hangs and silent results

def test_hostile_collaboration_records_meet_a_clear_error_or_a_stated_bound(tmp_path):
    import time

    from talentkit import collaboration

    people = pd.DataFrame({"employee_id": [f"P{i}" for i in range(6000)], "hire_date": "2020-01-01",
                           "team": [f"T{i % 40}" for i in range(6000)]})

    def folder(name, **tables):
        out = tmp_path / name
        out.mkdir()
        people.to_csv(out / "people.csv", index=False)
        for table, frame in tables.items():
            frame.to_csv(out / f"{table}.csv", index=False)
        return out

    # one meeting of 6,000 people (once 19 minutes and 11 GB) beside a small one: left out, said, fast
    parts = pd.concat([pd.DataFrame({"event_id": "ALL", "employee_id": people["employee_id"]}),
                       pd.DataFrame({"event_id": "M1", "employee_id": ["P1", "P2", "P3"]})])
    started = time.time()
    c = collaboration.collaboration(tk.load(folder("allhands", participants=parts)), unit="team")
    assert time.time() - started < 30 and c.counts["large_events"] == 1 and len(c.edges.a) == 3
    assert "more than 300 people" in summaries.collaboration_reading(c, "all records").data
    # self-ties only: said as such, not as unknown or undated ties
    selfish = pd.DataFrame({"sender_id": ["P1", "P2"], "recipient_id": ["P1", "P2"], "weight": [1, 2]})
    with pytest.raises(tk.DataError, match="self-ties"):
        collaboration.collaboration(tk.load(folder("selfish", interactions=selfish)), unit="team")
    # every weight 0, and a weight of 1e308 (summed: infinity)
    zero = pd.DataFrame({"sender_id": ["P1", "P2"], "recipient_id": ["P2", "P3"], "weight": [0, 0]})
    with pytest.raises(tk.DataError, match="every tie weighs 0"):
        collaboration.collaboration(tk.load(folder("zero", interactions=zero)), unit="team")
    with pytest.raises(tk.DataError, match="finite number"):
        tk.load(folder("huge", interactions=zero.assign(weight=[1e308, 1e308])))


def test_a_respondent_twice_in_a_survey_matrix_is_refused_not_summed(tmp_path):
    out = tmp_path / "survey"
    out.mkdir()
    pd.DataFrame({"employee_id": ["A", "B", "C"], "hire_date": "2020-01-01"}).to_csv(out / "people.csv", index=False)
    (out / "advice.csv").write_text("respondent,A,B,C\nA,,1,1\nB,1,,0\nA,,1,0\n", encoding="utf-8")
    (out / "mapping.yaml").write_text("files: {interactions: advice.csv}\ninteractions: {matrix: true}\n")
    with pytest.raises(tk.DataError, match="respondent 'A' has 2 rows"):
        tk.load(out, mapping=out / "mapping.yaml")


def test_spellings_that_differ_only_in_unicode_are_one_value_with_a_warning(tmp_path):
    import unicodedata

    t = synth.generate("small", 0)
    p = t["people"]
    eu = p.index[p["region"] == "EU"]
    p.loc[eu[:3], "region"] = "E\u200bU"  # a zero-width space
    p.loc[eu[3:6], "region"] = "ＥＵ"  # full width
    p.loc[eu[6:9], "team"] = unicodedata.normalize("NFD", "Zürich Lab")
    p.loc[eu[9:40], "team"] = unicodedata.normalize("NFC", "Zürich Lab")
    ds = tk.load(_folder(tmp_path, t))
    assert set(ds.people.loc[eu[:6], "region"]) == {"EU"}
    assert ds.people.loc[eu[6:40], "team"].nunique() == 1
    assert sum("written" in str(w) for w in ds.warnings) >= 2


def test_a_trailing_delimiter_and_an_as_of_before_any_hire_are_said_plainly(tmp_path):
    out = tmp_path / "trailing"
    out.mkdir()
    (out / "people.csv").write_text("employee_id,hire_date,region,\nE1,2020-01-01,US,\nE2,2020-02-01,EU,\n")
    ds = tk.load(out)
    assert list(ds.people.columns[:3]) == ["employee_id", "hire_date", "region"]
    assert any("trailing ','" in a for a in ds.assumptions)
    with pytest.raises(ParameterError, match="before the first hire"):
        tk.load(out, as_of="2019-01-01")


def test_a_people_table_of_thousands_of_columns_is_bounded_not_a_hang(tmp_path):
    import time

    p = synth.generate("small", 0)["people"]
    wide = pd.concat([p, pd.DataFrame({f"Q{i:04d}": (p.index * (i + 1)) % 7 for i in range(3000)})], axis=1)
    out = tmp_path / "wide"
    out.mkdir()
    wide.to_csv(out / "people.csv", index=False)
    started = time.time()
    with pytest.raises(tk.DataError, match="3,001 columns of its own"):
        tk.load(out)
    (out / "mapping.yaml").write_text("attributes: {Q0001: number, Q0002: category}\n")
    ds = tk.load(out, mapping=out / "mapping.yaml")
    assert {"Q0001", "Q0002"} <= set(ds.people.columns) and "Q0003" not in ds.people.columns
    assert any("2,999 of its 3,001 own columns are left out" in a for a in ds.assumptions)
    assert time.time() - started < 60


def test_mapping_mistakes_meet_a_plain_error_and_numeric_hierarchy_codes_group(tmp_path):
    from talentkit.core import pooling

    t = synth.generate("small", 0)
    p = t["people"]
    codes = {team: str(100 + i) for i, team in enumerate(sorted(p["team"].unique()))}
    p["Dept"] = p["team"].map(codes)  # numeric department codes, one per team
    p["Division"] = p["Dept"].map(lambda d: "1" if int(d) % 2 else "2")
    out = _folder(tmp_path, t)
    (out / "mapping.yaml").write_text("hierarchy: {Dept: Division}\n")
    ds = tk.load(out, mapping=out / "mapping.yaml")
    assert ds.attributes["Dept"]["kind"] == "category" and "Dept" in ds.group_keys()
    start, end = ds.as_of - pd.DateOffset(years=1), ds.as_of
    assert metrics.workforce(ds, start, end, "Division")["Division"].tolist() == ["1", "2"]
    problems = pooling.check_hierarchy(ds.people, {"team": "team"})
    assert problems and "its own parent" in problems[0].what
    for bad, said in (("dates: {format: '%'}\n", "not a date pattern"),):
        (out / "mapping.yaml").write_text(bad)
        with pytest.raises(tk.DataError, match=said):
            tk.load(out, mapping=out / "mapping.yaml")
    (out / "mapping.yaml").write_text("dates: {open_end: [9999-12-31]}\n")  # unquoted: YAML reads a date
    assert tk.load(out, mapping=out / "mapping.yaml").people["exit_date"].notna().any()


def test_a_finished_kernel_is_shut_down_without_an_interrupt(monkeypatch):
    """A successful run's log held "ERROR | KeyboardInterrupt caught in kernel.": jupyter_client
    sends SIGINT before every shutdown. The job's kernel manager leaves that one out."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    from talentkit.runs import kernels

    sent = []

    async def interrupt(self):
        sent.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    manager = kernels.job_kernel_manager("/tmp")()
    manager.shutting_down = True
    asyncio.run(manager._async_interrupt_kernel())
    manager.shutting_down = False  # a timeout's interrupt still reaches the kernel
    asyncio.run(manager._async_interrupt_kernel())
    assert sent == [False]


def test_a_personal_column_of_fewer_than_min_group_values_shows_its_count_only():
    from talentkit.data import personal

    few = personal.shape("Full Name", pd.Series(["Ann Lee", "Bo Chen", "Cy Diaz", None]), min_group=5)
    assert few["values"] == 3 and pd.isna(few["unique"]) and pd.isna(few["median length"]) and few["pattern"] == ""
    many = personal.shape("Full Name", pd.Series([f"Name{i} Lee" for i in range(5)]), min_group=5)
    assert many["unique"] == 1.0 and many["median length"] == 9 and many["pattern"] == "Aa9 Aa"
