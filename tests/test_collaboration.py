"""Collaboration networks (interactions and participants): every figure against networkx,
scikit-learn or a hand count on graphs small enough to check by eye."""

from __future__ import annotations

import hashlib
import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from networkx.algorithms import bipartite
from sklearn.metrics import adjusted_rand_score

import talentkit as tk
from talentkit import collaboration, coverage, network
from talentkit.core.errors import DataError, ParameterError

SALT = "test-salt"


def _folder(tmp_path, people: pd.DataFrame, files: dict[str, pd.DataFrame | str], mapping: str | None = None):
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    people.to_csv(folder / "people.csv", index=False)
    for name, frame in files.items():
        if isinstance(frame, str):
            (folder / name).write_text(frame, encoding="utf-8")
        else:
            frame.to_csv(folder / name, index=False)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return folder


def _people(units: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"employee_id": list(units), "hire_date": "2020-01-01", "team": list(units.values()),
                         "region": "EU"})


def two_teams():
    """Two teams of six, each a clique, joined by one tie A5-B0; plus a self-tie and two ties
    with an external person X."""
    units = {f"A{i}": "Alpha" for i in range(6)} | {f"B{i}": "Beta" for i in range(6)}
    rows = [(f"{t}{i}", f"{t}{j}", 1 + (i + j) % 3) for t in "AB" for i, j in itertools.combinations(range(6), 2)]
    rows += [("A5", "B0", 2), ("A1", "A1", 4), ("A2", "X9", 3), ("X9", "B3", 1)]
    edges = pd.DataFrame(rows, columns=["sender_id", "recipient_id", "weight"])
    edges["date"] = "2025-03-01"
    return units, edges


def test_cross_unit_share_brokers_and_counts_on_a_hand_made_graph(tmp_path):
    units, edges = two_teams()
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges}))
    c = collaboration.collaboration(ds, unit="team")
    # counted as stated: one self-tie, two records with the one external person
    assert c.counts["self_ties"] == 1
    assert (c.counts["external_rows"], c.counts["external_people"], c.counts["external_weight"]) == (2, 1, 4.0)
    internal = edges[(edges.sender_id != edges.recipient_id) & ~edges.sender_id.str.startswith("X")
                     & ~edges.recipient_id.str.startswith("X")]
    cross = internal[internal.sender_id.str[0] != internal.recipient_id.str[0]]["weight"].sum()
    assert collaboration.cross_unit_share(c) == pytest.approx(cross / internal["weight"].sum())
    g = nx.Graph()
    for a, b, w in internal[["sender_id", "recipient_id", "weight"]].itertuples(index=False):
        g.add_edge(a, b, weight=g[a][b]["weight"] + w if g.has_edge(a, b) else w)
    m = network.graph_measures(c.edges, k=None).set_index("person")
    between, constraint = nx.betweenness_centrality(g), nx.constraint(g, weight="weight")
    for person in g:
        assert m.loc[person, "betweenness"] == pytest.approx(between[person], abs=1e-12)
        assert m.loc[person, "constraint"] == pytest.approx(constraint[person], abs=1e-12)
        assert m.loc[person, "effective_size"] == pytest.approx(nx.effective_size(g, [person], weight="weight")[person])
        assert m.loc[person, "degree"] == g.degree(person)
    # the bridge A5-B0 carries every path between the teams: when A5 leaves, the largest group
    # left is B's six, and A's other five are cut off from it (B0 likewise); their contacts all
    # have other ties
    risk = collaboration.departures(c, ds, top_k=2, min_group=1)
    assert risk.giant == 12
    assert risk.table["cut_off"].tolist() == [5, 5]
    total = internal["weight"].sum()
    at_a5 = internal.loc[(internal.sender_id == "A5") | (internal.recipient_id == "A5"), "weight"].sum()
    either = internal.loc[internal.sender_id.isin(["A5", "B0"]) | internal.recipient_id.isin(["A5", "B0"]), "weight"].sum()
    shares = dict(zip(risk.table["team"], risk.table["weight_share"]))
    assert shares["Alpha"] == pytest.approx(at_a5 / total)  # A5's ties, the bridge among them
    assert risk.top_k_share == pytest.approx(either / total)  # the bridge counted once
    assert risk.table["sole_contacts"].tolist() == [0, 0]


