"""Loading: built-in names, folders, foreign column names, odd encodings and delimiters."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from conftest import TINY, write_tiny
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import talentkit as tk
from talentkit.cli import main
from talentkit.data import synth


def test_tiny_folder_types(tiny):
    ds = tk.load(tiny)
    p = ds.people
    assert len(p) == 6 and ds.candidates is not None
    assert pd.api.types.is_datetime64_any_dtype(p["hire_date"])
    assert p["exit_date"].isna().sum() == 4
    assert p.loc[p.employee_id == "E2", "regretted"].item() == True  # noqa: E712
    assert ds.as_of == pd.Timestamp("2022-05-01")  # the latest date in any table
    assert ds.sessions["recorded"].tolist() == [True, False]


def test_optional_tables_absent_are_none(tmp_path):
    ds = tk.load(write_tiny(tmp_path / "p", **{k: None for k in TINY if k != "people.csv"}))
    assert ds.moves is None and ds.texts is None and ds.attendance is None
    assert list(ds.tables()) == ["people"]


def test_foreign_columns_flat_and_per_table(tmp_path):
    hris = (TINY["people.csv"].replace("employee_id", "Employee Number").replace("hire_date", "Start Date")
            .replace("region", "Work Region"))
    folder = write_tiny(tmp_path / "hris", **{"people.csv": hris})
    moves = TINY["moves.csv"].replace("employee_id", "Employee Number")
    (folder / "moves.csv").write_text(moves)
    flat = {"Employee Number": "employee_id", "Start Date": "hire_date", "Work Region": "region"}
    assert len(tk.load(folder, columns=flat).moves) == 2
    per_table = {"people": flat, "moves": {"Employee Number": "employee_id"}}
    assert tk.load(folder, columns=per_table).people["hire_date"].notna().all()


def test_files_mapping_and_semicolons_and_bom(tmp_path):
    folder = write_tiny(tmp_path / "eu", **{"people.csv": None})
    (folder / "HR_export.csv").write_bytes(b"\xef\xbb\xbf" + TINY["people.csv"].replace(",", ";").encode())
    ds = tk.load(folder, files={"people": "HR_export.csv"})
    assert ds.people["employee_id"].tolist()[:2] == ["E1", "E2"]


def test_lenient_on_case_spaces_and_bool_words(tmp_path):
    p = TINY["people.csv"].replace("international,campus", " International ,campus").replace("voluntary,true", "Voluntary,Yes")
    ds = tk.load(write_tiny(tmp_path / "case", **{"people.csv": p}))
    row = ds.people.loc[ds.people.employee_id == "E2"].iloc[0]
    assert row["origin"] == "international" and row["exit_type"] == "voluntary" and row["regretted"] == True  # noqa: E712


def test_parquet_folder_roundtrip(tmp_path, small_folder):
    out = tmp_path / "pq"
    out.mkdir()
    for f in Path(small_folder).glob("*.csv"):
        pd.read_csv(f, dtype=str, keep_default_na=False).to_parquet(out / (f.stem + ".parquet"))
    a, b = tk.load(small_folder), tk.load(out)
    pd.testing.assert_frame_equal(a.people, b.people)


def test_builtin_names():
    small = tk.load("synthetic:small")
    assert 250 <= len(small.people) <= 350
    assert tk.load("synthetic:small:7").people["hire_date"].tolist() != small.people["hire_date"].tolist()
    assert small.as_of == synth.AS_OF


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.csv")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = synth.write(synth.generate("small", 3), tmp_path / "a")
    b = synth.write(synth.generate("small", 3), tmp_path / "b")
    c = synth.write(synth.generate("small", 4), tmp_path / "c")
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_written_synthetic_validates(small_folder):
    ds = tk.load(small_folder)
    assert set(ds.tables()) == {"people", "moves", "sessions", "attendance", "candidates", "texts", "interactions"}


# ---------------------------------------------------------------- plausibility on the default size


def _headcount(p: pd.DataFrame, day: pd.Timestamp) -> int:
    return int(((p.hire_date <= day) & (p.exit_date.isna() | (p.exit_date > day))).sum())


def test_voluntary_turnover_plausible_and_varies(synthetic_default):
    p = synthetic_default.people
    start, end = synth.START, synth.AS_OF
    years = (end - start).days / 365.25
    rates = {}
    for region, g in list(p.groupby("region")) + [("all", p)]:
        avg = (_headcount(g, start) + _headcount(g, end)) / 2
        vol = ((g.exit_type == "voluntary") & g.exit_date.between(start, end)).sum()
        rates[region] = vol / avg / years
    assert 0.08 <= rates.pop("all") <= 0.25
    assert max(rates.values()) - min(rates.values()) > 0.03, rates


def test_international_share_and_channels(synthetic_default):
    p = synthetic_default.people
    share = p.groupby("region")["origin"].apply(lambda s: (s == "international").mean())
    assert share.max() - share.min() > 0.3
    assert set(synth.CHANNELS) <= set(p["channel"])
    assert set(synth.CHANNELS) <= set(synthetic_default.candidates["channel"])


def test_texts_learnable_not_trivial(synthetic_default):
    t = synthetic_default.texts
    assert set(t.groupby("task")["label"].nunique()) == {2}
    r = t[t.task == "retention"]
    train, test = train_test_split(r, test_size=0.3, random_state=0, stratify=r["label"])
    vec = TfidfVectorizer(ngram_range=(1, 2))
    model = LogisticRegression(max_iter=1000).fit(vec.fit_transform(train.text), train.label)
    accuracy = model.score(vec.transform(test.text), test.label)
    assert 0.65 <= accuracy <= 0.9, accuracy


# ---------------------------------------------------------------- command line


def test_cli_make_and_check(tmp_path, capsys):
    assert main(["data", "make", "--out", str(tmp_path / "d"), "--size", "small", "--seed", "1"]) == 0
    assert main(["data", "check", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "people" in out and "regions" in out


def test_cli_check_bad_data_exits_1(tmp_path, capsys):
    folder = write_tiny(tmp_path / "bad", **{"people.csv": TINY["people.csv"].replace("hire_date", "hire date")})
    assert main(["data", "check", str(folder)]) == 1
    assert "'hire date' looks close" in capsys.readouterr().err
    mapping = tmp_path / "map.yaml"
    mapping.write_text("columns:\n  hire date: hire_date\n")
    assert main(["data", "check", str(folder), "--columns", str(mapping)]) == 0


def test_hris_export_as_it_comes(tmp_path):
    """Semicolons, cp1252, foreign names, times on dates, Y/N, upper-case categories, an
    export file name and extra columns: used unedited through one mapping."""
    import yaml

    t = synth.generate("small", 11)
    p = t["people"].copy()
    p["team"] = p["team"].str.replace("EU Vision", "Zürich Vision")
    p["hire_date"] = p["hire_date"].dt.strftime("%Y-%m-%d 00:00:00")
    p["regretted"] = p["regretted"].map({True: "Y", False: "N"})
    p["origin"] = p["origin"].str.title()
    p["exit_type"] = p["exit_type"].str.upper()
    p = p.rename(columns={"employee_id": "Employee Number", "hire_date": "Start Date", "exit_date": "Termination Date",
                          "exit_type": "Termination Type", "region": "Work Region", "origin": "Hire Origin",
                          "channel": "Source"})
    p["Manager Email"] = "x@corp.example"
    p.to_csv(tmp_path / "hris_people_export.csv", sep=";", index=False, encoding="cp1252")
    mapping = yaml.safe_load("""
