"""The talent market (notebook 08's analyses) against the built-in market's planted truth, hand
counts in DuckDB, networkx and scipy: moves, flows and their gate, presence and its intervals,
ties, the company's standing; and the notebook on the real ISCA rosters."""

from __future__ import annotations

import duckdb
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from talentkit import market
from talentkit.core import privacy
from talentkit.data import synthmarket
from talentkit.data.research import ResearchRecords, read_research


@pytest.fixture(scope="module")
def built_in(tmp_path_factory):
    folder = tmp_path_factory.mktemp("market")
    return read_research(synthmarket.write_market(folder, "default")), synthmarket.generate_market("default")


def records(rows: list[tuple], by_id: bool = False) -> ResearchRecords:
    """Research records by hand: (person, year, institution, country, sector[, work])."""
    frame = pd.DataFrame([r if len(r) == 6 else (*r, f"w{i}") for i, r in enumerate(rows)],
                         columns=["person", "year", "institution", "country", "sector", "work"])
    frame = frame.assign(venue="V", topic="T", row=np.arange(len(frame)))
    aliases = pd.DataFrame({"string": frame["institution"].unique(), "institution": frame["institution"].unique(),
                            "rule": "as written", "rows": 1})
    return ResearchRecords("by hand", "authors", frame, aliases, by_id=by_id)


def test_planted_moves_are_recovered_and_no_alias_change_is_a_move(built_in):
    research, truth = built_in
    found = market.moves(research)
    # researchers are numbered in order of first appearance of their name; the truth by their number
    names = truth.names.str.casefold()
    code = pd.Series(pd.factorize(truth.authors["author"].str.casefold())[1])
    number_of = pd.Series(code.index, index=code.to_numpy())
    true = truth.moves.assign(person=names[truth.moves["researcher"]].map(number_of).to_numpy())
    clear = ~true["researcher"].isin(truth.collided)
    key = ["person", "year", "from_institution", "to_institution"]
    hit = true.merge(found[key], on=key, how="left", indicator=True)["_merge"].eq("both")
    recall = hit.mean()
    false = found.merge(true[key], on=key, how="left", indicator=True)["_merge"].eq("left_only")
    print(f"\nplanted moves {len(true)}, found {len(found)}: recall {recall:.3f} ({hit[clear.to_numpy()].mean():.3f} "
          f"without the {len(truth.collided)} researchers whose name another holds), moves not planted {false.sum()}")
    assert recall >= 0.95
    assert false.sum() == 0  # spellings changed on almost every paper: none became a move
    ambiguity = market.ambiguity(research)
    assert ambiguity["ambiguous"] >= len(truth.collided) // 2 and ambiguity["moves_with_ambiguous"] > ambiguity["moves"]


def test_a_move_is_a_change_of_resolved_institution_dated_by_the_later_record():
    r = records([(1, 2020, "A", "US", "academia"), (1, 2022, "B", "GB", "industry"),  # a move, dated 2022
                 (2, 2020, "A", "US", "academia"), (2, 2021, "A", "US", "academia", "w9"), (2, 2021, "C", "US", "industry", "w9"),
                 (2, 2022, "C", "US", "industry"),  # adds C (on one paper with A), then drops A: no move
                 (3, 2020, "A", "US", "academia"), (3, 2020, "B", "GB", "industry")])  # one name, two places, one year
    moved = market.moves(r)
    assert moved[["person", "year", "from_institution", "to_institution"]].values.tolist() == [[1, 2022, "A", "B"]]
    assert list(market.ambiguous_people(r)) == [3]
    assert market.ambiguous_people(records([(3, 2020, "A", "US", "academia"), (3, 2020, "B", "GB", "industry")],
                                           by_id=True)).size == 0


def test_the_flow_matrix_equals_a_hand_count_in_duckdb(built_in):
    research, _ = built_in
    moved = market.moves(research)
    matrix = market.flow_matrix(moved, "sector", min_group=1)
    hand = duckdb.sql("select from_sector, to_sector, count(distinct person) as n from moved group by all").df()
    for row in hand.itertuples():
        assert matrix.loc[row.from_sector, row.to_sector] == row.n
    print("\nsector to sector:\n" + matrix.to_string())
    assert matrix.loc["academia", "industry"] > matrix.loc["industry", "academia"]  # the planted drift


