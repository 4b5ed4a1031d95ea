"""The network measures on small hand-built graphs."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from talentkit import network
from talentkit.core import privacy as tk_privacy
from talentkit.data.datasets import Dataset

D = pd.Timestamp


def tiny_network() -> Dataset:
    """P1 (US) presents to A, B, C (US) and D (EU); P2 (EU) presents to D and C; one move C US->EU later."""
    ids = ["P1", "P2", "A", "B", "C", "D"]
    people = pd.DataFrame({"employee_id": ids, "hire_date": D("2020-01-01"), "exit_date": pd.NaT,
                           "region": ["US", "EU", "US", "US", "EU", "EU"], "team": ["T1", "T2", "T1", "T1", "T2", "T2"],
                           "origin": "local", "channel": "referral"})
    moves = pd.DataFrame({"employee_id": ["C"], "date": [D("2024-09-01")], "from_region": ["US"], "to_region": ["EU"],
                          "from_team": ["T1"], "to_team": ["T2"], "kind": ["rotation"]})
    sessions = pd.DataFrame({"session_id": ["S1", "S2", "S3"], "date": [D("2024-02-01"), D("2024-03-01"), D("2024-04-01")],
                             "presenter_id": ["P1", "P1", "P2"], "region": ["US", "US", "EU"],
                             "topic": ["NLP", "NLP", "CV"], "recorded": [True, True, False]})
    attendance = pd.DataFrame({"session_id": ["S1", "S1", "S1", "S2", "S2", "S3", "S3"],
                               "employee_id": ["A", "B", "C", "A", "D", "D", "C"]})
    return Dataset(people=people, moves=moves, sessions=sessions, attendance=attendance, as_of=D("2024-12-31"))


def test_flows_and_cross_unit_share_by_hand():
    ds = tiny_network()
    f = network.attendance_flows(ds, "2024-01-01", "2024-12-31")
    # C was in the US until September: S1 (P1->C) is US->US, S3 (P2->C) is EU->US
    m = network.flow_matrix(f, min_group=1)  # the raw counts: nothing under 1 to hide
    assert m.loc["US", "US"] == 4 and m.loc["US", "EU"] == 1 and m.loc["EU", "EU"] == 1 and m.loc["EU", "US"] == 1
    hidden = network.flow_matrix(f, min_group=2)  # cells of 1 hidden, with complements by rows and columns
    assert hidden.isna().to_numpy().tolist() == [[True, True], [True, True]]
    assert tk_privacy.marked_min_group(hidden) == 2
    assert network.cross_unit_share(f) == pytest.approx(2 / 7)
    g = network.person_graph(f)
    assert g["P1"]["A"]["weight"] == 2 and g["P2"]["D"]["weight"] == 1
    u = network.unit_graph(ds, f, "region", "2024-01-01", "2024-12-31", min_group=1)
    assert u["US"]["EU"]["moves"] == 1 and u["US"]["EU"]["weight"] == 1
    # a unit of fewer than min_group people in the flows is absent from the graph and the matrix
    people = {u: len(set(f.loc[f["from_unit"] == u, "presenter_id"]) | set(f.loc[f["to_unit"] == u, "employee_id"]))
              for u in ("US", "EU")}
    small = [u for u, n in people.items() if n < 4]
    assert small and not set(small) & set(network.unit_graph(ds, f, "region", min_group=4).nodes)
    assert not set(small) & (set(network.flow_matrix(f, min_group=4).index) | set(network.flow_matrix(f, 4).columns))


def test_brokers_equal_networkx_on_the_same_graph():
    ds = tiny_network()
    g = network.person_graph(network.attendance_flows(ds))
    expected = nx.Graph()
    expected.add_weighted_edges_from([("P1", "A", 2), ("P1", "B", 1), ("P1", "C", 1), ("P1", "D", 1),
                                      ("P2", "D", 1), ("P2", "C", 1)])
    b = network.brokers(g).set_index("person")
    between = nx.betweenness_centrality(expected)
    constraint = nx.constraint(expected, weight="weight")
    for person in expected.nodes:
        assert b.loc[person, "betweenness"] == pytest.approx(between[person], abs=1e-12)
        assert b.loc[person, "constraint"] == pytest.approx(constraint[person], abs=1e-12)
    assert b["betweenness"].idxmax() == "P1"


def test_removing_a_key_person_lowers_reach_by_their_sole_reach():
    ds = tiny_network()
    f = network.attendance_flows(ds)
    g = network.person_graph(f)
    found = network.key_person_risk(g, f, top_k=2)
    risk = found.table
    p1 = risk.set_index("person").loc["P1"]
    assert (p1["flow"], p1["reach"], p1["sole_reach"]) == (5, 4, 2)  # A and B hear only P1
    assert found.top_k_share == 1.0 and found.flow == 7
    before = sum(1 for n in g if g.in_degree(n) > 0)
    assert before == 4
    assert network.reach_after_removal(g, "P1") == before - p1["sole_reach"]
    assert network.reach_after_removal(g, "P2") == before - risk.set_index("person").loc["P2", "sole_reach"]
    assert p1["flow_by_topic"] == {"NLP": 5}


def test_people_shown_only_as_pseudonyms_and_above_min_group():
    ds = tiny_network()
    b = network.brokers(network.person_graph(network.attendance_flows(ds)))
    shown = network.shown_people(b, ds, "region", min_group=3)
    assert set(shown["person"]).isdisjoint(set(ds.people["employee_id"]))
    assert len(shown) == 1 and shown.loc[0, "region"] == "US"  # only P1 has 3+ contacts


def test_trend_by_year_on_synthetic():
    import talentkit as tk

    ds = tk.load("synthetic:small")
    t = network.trend(ds)
    assert t["year"].tolist() == sorted(t["year"].tolist()) and len(t) == 5
    f = network.attendance_flows(ds, "2023-01-01", "2023-12-31")
    row = t.set_index("year").loc[2023]
    assert row["cross_unit_share"] == pytest.approx(network.cross_unit_share(f))


def test_effective_size_equals_networkx_burt_definition_node_by_node():
    """The sparse all-nodes form against networkx's per-node form (Burt's definition), on a
    weighted graph with hubs, a pendant and an isolated node."""
    import numpy as np

    rng = np.random.default_rng(4)
    g = nx.gnm_random_graph(300, 1200, seed=4)
    for a, b in g.edges:
        g[a][b]["weight"] = int(rng.integers(1, 5))
    g.add_edges_from([(0, n, {"weight": 2}) for n in range(1, 120)])  # a hub
    g.add_node("alone")
    ours = network.effective_size(g)
    theirs = nx.effective_size(g, nodes=list(g), weight="weight")
    assert np.isnan(ours["alone"]) and np.isnan(theirs["alone"])
    assert max(abs(ours[n] - theirs[n]) for n in g if n != "alone") < 1e-9
