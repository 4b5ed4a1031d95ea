"""Canaries: the built-in company with personal columns of unique marked values and units of
one person, run through the whole default batch (and a second run, for the comparison and
history pages); then every file the runs wrote is read as an attacker reads it.

It fails on any marked value in any file (reports, results, data, executed notebooks, the
index, compare and history pages), on a unit of one person as a row or column of a matrix,
and on a number beside such a unit's name in any table, JSON record or sentence.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from talentkit.data import synth, synthmarket, synthprogrammes, synthsurvey
from talentkit.runs import runner

MIN_GROUP = 5
SOLO_REGION = "Qx Solo Region"  # a region of one person
SOLO_TEAM = "Qx Lonely Team"  # a team of one person, in a large region
SOLO_LAB = "Qx Solo Lab"  # an institution of one researcher in the talent market (08)
SOLOS = (SOLO_REGION, SOLO_TEAM, SOLO_LAB)
# personal columns: every value unique and marked, so that any one found in an output is a leak
PERSONAL = {
    "Full Name": lambda i: f"Qzname{i:05d} Canaryson",
    "Email": lambda i: f"qz{i:05d}@canary.example",
    "Mobile": lambda i: f"+44 7700 9{i:05d}",
    "Postcode": lambda i: f"QZ{i % 90 + 10} {i:04d}QZ",
    "Badge": lambda i: f"BDG-QZ-{i:06d}",
}
MARKERS = [re.compile(p) for p in (r"Qzname\d{5}", r"qz\d{5}@", r"\+44 7700 9\d{5}", r"\d{4}QZ", r"BDG-QZ-\d{6}")]


def birth_dates(n: int) -> list[str]:
    rng = np.random.default_rng(7)
    days = rng.integers(0, 365 * 50, n)
    return [(pd.Timestamp("1946-01-01") + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") for d in days]


def write_canary(folder: Path) -> dict:
    """The small built-in company with the personal columns above, dates of birth, and two
    units of one person each (people who never moved, so their unit is theirs all along)."""
    t = synth.generate("small", 0)
    p = t["people"]
    for col, value in PERSONAL.items():
        p[col] = [value(i) for i in range(len(p))]
    p["Birth Date"] = birth_dates(len(p))
    movers = set(t["moves"]["employee_id"])
    still = p.index[~p["employee_id"].isin(movers)]
    p.loc[still[0], "region"] = SOLO_REGION
    p.loc[still[1], "team"] = SOLO_TEAM
    synth.write(t, folder)
    # the same people's engagement survey, linked by employee_id: 07 reads it like a user's
    as_of = max(p["hire_date"].max(), p["exit_date"].max())
    synthsurvey.write_survey(p, as_of, folder.parent / "survey")
    return {"births": list(p["Birth Date"]), "survey": str(folder.parent / "survey" / "survey.yaml"),
            "research": str(write_canary_market(folder.parent / "market")),
            "programmes": str(write_canary_programmes(folder.parent / "programmes"))}


def write_canary_programmes(folder: Path) -> Path:
    """The built-in retention bonus's roll-out over the canary's regions, as a user's programmes
    table and mapping: 09 reads the canary people through it."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"Region": list(synthprogrammes.BONUS_STARTS), "Programme": synthprogrammes.BONUS,
                  "Start": list(synthprogrammes.BONUS_STARTS.values())}).to_csv(folder / "programmes.csv", index=False)
    path = folder / "programmes.yaml"
    path.write_text("file: programmes.csv\nunit_column: region\nunit: Region\nprogramme: Programme\nstart: Start\n",
                    encoding="utf-8")
    return path