def test_a_flow_of_one_person_is_hidden_and_no_row_or_column_total_gives_it_back():
    people = iter(range(1000))
    rows = []
    for a, b, k in (("US", "GB", 1), ("US", "US", 12), ("US", "CN", 9), ("GB", "US", 7), ("GB", "GB", 8),
                    ("CN", "US", 6), ("CN", "CN", 11), ("GB", "CN", 5), ("CN", "GB", 6)):
        for _ in range(k):
            p = next(people)
            rows += [(p, 2020, f"{a} lab", a, "academia", f"w{p}a"), (p, 2021, f"{b} lab 2", b, "industry", f"w{p}b")]
    moved = market.moves(records(rows))
    matrix = market.flow_matrix(moved, "country")
    assert pd.isna(matrix.loc["US", "GB"])  # the one person
    assert matrix.isna().sum(axis=1).loc["US"] >= 2 and matrix.isna().sum(axis=0).loc["GB"] >= 2
    gains = market.net_gain(moved, "country").set_index("country")  # row and column totals, published
    out_us = gains.loc["US", "out"] - matrix.loc["US"].sum(skipna=True)
    in_gb = gains.loc["GB", "in"] - matrix["GB"].sum(skipna=True)
    assert out_us >= 2 * 1 and out_us != 1 and in_gb != 1  # the totals leave at least two cells unknown


def test_an_unknown_country_stays_unknown_in_every_table(built_in):
    research, truth = built_in
    given = set(truth.countries["institution"])
    unplaced = set(truth.institutions["name"]) - given
    countries = research.records.drop_duplicates("institution").set_index("institution")["country"]
    assert (countries[countries.index.isin(unplaced)] == "unknown").all()
    table = market.talent_by(research, "country")
    assert "unknown" in set(table["country"])


def test_shares_counts_and_growth_equal_hand_counts_and_scipys_intervals(built_in):
    research, _ = built_in
    r = research.records  # noqa: F841 -- read by name in the SQL below (DuckDB scans local frames)
    year = market.latest_year(research)
    table = market.talent_by(research, "institution", year, max_levels=1000, min_group=1).set_index("institution")
    hand = duckdb.sql(f"select institution, count(distinct person) as k from r where year = {year} group by all").df()
    total = duckdb.sql(f"select count(distinct person) from r where year = {year}").fetchall()[0][0]
    for row in hand.itertuples():
        assert table.loc[row.institution, "people"] == row.k
        assert table.loc[row.institution, "share"] == pytest.approx(row.k / total)
    ours = table.loc[synthmarket.COMPANY]
    k = int(ours["people"])
    assert ours["people_lo"] == pytest.approx(stats.gamma.ppf(0.025, k))  # Garwood, by the gamma law
    assert ours["people_hi"] == pytest.approx(stats.gamma.ppf(0.975, k + 1))
    ci = stats.binomtest(k, total).proportion_ci(0.95, method="wilson")
    assert (ours["share_lo"], ours["share_hi"]) == pytest.approx((ci.low, ci.high))
    growth = market.growth(research, "sector").set_index("sector").loc["industry"]
    first, last = int(growth["first"]), int(growth["last"])
    ci = stats.binomtest(last, first + last).proportion_ci(0.95, method="wilson")
    assert growth["growth"] == pytest.approx(last / first)
    assert (growth["growth_lo"], growth["growth_hi"]) == pytest.approx((ci.low / (1 - ci.low), ci.high / (1 - ci.high)))