def test_communities_against_units_equal_a_hand_computation(tmp_path):
    units, edges = two_teams()
    units = dict(units, B5="Alpha")  # one person filed in the wrong team
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges}))
    c = collaboration.collaboration(ds, unit="team")
    uc = collaboration.communities_vs_units(c, min_group=1)
    assert uc.communities == 2  # the two cliques
    labels, _ = network.louvain(c.edges)
    clique = {p: p[0] for p in c.edges.nodes}
    assert adjusted_rand_score([clique[p] for p in c.edges.nodes], labels) == pytest.approx(1.0)
    expected = adjusted_rand_score([units[p] for p in c.edges.nodes], [clique[p] for p in c.edges.nodes])
    assert uc.ari == pytest.approx(expected)
    g = nx.Graph()
    for a, b, w in zip(c.edges.a, c.edges.b, c.edges.weight):
        g.add_edge(c.edges.nodes[a], c.edges.nodes[b], weight=w)
    parts = [set(c.edges.nodes[labels == k]) for k in np.unique(labels)]
    assert uc.modularity == pytest.approx(nx.community.modularity(g, parts, weight="weight"))
    alpha = uc.table.set_index("team").loc["Alpha"]
    assert alpha["n"] == 7 and alpha["share_in_largest"] == pytest.approx(6 / 7)


def test_meeting_ties_are_newmans_weights_as_networkx_projects_them(tmp_path):
    rows = [("M1", p) for p in ("A0", "A1", "A2", "B0")] + [("M2", p) for p in ("A0", "B0")] + \
        [("M3", p) for p in ("A1", "A2", "B1", "B2", "B3")] + [("M4", "A0")] + [("M1", "A0")]  # a repeated row
    participants = pd.DataFrame(rows, columns=["event_id", "employee_id"])
    ties = collaboration.meeting_ties(participants)
    b = nx.Graph()
    b.add_edges_from(("event:" + e, p) for e, p in rows)
    projected = bipartite.collaboration_weighted_projected_graph(b, sorted({p for _, p in rows}))
    mine = ties.groupby(["sender_id", "recipient_id"])["weight"].sum()
    assert len(mine) == projected.number_of_edges()
    for (a, bb), w in mine.items():
        assert w == pytest.approx(projected[a][bb]["weight"])
    units = {p: "Alpha" if p[0] == "A" else "Beta" for _, p in rows}
    ds = tk.load(_folder(tmp_path, _people(units), {"participants.csv": participants}))
    c = collaboration.collaboration(ds, unit="team")
    assert c.counts["events"] == 4 and not c.directed
    assert float(c.edges.weight.sum()) == pytest.approx(sum(w for *_, w in projected.edges(data="weight")))


def test_a_survey_matrix_and_an_edge_list_of_the_same_ties_give_the_same_figures(tmp_path):
    units, edges = two_teams()
    internal = edges[~edges.sender_id.str.startswith("X") & ~edges.recipient_id.str.startswith("X")
                     & (edges.sender_id != edges.recipient_id)]
    ids = list(units)
    square = internal.pivot_table(index="sender_id", columns="recipient_id", values="weight", aggfunc="sum").reindex(
        index=ids, columns=ids)
    text = square.map(lambda v: "" if pd.isna(v) else f"{v:g}")
    text.index.name = "Respondent"
    listed = internal.rename(columns={"sender_id": "From", "recipient_id": "To", "weight": "How often"})[
        ["From", "To", "How often"]]
    by_list = tk.load(_folder(tmp_path / "a", _people(units), {"advice.csv": listed},
                              "files: {interactions: advice.csv}\ncolumns:\n  interactions: {From: sender_id, To: "
                              "recipient_id, How often: weight}\ninteractions: {channel: 'survey:advice'}\n"),
                      mapping=tmp_path / "a" / "data" / "mapping.yaml")
    by_matrix = tk.load(_folder(tmp_path / "b", _people(units), {"advice.csv": text.reset_index()},
                                "files: {interactions: advice.csv}\ninteractions: {matrix: true, channel: "
                                "'survey:advice'}\n"), mapping=tmp_path / "b" / "data" / "mapping.yaml")
    assert set(by_matrix.interactions["channel"]) == {"survey:advice"}
    figures = []
    for ds in (by_list, by_matrix):  # every table and number section 6-10 of 05 shows
        c = collaboration.collaboration(ds, unit="team")
        comm = collaboration.communities_vs_units(c, min_group=1)
        risk = collaboration.departures(c, ds, top_k=3, min_group=1)
        figures.append((collaboration.cross_unit_share(c), collaboration.unit_matrix(c, min_group=1).to_dict(),
                        collaboration.unit_mixing(c, min_group=1).to_dict(), collaboration.silos(c, 1).disconnected,
                        network.graph_measures(c.edges).sort_values("person").round(12).to_dict("list"),
                        (comm.communities, comm.ari, comm.nmi, comm.table.to_dict()), collaboration.reciprocity(c),
                        risk.table.to_dict(), collaboration.by_quarter(ds, "team", min_group=1)))
    assert figures[0] == figures[1]
    assert figures[0][-1] is None  # a survey has no dates: no quarters, in either form


