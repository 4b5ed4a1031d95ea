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

import talentkit as tk
from talentkit import drivers, metrics, privacy, summaries, synth
from talentkit.pooling import other_last

from conftest import ROOT


def _folder(tmp_path: Path, tables: dict) -> Path:
    return synth.write(tables, tmp_path / "data")


# --------------------------------------------------------------------------- 7: hidden, not small

def test_a_group_hidden_to_protect_another_reads_hidden_not_small():
    table = pd.DataFrame({"office": ["Big", "Mid", "Tiny", "Huge"], "n": [19, 9, 3, 40],
                          "turnover_annual": [0.1, 0.2, 0.3, 0.05]})
    gated = privacy.suppress(table, ["office"], 5)
    assert gated["suppressed"].tolist() == [False, True, True, False]  # 3 is small; 9, the next smallest, protects it
    shown = privacy.display_table(gated)
    assert shown.iloc[1].tolist()[1:] == ["hidden", "hidden"] and shown.iloc[2].tolist()[1:] == ["<5", "<5"]
    html = privacy.styled(gated).to_html()
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
    shown = privacy.display_table(table)
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
    assert sorted(["L10", "L2", "Unit 9", "Unit 10", "Other (3 levels, 9 people)"], key=other_last) == \
        ["L2", "L10", "Unit 9", "Unit 10", "Other (3 levels, 9 people)"]


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