def test_the_companys_share_and_rank_equal_hand_counts(built_in):
    research, _ = built_in
    r = research.records  # noqa: F841 -- read by name in the SQL below (DuckDB scans local frames)
    table = market.standing(research, "lumen ai", ["Helix Inc."], resamples=50)
    ours = table[table["institution"] == synthmarket.COMPANY].set_index("year")
    hand = duckdb.sql(f"""
        with per as (select year, institution, count(distinct person) as k from r group by all),
             total as (select year, count(distinct person) as n from r group by all)
        select p.year, p.k, t.n, (select count(*) from per q where q.year = p.year and q.k > p.k) + 1 as rank
        from per p join total t using (year) where p.institution = '{synthmarket.COMPANY}' order by p.year""").df()
    for row in hand.itertuples():
        assert ours.loc[row.year, "people"] == row.k and ours.loc[row.year, "rank"] == row.rank
        assert ours.loc[row.year, "share"] == pytest.approx(row.k / row.n)
        assert ours.loc[row.year, "rank_lo"] <= row.rank <= ours.loc[row.year, "rank_hi"]
    assert ours["share"].iloc[-1] > ours["share"].iloc[0]  # the planted pull towards the company


def test_the_net_gains_interval_is_the_conditional_binomials(built_in):
    research, _ = built_in
    gains = market.net_gain(market.moves(research), "country").set_index("country").loc["US"]
    i, o = int(gains["in"]), int(gains["out"])
    ci = stats.binomtest(i, i + o).proportion_ci(0.95, method="wilson")
    assert gains["net"] == i - o
    assert (gains["net_lo"], gains["net_hi"]) == pytest.approx(((i + o) * (2 * ci.low - 1), (i + o) * (2 * ci.high - 1)))


def test_tie_weights_equal_networkxs_collaboration_projection(built_in):
    research, _ = built_in
    ties = market.institution_ties(research, min_group=1)
    r = research.records[["work", "institution"]].drop_duplicates()
    bipartite = nx.Graph()
    bipartite.add_nodes_from(r["institution"].unique(), side=0)
    bipartite.add_edges_from(zip(r["institution"], "work:" + r["work"]))
    projected = nx.bipartite.collaboration_weighted_projected_graph(bipartite, list(r["institution"].unique()))
    assert len(ties) == projected.number_of_edges()
    for row in ties.sample(200, random_state=0).itertuples():
        assert row.weight == pytest.approx(projected[row.a][row.b]["weight"])


def test_an_institution_of_few_researchers_is_hidden_everywhere():
    rows = [(p, 2022, "Big U", "US", "academia", f"w{p}") for p in range(20)]
    rows += [(100 + p, 2022, "Tiny Lab", "US", "industry", f"w{p}") for p in range(2)]  # two, on Big U's papers
    rows += [(200 + p, 2022, "Mid U", "GB", "academia", f"w{p}") for p in range(8)]
    r = records(rows)
    table = market.talent_by(r, "institution").set_index("institution")
    assert pd.isna(table.loc["Tiny Lab", "people"]) and privacy.marked_min_group(table) == 5
    ties = market.institution_ties(r)
    assert "Tiny Lab" not in set(ties["a"]) | set(ties["b"])
    assert not market.institution_network(r, ties).empty


def test_partners_hide_a_flow_of_a_few_people_to_the_company():
    rows = []
    for p in range(30):  # 30 researchers at U1; 8 of them move: 6 to industry (2 of them to us), 2 to U2
        rows.append((p, 2020, "U1 University", "US", "academia", f"a{p}"))
        if p < 8:
            to = "Our AI" if p < 2 else ("Other AI" if p < 6 else "U2 University")
            rows.append((p, 2021, to, "US", "industry" if "AI" in to else "academia", f"b{p}"))
    rows += [(100 + p, 2020, "Our AI", "US", "industry", f"c{p}") for p in range(10)]
    rows += [(200 + p, 2020, "U2 University", "US", "academia", f"d{p}") for p in range(10)]
    r = records(rows)
    table = market.partners(r, market.moves(r), "Our AI").set_index("institution").loc["U1 University"]
    assert table["to_us"] == "fewer than 5" and table["movers"] == 8
    ci = stats.binomtest(6, 8).proportion_ci(0.95, method="wilson")
    assert (table["to_industry_lo"], table["to_industry_hi"]) == pytest.approx((ci.low, ci.high))