def test_a_matrix_cell_that_is_not_a_number_names_its_row_and_column(tmp_path):
    units = {"A0": "Alpha", "A1": "Alpha"}
    matrix = "Respondent,A0,A1\nA0,,2\nA1,often,\n"
    folder = _folder(tmp_path, _people(units), {"interactions.csv": matrix}, "interactions: {matrix: true}\n")
    with pytest.raises(DataError) as err:
        tk.load(folder, mapping=folder / "mapping.yaml")
    problem = err.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "A0", "often")
    assert "not a number" in problem.what


def test_a_negative_weight_names_its_row(tmp_path):
    units, edges = two_teams()
    edges.loc[3, "weight"] = -2
    with pytest.raises(DataError) as err:
        tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges}))
    problem = err.value.problems[0]
    assert (problem.file, problem.row, problem.column, problem.value) == ("interactions.csv", 5, "weight", "-2")


def test_privacy_small_cells_units_and_pseudonyms(tmp_path):
    units, edges = two_teams()
    units = dict(units, **{f"C{i}": "Gamma" for i in range(3)})  # a team of three
    units = dict(units, **{f"D{i}": "Delta" for i in range(6)})  # a third team of six, each tied to Alpha
    delta = [(f"D{i}", f"D{j}", 2) for i, j in itertools.combinations(range(6), 2)] + [(f"D{i}", f"A{i}", 1)
                                                                                        for i in range(6)]
    edges = pd.concat([edges, pd.DataFrame({"sender_id": ["C0", "C1", "C2"], "recipient_id": ["C1", "C2", "A0"],
                                            "weight": [5, 5, 1], "date": "2025-03-01"}),
                       pd.DataFrame(delta, columns=["sender_id", "recipient_id", "weight"]).assign(date="2025-03-01")])
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges}))
    c = collaboration.collaboration(ds, unit="team")
    matrix = collaboration.unit_matrix(c, min_group=5)
    # a team of 3 is absent from the rows and the columns, not a row of its people's ties read "<5"
    assert "Gamma" not in matrix.index and "Gamma" not in matrix.columns
    big = ["Alpha", "Beta", "Delta"]
    between = c.rows[c.rows["from_unit"].isin(big) & c.rows["to_unit"].isin(big)]
    by_hand = between.pivot_table(index="from_unit", columns="to_unit", values="weight", aggfunc="sum",
                                  fill_value=0).reindex(index=matrix.index, columns=matrix.columns, fill_value=0)
    shown = matrix.notna()
    assert shown.to_numpy().any() and (matrix[shown] == by_hand[shown]).to_numpy()[shown.to_numpy()].all()
    mixing = collaboration.unit_mixing(c, min_group=5).set_index("team")
    assert "Gamma" not in mixing.index  # nor is its tie to Alpha in Alpha's weight: no subtraction gives it
    assert mixing["tie_weight"].sum() == pytest.approx(2 * between["weight"].sum())
    brokers = collaboration.top_brokers(c, ds, min_group=5)
    assert (brokers["degree"] >= 5).all()
    shown = set(collaboration.top_brokers(c, ds, min_group=1)["person"])
    bare = {f(p.encode()).hexdigest()[:10] for p in units for f in (hashlib.sha256, hashlib.md5, hashlib.sha1)}
    assert all(p.startswith("P-") and p[2:] not in bare and p not in units for p in shown)