def write_canary_market(folder: Path) -> Path:
    """The built-in market (small) with every author's name a marked value, and one researcher
    the only member of a lab (SOLO_LAB) in one year: 08 reads it like a user's author list."""
    path = synthmarket.write_market(folder, "small")
    authors = pd.read_csv(folder / "authors.csv")
    names = {name: PERSONAL["Full Name"](i) for i, name in enumerate(authors["author"].unique())}
    authors["author"] = authors["author"].map(names)
    first = authors["author"].iloc[0]
    authors.loc[(authors["author"] == first) & (authors["year"] == authors["year"].min()), "affiliation"] = SOLO_LAB
    authors.to_csv(folder / "authors.csv", index=False)
    return path


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    base = tmp_path_factory.mktemp("canary")
    planted = write_canary(base / "data")
    default = yaml.safe_load((ROOT / "params" / "default.yaml").read_text(encoding="utf-8"))
    default["run"] = "canary"
    default["defaults"] = {"data": str(base / "data"), "min_group": MIN_GROUP}
    for job in default["jobs"]:
        if "02_finetune" in job["notebook"]:  # the ladder's wiring, not its heavy rungs
            job["params"] = {**job.get("params", {}), "model_ladder": "tfidf", "folds": 2, "repeats": 1}
        if "06_drivers" in job["notebook"]:  # every table and figure, on fewer folds (as the smoke run)
            job["params"] = {**job.get("params", {}), "folds": 3, "repeats": 1}
        if "07_survey" in job["notebook"]:
            job["params"] = {**job.get("params", {}), "survey": planted["survey"], "resamples": 50}
        if "09_impact" in job["notebook"]:
            job["params"] = {**job.get("params", {}), "programmes": planted["programmes"], "resamples": 199}
        if "08_talent_market" in job["notebook"]:
            job["params"] = {**job.get("params", {}), "research": planted["research"], "resamples": 50}
        job["notebook"] = str(ROOT / job["notebook"])
    run_file = base / "canary.yaml"
    run_file.write_text(json.dumps(default), encoding="utf-8")
    out = base / "out"
    code, first = runner.execute_run(run_file, out_root=out, progress=False)
    assert code == 0, [(j["name"], j["error"]) for j in json.loads((first / "run.json").read_text())["jobs"]]
    # a second run of four jobs: the comparison and history pages (07's and 08's tables among them)
    default["jobs"] = [j for j in default["jobs"] if any(n in j["notebook"] for n in ("01_metrics", "05_network",
                                                                                        "07_survey", "08_talent"))]
    run_file.write_text(json.dumps(default), encoding="utf-8")
    code, second = runner.execute_run(run_file, out_root=out, progress=False, new=True)
    assert code == 0
    return {"out": out, "planted": planted, "runs": (first, second)}


def every_file(out: Path) -> list[Path]:
    return sorted(f for f in out.rglob("*") if f.is_file())


def test_the_canary_runs_wrote_every_kind_of_file(canary):
    names = {f.name for f in every_file(canary["out"])}
    compare = (canary["runs"][1] / "compare-previous.html").read_text(encoding="utf-8")
    assert "07_survey" in compare and "08_talent_market" in compare  # their tables are compared, and read below
    for expected in ("report.html", "results.json", "data.json", "index.html", "run.json", "compare-previous.html",
                     "00_data_profile.ipynb", "05_network.ipynb", "06_drivers.ipynb", "07_survey.ipynb",
                     "heatmap.png", "comment_themes.png", "08_talent_market.ipynb", "aliases.csv", "country_flows.png",
                     "09_impact.ipynb", "event_study.png"):
        assert expected in names, expected


def test_no_personal_value_reaches_any_file(canary):
    births = canary["planted"]["births"]
    found = []
    for f in every_file(canary["out"]):
        text = f.read_bytes().decode("utf-8", errors="replace")
        for marker in MARKERS:
            if marker.search(text):
                found.append(f"{f.relative_to(canary['out'])}: {marker.search(text).group(0)}")
        dates = set(re.findall(r"\b(19[4-9]\d-[01]\d-[0-3]\d)\b", text)) & set(births)
        found += [f"{f.relative_to(canary['out'])}: date of birth {d}" for d in sorted(dates)[:3]]
        # a year of birth printed as a number (1,956) is a person's value too
        found += [f"{f.relative_to(canary['out'])}: {m}" for m in re.findall(r"\b1,9[4-9]\d\b", text)[:3]]
    assert not found, "personal values in the outputs:\n" + "\n".join(found)