def test_a_name_not_among_the_institutions_says_the_closest(built_in):
    research, _ = built_in
    assert market.resolve_name(research, "LUMEN AI") == synthmarket.COMPANY
    with pytest.raises(Exception, match="closest: Lumen AI"):
        market.resolve_name(research, "Lumen A")


def test_concentration_is_the_top_ten_share_and_the_hhi_of_institution_shares(built_in):
    research, _ = built_in
    year = market.latest_year(research)
    pairs = research.records[research.records["year"] == year][["person", "institution"]].drop_duplicates()
    shares = pairs["institution"].value_counts(normalize=True)
    table = market.concentration(research, year, resamples=50).set_index("measure")
    assert table.loc["top-10 share", "value"] == pytest.approx(shares.head(10).sum())
    assert table.loc["HHI", "value"] == pytest.approx((shares ** 2).sum())
    assert table.loc["HHI", "lo"] <= table.loc["HHI", "value"] <= table.loc["HHI", "hi"]


@pytest.mark.slow
def test_08_on_a_real_roster_runs_says_what_a_roster_lacks_and_lists_no_one(tmp_path):
    """The ISCA program committees (tests/data/isca/SOURCE.md) through notebook 08: its
    sections run, the network says a roster has no works, and no member's name reaches any
    file the run writes."""
    import json
    from pathlib import Path

    from talentkit.runs import runner

    isca = Path(__file__).parent / "data" / "isca"
    run_file = tmp_path / "isca.yaml"
    run_file.write_text(f"run: isca\ndefaults: {{data: 'synthetic:small'}}\njobs:\n"
                        f"  - notebook: {Path(__file__).parents[1] / 'notebooks' / '08_talent_market.ipynb'}\n"
                        f"    params: {{research: '{isca / 'research.yaml'}', our_institution: Google, "
                        f"competitors: [NVIDIA, Microsoft]}}\n", encoding="utf-8")
    code, run_dir = runner.execute_run(run_file, out_root=tmp_path / "out", progress=False)
    assert code == 0
    report = (run_dir / "08_talent_market" / "report.html").read_text(encoding="utf-8")
    assert "The institution network: skipped, this data lacks a work column" in report
    results = json.loads((run_dir / "08_talent_market" / "results.json").read_text(encoding="utf-8"))
    top = pd.DataFrame(results["institutions"]["rows"], columns=results["institutions"]["columns"])
    print("\n" + top[["institution", "rank", "people", "share"]].head(10).to_string())
    direct = market.talent_by(read_research(isca / "research.yaml"), "institution", 2023).head(10)
    assert top["institution"].head(10).tolist() == direct["institution"].tolist()
    assert top["people"].head(10).fillna(-1).tolist() == direct["people"].fillna(-1).tolist()
    names = set(pd.read_csv(isca / "committees.csv", keep_default_na=False)["name"].str.split("\t").str[0])
    found = [(f.name, n) for f in (tmp_path / "out").rglob("*") if f.is_file()
             for text in [f.read_bytes().decode("utf-8", errors="replace")] for n in names if n in text]
    assert not found, found[:5]
    aliases = pd.read_csv(run_dir / "08_talent_market" / "aliases.csv")
    assert list(aliases.columns) == ["string", "institution", "rule"]
    assert aliases.set_index("string").loc["CMU", "institution"] == "Carnegie Mellon University"


def test_partners_set_the_companys_hires_beside_where_the_talent_is(built_in):
    import talentkit as tk

    research, _ = built_in
    ds = tk.load("synthetic")
    hires = market.resolve_hires(research, ds.candidates)
    table = market.partners(research, market.moves(research), synthmarket.COMPANY, hires=hires, top=60)
    hired = ds.candidates[ds.candidates["reached"] == "hired"]["institution"].value_counts()
    shown = table[table["hired"].map(lambda v: isinstance(v, (int, float)))].set_index("institution")["hired"]
    assert len(shown) >= 5
    for name, count in shown.items():
        assert count == hired.get(name, 0), name
    few = table[table["hired"] == "fewer than 5"]["institution"]
    assert all(0 < hired.get(name, 0) < 5 for name in few)
    assert market.resolve_hires(research, ds.candidates.drop(columns="institution")) is None