def test_min_tie_weight_leaves_out_light_pairs_and_says_how_much(tmp_path):
    units, edges = two_teams()
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges}))
    c = collaboration.collaboration(ds, unit="team", min_tie_weight=2)
    everything = collaboration.collaboration(ds, unit="team")
    light = everything.edges.weight < 2
    assert c.counts["pairs_below"] == int(light.sum()) and c.counts["weight_below"] == everything.edges.weight[light].sum()
    assert len(c.edges.a) == int((~light).sum()) and (c.edges.weight >= 2).all()
    assert c.rows["weight"].sum() == pytest.approx(everything.edges.weight[~light].sum())


def test_filters_that_leave_no_tie_are_refused_with_what_the_data_has(tmp_path):
    units, edges = two_teams()
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": edges.assign(channel="email")}))
    with pytest.raises(ParameterError, match="the data's channels are email"):
        collaboration.collaboration(ds, channels="chat")
    with pytest.raises(ParameterError, match="the ties run from 2025-03-01 to 2025-03-01"):
        collaboration.collaboration(ds, "2024-01-01", "2024-12-31")
    with pytest.raises(ParameterError, match="leaves out every pair"):
        collaboration.collaboration(ds, min_tie_weight=100)


def test_by_quarter_hides_small_quarters_and_counts_reciprocity(tmp_path):
    units, edges = two_teams()
    edges = edges[~edges.recipient_id.str.startswith("X") & ~edges.sender_id.str.startswith("X")]
    later = edges.assign(date="2025-05-01", weight=edges["weight"] + 1)  # the same twelve people again
    late = pd.DataFrame({"sender_id": ["A1", "A2"], "recipient_id": ["A2", "A1"], "weight": 1, "date": "2025-11-02"})
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": pd.concat([edges, later, late])}))
    q = collaboration.by_quarter(ds, "team", min_group=5).set_index("quarter")
    assert q.loc["2025Q4", "suppressed"]  # two people
    assert q["suppressed"].sum() == 2  # and one complement, so the other two quarters' sum gives nothing away
    shown = q[~q["suppressed"]].iloc[0]
    assert shown["n"] == 12
    d = nx.DiGraph()
    d.add_edges_from(zip(edges.sender_id, edges.recipient_id))
    d.remove_edges_from(nx.selfloop_edges(d))
    assert shown["reciprocity"] == pytest.approx(nx.overall_reciprocity(d))


def test_network_source_chooses_the_sections():
    ds = tk.load("synthetic:small")
    assert ds.interactions is not None and collaboration.check_source("auto", ds) == "both"
    needs = coverage.SECTIONS["05.collaboration"].needs
    assert coverage.missing(ds, needs, {"network_source": "sessions", "unit": "region"}) == [
        "network_source:interactions"]
    assert not coverage.missing(ds, coverage.SECTIONS["05.collaboration"].needs, {"network_source": "both", "unit": "region"})
    assert "network_source leaves out the interactions" in coverage.skip_note(
        "05.collaboration", ["network_source:interactions"], ds)
    with pytest.raises(ParameterError, match="network_source must be one of"):
        collaboration.check_source("email", ds)


def test_the_built_in_interactions_leave_every_other_table_as_it_was():
    from talentkit.data import synth

    tables = synth.generate("small")
    assert set(tables) == set(BEFORE_INTERACTIONS) | {"interactions"}
    digests = {name: hashlib.sha256(pd.util.hash_pandas_object(tables[name]).to_numpy().tobytes()).hexdigest()[:16]
               for name in BEFORE_INTERACTIONS}
    assert digests == BEFORE_INTERACTIONS


# the small company's tables as drawn before it had interactions (commit cb9289f), by content hash
BEFORE_INTERACTIONS = {"people": "b89fa8b989d97270", "moves": "0b65ce7dd63f121a", "sessions": "aa057770e03bc5ed",
                       "attendance": "8c5302fdb5619276", "candidates": "9d45c03d60c8ca41", "texts": "cbc921884aeb2177"}