def _cells(row_html: str) -> list[str]:
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c))).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, flags=re.S)]


def small_unit_problems(text: str, where: str) -> list[str]:
    """A unit of one person as a matrix column, or its name in a table row or a sentence with
    a number beside it."""
    problems = []
    for table in re.findall(r"<table.*?</table>", text, flags=re.S):
        for head in re.findall(r"<thead.*?</thead>", table, flags=re.S):
            if any(solo in html.unescape(head) for solo in SOLOS):
                problems.append(f"{where}: a unit of one person as a column")
        for row in re.findall(r"<tr.*?</tr>", table, flags=re.S):
            cells = _cells(row)
            if any(c in SOLOS for c in cells):
                numbers = [c for c in cells if c not in SOLOS and re.search(r"\d", c)
                           and not re.fullmatch(r"<\d+|hidden", c)]
                if numbers:
                    problems.append(f"{where}: a unit of one person with {numbers[:4]}")
    prose = re.sub(r"<table.*?</table>", " ", text, flags=re.S)
    for sentence in re.split(r"(?<=[.!?])\s|<[^>]+>", html.unescape(prose)):
        if any(solo in sentence for solo in SOLOS) and re.search(r"\d", sentence.replace("<5", "")):
            problems.append(f"{where}: {sentence.strip()[:120]}")
    return problems


def json_problems(doc, where: str) -> list[str]:
    problems = []
    if isinstance(doc, dict):
        if isinstance(doc.get("columns"), list) and isinstance(doc.get("rows"), list):
            cols = [str(c) for c in doc["columns"]]
            if any(solo in cols for solo in SOLOS):
                problems.append(f"{where}: a unit of one person as a column")
            for row in doc["rows"]:
                if any(v in SOLOS for v in row):
                    numbers = [(c, v) for c, v in zip(cols, row) if isinstance(v, (int, float))
                               and not isinstance(v, bool)]
                    if numbers:
                        problems.append(f"{where}: a unit of one person with {numbers[:4]}")
        for key, value in doc.items():
            problems += json_problems(value, f"{where}/{key}")
    elif isinstance(doc, list):
        for value in doc:
            problems += json_problems(value, where)
    return problems


def test_no_figure_describes_a_unit_of_one_person_in_any_file(canary):
    problems = []
    for f in every_file(canary["out"]):
        where = str(f.relative_to(canary["out"]))
        if f.suffix == ".html":
            problems += small_unit_problems(f.read_text(encoding="utf-8"), where)
        elif f.suffix == ".json":
            problems += json_problems(json.loads(f.read_text(encoding="utf-8")), where)
        elif f.suffix == ".ipynb":
            for cell in json.loads(f.read_text(encoding="utf-8"))["cells"]:
                for output in cell.get("outputs", []):
                    data = output.get("data", {})
                    text = "".join(data.get("text/html", "")) + "".join(output.get("text", ""))
                    problems += small_unit_problems(text, where)
    assert not problems, "\n".join(problems)


def test_the_data_profile_shows_personal_columns_by_shape_and_births_in_bands(canary):
    report = (canary["runs"][0] / "00_data_profile" / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", report)))
    assert "Personal columns" in text
    for col in [*PERSONAL, "Birth Date"]:
        assert col in text, col
    assert "Aa9 Aa" in text  # the names' pattern: letters, digits, a space; no name
    # ten-year bands of birth, each counted by hand and shown where at least min_group people hold it
    years = pd.Series(canary["planted"]["births"]).str[:4].astype(int)
    bands = (years // 10 * 10).value_counts()
    for start, n in bands.items():
        if n >= MIN_GROUP:
            assert f"{start}–{start + 9}" in text
