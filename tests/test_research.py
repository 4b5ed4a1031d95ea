"""Research records read through a mapping, and institutions resolved by stated rules: splitting,
normalisation, acronyms, parents, the user's alias table, sectors and countries; measured on the
built-in market's planted aliases and on a real public roster (tests/data/isca, SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentkit.core.errors import DataError
from talentkit.data import institutions, synthmarket
from talentkit.data.research import read_research

ISCA = Path(__file__).parent / "data" / "isca" / "research.yaml"


def write_export(folder: Path, frame: pd.DataFrame, mapping: str) -> Path:
    frame.to_csv(folder / "export.csv", index=False)
    path = folder / "research.yaml"
    path.write_text("file: export.csv\n" + mapping, encoding="utf-8")
    return path


def pairwise(labels_true: np.ndarray, labels_found: np.ndarray) -> tuple[float, float]:
    """Merge precision and recall over every pair of strings (a merge is a pair put together)."""
    same_true = labels_true[:, None] == labels_true[None, :]
    same_found = labels_found[:, None] == labels_found[None, :]
    upper = np.triu_indices(len(labels_true), 1)
    both = (same_true & same_found)[upper].sum()
    return both / same_found[upper].sum(), both / same_true[upper].sum()


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    folder = tmp_path_factory.mktemp("market")
    return read_research(synthmarket.write_market(folder, "default")), synthmarket.generate_market("default")


def test_the_alias_rules_merge_the_planted_aliases_with_precision_and_recall_of_at_least_095(market):
    research, truth = market
    table = research.aliases[research.aliases["string"].isin(set(truth.canonical))]  # the single-institution strings
    precision, recall = pairwise(table["string"].map(truth.canonical).to_numpy(), table["institution"].to_numpy())
    merged = (table["rule"] != institutions.AS_WRITTEN).sum()
    print(f"\nbuilt-in market: {len(table)} strings of {table['string'].map(truth.canonical).nunique()} institutions, "
          f"{merged} merged; merge precision {precision:.3f}, merge recall {recall:.3f}")
    print(research.merges().to_string())
    assert precision >= 0.95 and recall >= 0.95
    assert research.split_strings > 0 and set(research.merges()["rule"]) >= {"normalised", "acronym", "part"}


def test_strings_of_several_institutions_are_split_by_the_stated_rule():
    known = {institutions.normal_key("Microsoft"), institutions.normal_key("Google")}
    split = {text: institutions.split_affiliations(text, known) for text in (
        "Facebook AI Research/CMU", "Stanford University & Microsoft", "MPI Tübingen & University of Copenhagen",
        "University of Michigan and Google", "Lab A; Lab B", "Texas A&M University", "William & Mary",
        "Department of Electrical Engineering and Computer Science")}
    assert split["Facebook AI Research/CMU"] == ["Facebook AI Research", "CMU"]
    assert split["Stanford University & Microsoft"] == ["Stanford University", "Microsoft"]
    assert split["MPI Tübingen & University of Copenhagen"] == ["MPI Tübingen", "University of Copenhagen"]
    assert split["University of Michigan and Google"] == ["University of Michigan", "Google"]
    assert split["Lab A; Lab B"] == ["Lab A", "Lab B"]
    for whole in ("Texas A&M University", "William & Mary", "Department of Electrical Engineering and Computer Science"):
        assert split[whole] == [whole]


def test_normalisation_acronyms_and_departments_merge_and_an_acronym_two_names_fit_stays_alone():
    strings = pd.Series(["Carnegie Mellon University", "CMU", "Massachusetts Institute of Technology", "M.I.T.",
                         "University of Montreal", "U. Montreal", "Université de Montréal", "The Ohio State University",
                         "Ohio State University", "Dept. of Computer Science, Stanford University", "Stanford University",
                         "IBM Corporation", "IBM", "Boston Institute of Technology", "Berlin Institute of Technology",
                         "BIT"])
    table = institutions.resolve(strings).set_index("string")
    assert table.loc["CMU", "institution"] == "Carnegie Mellon University" and table.loc["CMU", "rule"] == "acronym"
    assert table.loc["M.I.T.", "institution"] == "Massachusetts Institute of Technology"
    assert table.loc[["U. Montreal", "Université de Montréal"], "institution"].eq(
        table.loc["University of Montreal", "institution"]).all()
    assert table.loc["The Ohio State University", "institution"] == "Ohio State University"
    assert table.loc["Dept. of Computer Science, Stanford University", "institution"] == "Stanford University"
    assert table.loc["IBM", "institution"] == table.loc["IBM Corporation", "institution"]
    assert table.loc["BIT", "institution"] == "BIT" and table.loc["BIT", "rule"] == "as written"  # two full names fit


def test_parents_roll_up_only_when_asked_and_the_users_table_wins(tmp_path):
    frame = pd.DataFrame({"author": ["A", "B", "C", "D", "E", "F"], "paper": ["p1", "p1", "p2", "p3", "p3", "p4"],
                          "year": 2023, "affiliation": ["Google Brain", "DeepMind", "Google", "Mila",
                                                        "University of Montreal", "Zeta Works"]})
    pd.DataFrame({"institution": ["Google Brain", "DeepMind"], "parent": "Google"}).to_csv(tmp_path / "parents.csv",
                                                                                         index=False)
    pd.DataFrame({"string": ["Mila", "Zeta Works"], "institution": ["University of Montreal", "Zeta Works"],
                  "sector": [None, "industry"]}).to_csv(tmp_path / "aliases.csv", index=False)
    base = "form: authors\nname: author\nwork: paper\nyear: year\naffiliation: affiliation\nparents: parents.csv\n"
    apart = read_research(write_export(tmp_path, frame, base))
    assert apart.records["institution"].nunique() == 6 and "not applied" in " ".join(apart.notes)
    rolled = read_research(write_export(tmp_path, frame, base + "roll_up: parent\naliases: aliases.csv\n"))
    table = rolled.aliases.set_index("string")
    assert table.loc[["Google Brain", "DeepMind"], "institution"].eq("Google").all()
    assert set(table.loc[["Google Brain", "DeepMind"], "rule"]) == {"parent"}
    assert table.loc["Mila", "institution"] == "University of Montreal" and table.loc["Mila", "rule"] == "user"
    sectors = rolled.records.drop_duplicates("institution").set_index("institution")["sector"]
    assert sectors["Zeta Works"] == "industry"  # the user's sector, where no keyword says
    assert sectors["Google"] == "industry" and sectors["University of Montreal"] == "academia"


def test_a_country_comes_only_from_data_given_and_unknown_stays_unknown(tmp_path):
    frame = pd.DataFrame({"author": list("ABCD"), "paper": ["p1", "p1", "p2", "p2"], "year": 2024,
                          "affiliation": ["Uppsala University", "KTH Royal Institute of Technology", "Lund University",
                                          "Uppsala University"]})
    pd.DataFrame({"institution": ["Uppsala University", "Lund University"], "country": "SE"}).to_csv(
        tmp_path / "countries.csv", index=False)
    research = read_research(write_export(tmp_path, frame, "form: authors\nname: author\nwork: paper\nyear: year\n"
                                          "affiliation: affiliation\ncountries: countries.csv\n"))
    country = research.records.drop_duplicates("institution").set_index("institution")["country"]
    assert country["KTH Royal Institute of Technology"] == "unknown"  # two Swedish neighbours do not place it
    assert country["Uppsala University"] == "SE"


def test_an_export_with_ids_merges_by_institution_id_and_tells_people_apart_by_id(tmp_path):
    frame = pd.DataFrame({"author_id": ["A1", "A2", "A1", "A2"], "author": ["Li Wei", "Li Wei", "Li Wei", "Li Wei"],
                          "work_id": ["W1", "W2", "W3", "W4"], "publication_year": [2022, 2022, 2023, 2023],
                          "institution_id": ["I1", "I2", "I1", "I2"],
                          "institution": ["Tsinghua University", "Peking University", "Tsinghua Univ.", "PKU"],
                          "country_code": ["CN", "CN", "CN", "CN"]})
    research = read_research(write_export(tmp_path, frame, "form: authorships\nperson_id: author_id\nname: author\n"
                                          "work: work_id\nyear: publication_year\naffiliation: institution\n"
                                          "institution_id: institution_id\ncountry: country_code\n"))
    assert research.by_id and research.records["person"].nunique() == 2  # one name, two ids: two people
    table = research.aliases.set_index("string")
    assert table.loc["PKU", "institution"] == "Peking University" and table.loc["PKU", "rule"] == "institution id"
    assert set(research.records["country"]) == {"CN"}


def test_bad_exports_and_mappings_say_what_to_fix(tmp_path):
    frame = pd.DataFrame({"author": ["A", "B"], "paper": ["p1", "p2"], "year": ["2023", "20x3"],
                          "affiliation": ["MIT", "CMU"]})
    with pytest.raises(DataError, match=r"export.csv.*row 3.*year.*20x3|year.*four digits"):
        read_research(write_export(tmp_path, frame, "form: authors\nname: author\nyear: year\naffiliation: affiliation\n"))
    with pytest.raises(DataError, match="did you mean 'affiliation'"):
        read_research(write_export(tmp_path, frame, "form: authors\nname: author\nyear: year\naffiliation: afiliation\n"))
    with pytest.raises(DataError, match="not a key of a research mapping.*did you mean 'roll_up'"):
        read_research(write_export(tmp_path, frame, "form: authors\nname: author\nyear: year\naffiliation: "
                                   "affiliation\nrollup: parent\n"))
    with pytest.raises(DataError, match="a research export, not its mapping file"):
        read_research(tmp_path / "export.csv")
    with pytest.raises(DataError, match="one of authors, authorships, roster"):
        read_research(write_export(tmp_path, frame, "form: list\nname: author\nyear: year\naffiliation: affiliation\n"))


def test_a_real_roster_reads_with_its_quirks_and_resolution_shrinks_its_institutions():
    """ISCA program committees 2019-2023 (tests/data/isca/SOURCE.md)."""
    raw = pd.read_csv(ISCA.parent / "committees.csv", keep_default_na=False)
    research = read_research(ISCA)
    before = raw.groupby("affiliation")["name"].nunique().sort_values(ascending=False, kind="stable")
    pairs = research.records[["person", "institution"]].drop_duplicates()
    after = pairs.groupby("institution")["person"].nunique().sort_values(ascending=False, kind="stable")
    print("\ntop ten before resolution (people by string):\n" + before.head(10).to_string())
    print("top ten after resolution (people by institution):\n" + after.head(10).to_string())
    print(f"{raw['affiliation'].nunique()} strings -> {research.records['institution'].nunique()} institutions; "
          f"{research.split_strings} strings split\n" + research.merges().to_string())
    assert len(raw) == 497 and len(research.records) >= 496
    assert any("left out" in n for n in research.notes)  # the row written with a tab has no affiliation
    assert research.records["institution"].nunique() < raw["affiliation"].nunique() - 30
    table = research.aliases.set_index("string")
    assert table.loc["CMU", "institution"] == "Carnegie Mellon University"
    assert table.loc["University of Texas - Austin", "institution"] == table.loc["Univ of Texas at Austin", "institution"]
    assert "Texas A&M University" in set(research.aliases["institution"])  # A&M is not two institutions
    assert "William & Mary" in set(research.aliases["institution"])
    # "Wei Zhang" sits on the 2019 committee twice, at Alibaba and IBM Research: one name, ambiguous
    from talentkit.market import ambiguous_people

    assert len(ambiguous_people(research)) == 1
    assert before["CMU"] < after["Carnegie Mellon University"]


def test_pairwise_merge_scores_count_pairs():
    precision, recall = pairwise(np.array(["a", "a", "b"]), np.array(["x", "y", "y"]))
    assert (precision, recall) == (0.0, 0.0)
    precision, recall = pairwise(np.array(["a", "a", "b"]), np.array(["x", "x", "x"]))
    assert (precision, recall) == (1 / 3, 1.0)