def test_zacharys_karate_club_loaded_by_a_mapping_alone(tmp_path):
    """A real collaboration network: Zachary's (1977) karate club, 34 members, 78 ties weighted by
    the contexts in which two members met, and the faction each joined after the split."""
    g = nx.karate_club_graph()
    members = pd.DataFrame({"Member": [f"M{n:02d}" for n in g], "Joined": "1970-01-01",
                            "Faction": [g.nodes[n]["club"] for n in g]})
    ties = pd.DataFrame([(f"M{a:02d}", f"M{b:02d}", w) for a, b, w in g.edges(data="weight")],
                        columns=["Member A", "Member B", "Contexts"])
    mapping = ("files: {people: members.csv, interactions: ties.csv}\ncolumns:\n  people: {Member: employee_id, Joined: "
               "hire_date, Faction: team}\n  interactions: {Member A: sender_id, Member B: recipient_id, Contexts: weight}\n"
               "interactions: {directed: false}\n")
    folder = tmp_path / "karate"
    folder.mkdir()
    members.to_csv(folder / "members.csv", index=False)
    ties.to_csv(folder / "ties.csv", index=False)
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    assert collaboration.period(ds) == (None, None, "all records (undated)")
    c = collaboration.collaboration(ds, unit="team")
    faction = {f"M{n:02d}": g.nodes[n]["club"] for n in g}
    cross = sum(w for a, b, w in g.edges(data="weight") if g.nodes[a]["club"] != g.nodes[b]["club"])
    assert collaboration.cross_unit_share(c) == pytest.approx(cross / g.size(weight="weight"))
    m = network.graph_measures(c.edges).set_index("person")
    between = nx.betweenness_centrality(g)
    assert all(m.loc[f"M{n:02d}", "betweenness"] == pytest.approx(between[n], abs=1e-12) for n in g)
    uc = collaboration.communities_vs_units(c, min_group=1)
    labels, _ = network.louvain(c.edges)
    assert uc.ari == pytest.approx(adjusted_rand_score([faction[p] for p in c.edges.nodes], labels))
    assert uc.ari > 0.3  # the communities follow the factions, loosely
    # the ties have no direction: each counts half each way, and reciprocity is not computed
    matrix = collaboration.unit_matrix(c, min_group=1)
    assert matrix.loc["Mr. Hi", "Officer"] == matrix.loc["Officer", "Mr. Hi"]
    assert matrix.to_numpy().sum() == pytest.approx(g.size(weight="weight"))
    assert np.isnan(collaboration.reciprocity(c))


def test_silos_are_the_pairs_of_units_with_no_tie(tmp_path):
    units, edges = two_teams()
    units = dict(units, **{f"C{i}": "Gamma" for i in range(5)})
    gamma = pd.DataFrame({"sender_id": [f"C{i}" for i in range(5)], "recipient_id": [f"C{(i + 1) % 5}" for i in range(5)],
                          "weight": 1, "date": "2025-03-01"})
    ds = tk.load(_folder(tmp_path, _people(units), {"interactions.csv": pd.concat([edges, gamma])}))
    s = collaboration.silos(collaboration.collaboration(ds, unit="team"), min_group=5)
    assert (s.pairs, s.disconnected) == (3, 2)  # Gamma meets neither Alpha nor Beta
    assert sorted(map(sorted, s.table[["team", "other team"]].to_numpy().tolist())) == [["Alpha", "Gamma"],
                                                                                      ["Beta", "Gamma"]]
    assert collaboration.silos(collaboration.collaboration(ds, unit="team"), min_group=6).table is None


def test_a_person_set_aside_leaves_the_interactions_and_meetings_too(tmp_path):
    units, edges = two_teams()
    people = _people(units)
    people.loc[people["employee_id"] == "A3", "hire_date"] = ""  # a bad row
    participants = pd.DataFrame({"event_id": ["M1"] * 3, "employee_id": ["A3", "B1", "B2"]})
    folder = _folder(tmp_path, people, {"interactions.csv": edges, "participants.csv": participants},
                     "bad_rows: set_aside\nmax_set_aside: 0.2\n")
    ds = tk.load(folder, mapping=folder / "mapping.yaml")
    assert "A3" not in set(ds.interactions["sender_id"]) | set(ds.interactions["recipient_id"])
    assert list(ds.participants["employee_id"]) == ["B1", "B2"]
    gone = ds.set_aside.counts()
    touching = int(((edges.sender_id == "A3") | (edges.recipient_id == "A3")).sum())
    assert gone["interactions"]["with a person set aside"] == touching
    assert gone["participants"]["with a person set aside"] == 1