columns:
  Employee Number: employee_id
  Start Date: hire_date
  Termination Date: exit_date
  Termination Type: exit_type
  Work Region: region
  Hire Origin: origin
  Source: channel
files: {people: hris_people_export.csv}
""")
    ds = tk.load(tmp_path, columns=mapping, encoding="cp1252")
    ref = tk.load(synth.write({"people": t["people"]}, tmp_path / "ref"))
    pd.testing.assert_series_equal(ds.people["hire_date"], ref.people["hire_date"])
    assert ds.people["origin"].tolist() == ref.people["origin"].tolist()
    assert ds.people["exit_type"].tolist() == ref.people["exit_type"].tolist()
    assert "Zürich Vision" in set(ds.people["team"]) and "Manager Email" in ds.people.columns
    mfile = tmp_path / "map.yaml"
    mfile.write_text(yaml.safe_dump(mapping, allow_unicode=True))
    assert main(["data", "check", str(tmp_path), "--columns", str(mfile), "--encoding", "cp1252"]) == 0


def test_the_built_in_company_is_drawn_once_and_kept_exactly(tmp_path, monkeypatch):
    """synth.generated keeps generate's tables on disk: the second call reads them back with
    every value and dtype equal; a damaged file is drawn again; "off" keeps nothing."""
    monkeypatch.setenv(synth.CACHE_ENV, str(tmp_path / "cache"))
    drawn = synth.generate("small", 5)
    first = synth.generated("small", 5)
    files = list((tmp_path / "cache").glob("synthetic-*.pkl"))
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    again = synth.generated("small", 5)
    for name, table in drawn.items():
        for got in (first[name], again[name]):
            pd.testing.assert_frame_equal(got, table, check_exact=True)
            assert got.dtypes.equals(table.dtypes) and got.attrs == table.attrs
    assert synth.generated("small", 6)["people"]["hire_date"].tolist() != drawn["people"]["hire_date"].tolist()
    files[0].write_bytes(b"not a pickle")
    pd.testing.assert_frame_equal(synth.generated("small", 5)["people"], drawn["people"], check_exact=True)
    monkeypatch.setenv(synth.CACHE_ENV, "off")
    assert synth.cache_folder() is None
    pd.testing.assert_frame_equal(synth.generated("small", 5)["moves"], drawn["moves"], check_exact=True)
