r"""The talent network as a graph (organisational network analysis, with networkx and igraph).

* **Person graph**: a directed edge presenter → attendee, weighted by the sessions the
  attendee heard from that presenter. Knowledge *flow* is that weight.
* **Unit graph**: the person graph aggregated to units (region or team, each person's unit
  on the session's day); edge weights are attendances, and internal moves between the
  units are kept beside them (``moves``).
* Brokers: betweenness centrality (Brandes 2001; estimated from ``SAMPLED_PIVOTS`` random
  pivots, seeded, above ``EXACT_UP_TO`` nodes; fewer on a very large graph: :func:`pivots_for`),
  Burt's constraint :math:`c_i = \sum_j (p_{ij} + \sum_q p_{iq}p_{qj})^2`
  and effective size (Burt 1992), on the undirected, weighted person graph
  (:func:`graph_measures`, which reads any :class:`EdgeList`: the collaboration graph too).
* Communities: Louvain (Blondel et al. 2008; igraph's, :func:`louvain`), compared with the
  formal teams by adjusted Rand index and normalized mutual information.
* Key-person risk: the share of flow that the top ``k`` presenters carry, and what the
  network loses if each leaves: their flow, and the people only they reached.

The measures run in igraph (C) and on scipy's sparse matrices; networkx holds the small
session graph and is the tests' independent reference.

People appear only as salted pseudonyms (:func:`talentkit.core.privacy.pseudonym`), and a person
is listed only when their figures rest on at least ``min_group`` others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .core.errors import DataError, Problem
from .core.privacy import (
    MIN_GROUP,
    SUPPRESSED,
    grouped,
    mark,
    pseudonym,
    suppress,
    suppress_matrix_values,
    units_of_enough_people,
)
from .core.stats import add_proportion
from .data.datasets import Dataset
from .data.timeline import GroupCoder, day_numbers, in_period

if TYPE_CHECKING:  # the annotations' names only: both are imported where used
    import igraph
    import scipy.sparse

EXACT_UP_TO = 1500  # nodes: exact betweenness up to here, sampled pivots above
SAMPLED_PIVOTS = 200  # error of a sampled betweenness ~ 1/sqrt(pivots): enough to rank brokers
PIVOT_WORK = 5_000_000  # pivots x edges a sampled betweenness may cost before it takes fewer pivots
MIN_PIVOTS = 50


def pivots_for(nodes: int, edges: int) -> int | None:
    r"""Pivots of a sampled betweenness: none (exact) up to ``EXACT_UP_TO`` nodes, else
    ``SAMPLED_PIVOTS``, fewer on a graph so large that they would cost more than
    ``PIVOT_WORK`` edge visits (each pivot is one breadth-first search over every edge), at
    least ``MIN_PIVOTS``. Brandes and Pich (2007): the estimate from :math:`k` pivots is
    unbiased, its relative error about :math:`1/\sqrt{k}` for the central nodes."""
    if nodes <= EXACT_UP_TO:
        return None
    return int(max(MIN_PIVOTS, min(SAMPLED_PIVOTS, PIVOT_WORK // max(edges, 1))))


def _require_sharing(ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sessions and attendance tables, or a :class:`DataError` naming the one missing."""
    if ds.sessions is None or ds.attendance is None:
        missing = " and ".join(n for n in ("sessions", "attendance") if getattr(ds, n) is None)
        raise DataError([Problem(str(ds.source), f"the network needs the {missing} table(s)",
                                 "add sessions.csv and attendance.csv (see the README's data contract)")],
                        str(ds.source))
    return ds.sessions, ds.attendance


def latest_year(ds: Dataset) -> int:
    """The latest calendar year with a session."""
    sessions, _ = _require_sharing(ds)
    return int(sessions["date"].dt.year.max())


def chosen_year(ds: Dataset, year: int = 0) -> int:
    """``year``, or the latest calendar year with a session when ``year`` is 0."""
    return int(year) if year else latest_year(ds)


def attendance_flows(ds: Dataset, start=None, end=None, unit: str = "region") -> pd.DataFrame:
    """One row per attendance in ``start`` .. ``end``: presenter, attendee, topic, year, and
    each one's ``unit`` on the session's day (``from_unit``, ``to_unit``)."""
    sessions, attendance = _require_sharing(ds)
    s = in_period(sessions, start, end)  # a session's date is required: none is undated
    cols = ["session_id", "date", "presenter_id"] + (["topic"] if "topic" in s.columns else [])
    a = attendance.merge(s[cols], on="session_id")
    a = a[a["presenter_id"] != a["employee_id"]]
    coder = GroupCoder(ds, [unit])
    days = day_numbers(a["date"])
    for side, col in (("from_unit", "presenter_id"), ("to_unit", "employee_id")):
        emp = coder.ids.get_indexer(a[col])
        a[side] = coder.labels(coder.at(emp, days))[unit].to_numpy()
    a["year"] = a["date"].dt.year
    return a.reset_index(drop=True)


def person_graph(f: pd.DataFrame) -> nx.DiGraph:
    """Presenter → attendee, ``weight`` = sessions heard (from :func:`attendance_flows`)."""
    w = f.groupby(["presenter_id", "employee_id"]).size()
    g = nx.DiGraph()
    g.add_weighted_edges_from((p, a, int(n)) for (p, a), n in w.items())
    return g


def _of_enough_people(f: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """The flows between units that each hold at least ``min_group`` of the people in ``f``
    (presenters and attendees): a unit of fewer is absent from every unit table and figure."""
    ends = pd.concat([f[["from_unit", "presenter_id"]].set_axis(["unit", "person"], axis=1),
                      f[["to_unit", "employee_id"]].set_axis(["unit", "person"], axis=1)])
    keep = units_of_enough_people(ends["unit"], ends["person"], min_group)
    return f[f["from_unit"].isin(keep) & f["to_unit"].isin(keep)]


def unit_graph(ds: Dataset, f: pd.DataFrame, unit: str = "region", start=None, end=None,
               min_group: int = MIN_GROUP) -> nx.DiGraph:
    """Units as nodes; ``weight`` = attendances from the presenter's unit to the attendee's,
    ``moves`` = internal moves between them in the period. Units of fewer than ``min_group``
    people in the flows are left out, with their moves."""
    f = _of_enough_people(f, min_group)
    kept = set(f["from_unit"]) | set(f["to_unit"])
    g = nx.DiGraph()
    for (u, v), n in f.groupby(["from_unit", "to_unit"]).size().items():
        g.add_edge(u, v, weight=int(n), moves=0)
    if ds.moves is not None and f"from_{unit}" in ds.moves.columns:
        m = in_period(ds.moves, start, end)  # a move's date is required
        for (u, v), n in m.groupby([f"from_{unit}", f"to_{unit}"]).size().items():
            if u == v or u not in kept or v not in kept:
                continue
            if not g.has_edge(u, v):
                g.add_edge(u, v, weight=0, moves=0)
            g[u][v]["moves"] = int(n)
    return g


@grouped
def flow_matrix(f: pd.DataFrame, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Attendances from each presenter unit (rows) to each attendee unit (columns); cells of 1
    to ``min_group - 1`` attendances are hidden (NaN), with their complements by rows and
    columns (:func:`talentkit.core.privacy.suppress_matrix`). A unit of fewer than ``min_group``
    people in the flows is absent from rows and columns alike."""
    f = _of_enough_people(f, min_group)
    counts = f.pivot_table(index="from_unit", columns="to_unit", values="session_id", aggfunc="size", fill_value=0)
    return suppress_matrix_values(counts, min_group)


def cross_unit_share(f: pd.DataFrame) -> float:
    r"""Share of knowledge flow that crosses units: :math:`\sum_{u \ne v} w_{uv} / \sum w_{uv}`."""
    return float((f["from_unit"] != f["to_unit"]).mean()) if len(f) else float("nan")


def brokers(g: nx.DiGraph, k: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Per person: betweenness (normalized; sampled with ``k`` pivots when the graph has more
    than ``EXACT_UP_TO`` nodes and ``k`` is not given), Burt's constraint, effective size and
    degree (distinct contacts), on the undirected graph with summed weights
    (:func:`graph_measures`)."""
    return graph_measures(EdgeList.from_graph(undirected(g)), k, seed)


@dataclass
class EdgeList:
    """An undirected weighted graph as arrays, the form every measure here reads: ``nodes``
    (ids, in order), ``a`` and ``b`` (positions in ``nodes``, ``a < b``, each pair once) and
    ``weight`` (summed over both directions and every row of the pair). Built from pairs in
    milliseconds where a networkx graph of a million edges takes seconds and gigabytes."""

    nodes: np.ndarray
    a: np.ndarray
    b: np.ndarray
    weight: np.ndarray

    @classmethod
    def from_pairs(cls, source, target, weight, nodes=None) -> "EdgeList":
        """Pairs of ids (either direction) with weights; self-pairs dropped, each pair summed.
        ``nodes``: every id to keep, isolated ones too (default: those in a pair)."""
        source, target = np.asarray(source, dtype=object), np.asarray(target, dtype=object)
        ids = pd.Index(pd.unique(np.concatenate([source, target])) if nodes is None else nodes)
        i, j = ids.get_indexer(source), ids.get_indexer(target)
        keep = (i != j) & (i >= 0) & (j >= 0)
        lo, hi = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
        pairs = pd.DataFrame({"a": lo, "b": hi, "w": np.asarray(weight, dtype=float)[keep]}).groupby(
            ["a", "b"], sort=True)["w"].sum()
        return cls(ids.to_numpy(dtype=object), pairs.index.get_level_values(0).to_numpy(),
                   pairs.index.get_level_values(1).to_numpy(), pairs.to_numpy())

    @classmethod
    def from_graph(cls, u: nx.Graph) -> "EdgeList":
        """A networkx graph's nodes and weighted edges (weight 1 where none is given)."""
        edges = list(u.edges(data="weight", default=1))
        return cls.from_pairs([e[0] for e in edges], [e[1] for e in edges], [e[2] for e in edges], nodes=list(u))

    def matrix(self) -> "scipy.sparse.csr_matrix":
        """The symmetric weighted adjacency matrix (scipy CSR)."""
        import scipy.sparse as sparse

        n = len(self.nodes)
        half = sparse.coo_matrix((self.weight, (self.a, self.b)), shape=(n, n))
        return (half + half.T).tocsr()

    def igraph(self) -> "igraph.Graph":
        """The graph in igraph (C; undirected, ``weight`` on each edge)."""
        import igraph as ig

        return ig.Graph(n=len(self.nodes), edges=np.column_stack([self.a, self.b]).tolist(),
                        edge_attrs={"weight": self.weight.tolist()})


def graph_measures(edges: EdgeList, k: int | None = None, seed: int = 0) -> pd.DataFrame:
    r"""Per node (``person``): betweenness, Burt's constraint, effective size and degree.

    Betweenness :math:`C_B(i) = \frac{2}{(n-1)(n-2)} \sum_{s<t} \sigma_{st}(i)/\sigma_{st}`
    (hops; Brandes 2001, igraph), normalized as networkx normalizes it; with ``k`` pivots
    :math:`S` (seeded) the sum over sources is :math:`\frac{n}{k}\sum_{s \in S}`, unbiased, error
    about :math:`1/\sqrt{k}` (Brandes and Pich 2007). ``k`` None: :func:`pivots_for` decides.
    Constraint and effective size: :func:`constraint` and :func:`effective_size` (Burt 1992),
    on the weights."""
    n = len(edges.nodes)
    if k is None:
        k = pivots_for(n, len(edges.a))
    between = np.zeros(n)
    if n > 2 and len(edges.a):
        h = edges.igraph()
        pivots = None if not k or k >= n else np.random.default_rng(seed).choice(n, int(k), replace=False).tolist()
        raw = np.asarray(h.betweenness(directed=False) if pivots is None else
                         h.betweenness(directed=False, sources=pivots), dtype=float)
        between = raw * (n / len(pivots) if pivots is not None else 1.0) * 2 / ((n - 1) * (n - 2))
    W = edges.matrix()
    burt_constraint, burt_size = _burt(W)
    t = pd.DataFrame({"person": edges.nodes, "betweenness": between, "constraint": burt_constraint,
                      "effective_size": burt_size, "degree": np.diff(W.indptr)})
    t.attrs["talentkit.pivots"] = k if k and k < n else None  # None: exact
    return t


def constraint(u: nx.Graph, weight: str = "weight") -> dict:
    r"""Burt's constraint of every node of ``u``:
    :math:`c_i = \sum_{j \in N(i)} \left(p_{ij} + \sum_{q} p_{iq} p_{qj}\right)^2`, with
    :math:`p_{ij}` the weight of :math:`i`'s tie to :math:`j` over all of :math:`i`'s (networkx
    ``constraint``'s definition); computed from sparse matrices over the edges only
    (:func:`_burt`). NaN for an isolated node."""
    return dict(zip(u, _burt(_mutual(u, weight))[0].tolist()))


def effective_size(u: nx.Graph, weight: str = "weight") -> dict:
    r"""Burt's effective size of every node of ``u``:
    :math:`E_i = \sum_{j \in N(i)} \left(1 - \sum_{q} p_{iq} m_{jq}\right)`, with :math:`p_{iq}` the
    mutual weight of :math:`i` and :math:`q` over :math:`i`'s total, and :math:`m_{jq}` over
    :math:`j`'s largest (Burt 1992; networkx ``effective_size``'s definition, which its
    per-node form computes). networkx's all-nodes form multiplies two dense
    :math:`n \times n` matrices (5 GB at 18,000 people); here the inner sum is taken only over
    the graph's edges, in chunks, from sparse matrices (:func:`_burt`): memory grows with the
    edges. NaN for an isolated node."""
    return dict(zip(u, _burt(_mutual(u, weight))[1].tolist()))


def _mutual(u: nx.Graph, weight: str):
    A = nx.adjacency_matrix(u, weight=weight).astype(float).tocsr()
    return (A + A.T).tocsr()


def _burt(mutual, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Constraint and effective size of every node from the symmetric weight matrix: both sums
    over :math:`q` are taken only for the pairs :math:`(i, j)` that are edges, a chunk of
    rows of the sparse matrices at a time."""
    import scipy.sparse as sparse

    totals = np.asarray(mutual.sum(axis=1)).ravel()
    largest = mutual.max(axis=1).toarray().ravel()
    p = (sparse.diags(np.where(totals > 0, 1 / np.where(totals > 0, totals, 1), 0)) @ mutual).tocsr()
    m = (sparse.diags(np.where(largest > 0, 1 / np.where(largest > 0, largest, 1), 0)) @ mutual).tocsr()
    pt = p.T.tocsr()
    rows, cols = p.nonzero()
    direct = np.asarray(p[rows, cols]).ravel()
    indirect, redundancy = np.zeros(len(rows)), np.zeros(len(rows))
    for s in range(0, len(rows), chunk):
        part = slice(s, s + chunk)
        mine = p[rows[part]]
        indirect[part] = np.asarray(mine.multiply(pt[cols[part]]).sum(axis=1)).ravel()
        redundancy[part] = np.asarray(mine.multiply(m[cols[part]]).sum(axis=1)).ravel()
    isolated = (totals - mutual.diagonal()) == 0
    out = []
    for values in ((direct + indirect) ** 2, 1 - redundancy):
        total = np.bincount(rows, weights=values, minlength=len(totals))
        total[isolated] = np.nan
        out.append(total)
    return out[0], out[1]


def louvain(edges: EdgeList, seed: int = 0) -> tuple[np.ndarray, float]:
    """Louvain communities (Blondel et al. 2008; igraph's ``community_multilevel``, seeded) of
    the weighted graph: each node's community number and the partition's modularity. igraph's
    C implementation was chosen over networkx's after measuring both on 30,000 people and
    1,025,863 ties: 3.0 s against 15.3 s, the same modularity (0.796)
    (``benchmarks/collaboration_scale.py``)."""
    import random

    import igraph as ig

    n = len(edges.nodes)
    if not len(edges.a):
        return np.arange(n), float("nan")
    h = edges.igraph()
    ig.set_random_number_generator(random.Random(seed))
    try:
        parts = h.community_multilevel(weights="weight")
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(parts.membership), float(h.modularity(parts.membership, weights="weight"))


def undirected(g: nx.DiGraph) -> nx.Graph:
    """The person graph with direction dropped and weights of both directions summed."""
    u = nx.Graph()
    for a, b, w in g.edges(data="weight"):
        prior = u[a][b]["weight"] if u.has_edge(a, b) else 0
        u.add_edge(a, b, weight=prior + w)
    return u


@dataclass
class PersonRisk:
    """:func:`key_person_risk`'s answer: ``table`` (one row per top presenter, with ids: for
    analysis, not a report), ``top_k``, ``top_k_share`` of all flow, ``presenters`` and
    ``flow`` (all attendances)."""

    table: pd.DataFrame
    top_k: int
    top_k_share: float
    presenters: int
    flow: int


def key_person_risk(g: nx.DiGraph, f: pd.DataFrame, top_k: int = 5) -> PersonRisk:
    """The top ``top_k`` presenters by flow, and what the network loses if each leaves. Per
    person, with their ids: for analysis, not for a report (:func:`key_people` shows it).

    Per person: ``flow`` (attendances they gave), ``flow_share`` of all flow, ``reach``,
    ``sole_reach`` = people reached by no other presenter (the reach lost if they leave), and
    the flow lost by topic. ``top_k_share`` = flow of the top ``top_k`` / all flow.
    """
    out_flow = pd.Series(dict(g.out_degree(weight="weight")), dtype=float)
    total = out_flow.sum()
    top = out_flow.sort_values(ascending=False, kind="stable").head(top_k)
    rows = []
    for person, flow in top.items():
        reached = set(g.successors(person))
        sole = sum(1 for a in reached if g.in_degree(a) == 1)
        row = {"person": person, "flow": int(flow), "flow_share": flow / total if total else np.nan,
               "reach": len(reached), "sole_reach": sole}
        if "topic" in f.columns:
            by_topic = f.loc[f["presenter_id"] == person, "topic"].value_counts()
            row["flow_by_topic"] = {str(k): int(v) for k, v in by_topic.items()}
        rows.append(row)
    columns = ["person", "flow", "flow_share", "reach", "sole_reach"] + (["flow_by_topic"] if "topic" in f else [])
    return PersonRisk(pd.DataFrame(rows, columns=columns), top_k,
                      float(top.sum() / total) if total else float("nan"), int((out_flow > 0).sum()), int(total))


def reach_after_removal(g: nx.DiGraph, person) -> int:
    """People reached by anyone once ``person`` is gone (attendees with an incoming edge)."""
    h = g.copy()
    h.remove_node(person)
    return sum(1 for n in h.nodes if h.in_degree(n) > 0)


@dataclass
class Communities:
    """Louvain communities: how many, the modularity, and their agreement with the formal
    teams (``None`` without a team column)."""

    communities: int
    modularity: float
    ari_vs_teams: float = float("nan")  # NaN without a team column
    nmi_vs_teams: float = float("nan")


def communities(g: nx.DiGraph, ds: Dataset, seed: int = 0) -> Communities:
    """Louvain communities (:func:`louvain`) on the undirected graph, against the formal teams
    (people's current team): count, modularity, adjusted Rand index and normalized mutual
    information."""
    edges = EdgeList.from_graph(undirected(g))
    labels, modularity = louvain(edges, seed)
    out = Communities(len(np.unique(labels)), modularity)
    if "team" in ds.people.columns:
        team = ds.people.set_index("employee_id")["team"].reindex(edges.nodes)
        known = team.notna().to_numpy()
        if known.any():
            out.ari_vs_teams = float(adjusted_rand_score(team[known], labels[known]))
            out.nmi_vs_teams = float(normalized_mutual_info_score(team[known], labels[known]))
    return out


@grouped
def trend(ds: Dataset, unit: str = "region", top_k: int = 5, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per year: attendances, presenters, the cross-unit share of flow and the top-``k`` share;
    ``n`` = distinct attendees, and a year under ``min_group`` of them is hidden."""
    f = attendance_flows(ds, unit=unit)
    rows = []
    for year, fy in f.groupby("year"):
        g = person_graph(fy)
        risk = key_person_risk(g, fy, top_k)
        rows.append({"year": int(year), "attendances": len(fy), "presenters": risk.presenters,
                     "n": fy["employee_id"].nunique(), "cross_unit": int((fy["from_unit"] != fy["to_unit"]).sum()),
                     "top_k_flow": int(round(risk.top_k_share * risk.flow))})
    t = pd.DataFrame(rows)
    add_proportion(t, "cross_unit_share", "cross_unit", "attendances")
    add_proportion(t, "top_k_share", "top_k_flow", "attendances")
    return suppress(t, ["year"], min_group, not_nested="years: no grouping of people holds them")


@grouped
def flow_lost_by_topic(risk: pd.DataFrame, f: pd.DataFrame, min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    """Per topic: the attendances (``flow lost``) the key people of :func:`key_person_risk` gave,
    and their share of the topic's flow; ``n`` = those attendances, hidden under ``min_group``.
    ``None`` when the sessions carry no topic."""
    if "flow_by_topic" not in risk:
        return None  # the sessions carry no topic
    if not len(risk):
        return mark(pd.DataFrame(columns=["topic", "n", "flow lost", "share of topic's flow", SUPPRESSED]), min_group)
    lost = pd.DataFrame(list(risk["flow_by_topic"])).fillna(0).sum()
    t = pd.DataFrame({"topic": lost.index.astype(str), "flow lost": lost.to_numpy()})
    t["n"] = t["flow lost"]
    t["share of topic's flow"] = t["flow lost"].to_numpy() / f["topic"].astype(str).value_counts().reindex(
        t["topic"]).to_numpy()
    return suppress(t[["topic", "n", "flow lost", "share of topic's flow"]], ["topic"], min_group,
                    not_nested="session topics, counted in attendances: no grouping of people holds them")


def shown_count(count: int, min_group: int = MIN_GROUP) -> int | str:
    """A count of people for a sentence: the number, or ``"fewer than <min_group>"`` for 1 to
    ``min_group - 1`` (zero identifies no one)."""
    return count if count == 0 or count >= min_group else f"fewer than {min_group}"


@grouped
def shown_people(table: pd.DataFrame, ds: Dataset, unit: str = "region", min_group: int = MIN_GROUP,
                 size_col: str = "degree", salt: str | None = None) -> pd.DataFrame:
    """A per-person table fit for a report: ids replaced by pseudonyms, each person's unit
    added, and only people whose ``size_col`` (contacts, reach) is at least ``min_group``."""
    t = table[table[size_col] >= min_group].copy()
    units = ds.people.set_index("employee_id")[unit] if unit in ds.people.columns else None
    if units is not None:  # never a pseudonym beside a unit of fewer than min_group people
        known = units_of_enough_people(units, pd.Series(units.index), min_group)
        placed = t["person"].map(units)
        t.insert(1, unit, placed.where(placed.isin(known) | placed.isna(), f"a {unit} under {min_group} people"))
    t["person"] = pseudonym(t["person"], salt)
    for col in COUNTS_OF_PEOPLE:  # e.g. the few people only this person reached
        if col in t:
            t[col] = [shown_count(int(v), min_group) for v in t[col]]
    return mark(t.reset_index(drop=True), min_group)


COUNTS_OF_PEOPLE = ("sole_reach", "sole_contacts", "cut_off")  # per-person columns that count other people


@grouped
def top_brokers(g: nx.DiGraph, ds: Dataset, unit: str = "region", min_group: int = MIN_GROUP,
                top: int = 10) -> pd.DataFrame:
    """The ``top`` people by betweenness (:func:`brokers`) that :func:`shown_people` may show:
    pseudonyms, each one's unit, only people with at least ``min_group`` contacts."""
    return shown_brokers(brokers(g), ds, unit, min_group, top)


def by_betweenness(measures: pd.DataFrame) -> pd.DataFrame:
    """:func:`graph_measures` ranked by betweenness, ties by id (so the order does not depend on
    the order the ties came in)."""
    return measures.sort_values(["betweenness", "person"], ascending=[False, True], kind="stable")


@grouped
def shown_brokers(measures: pd.DataFrame, ds: Dataset, unit: str = "region", min_group: int = MIN_GROUP,
                  top: int = 10) -> pd.DataFrame:
    """The ``top`` people of :func:`graph_measures` by betweenness, as :func:`shown_people`
    shows them, with how betweenness was computed (``attrs["talentkit.pivots"]``)."""
    ranked = by_betweenness(measures)
    shown = shown_people(ranked, ds, unit, min_group).head(top)
    shown.attrs["talentkit.pivots"] = ranked.attrs.get("talentkit.pivots")
    return shown


@dataclass
class KeyPeople:
    """Key-person risk as a report may show it: ``table`` (the top presenters :func:`shown_people`
    shows, with flow, share, reach and sole reach), ``by_topic`` (flow lost by topic if all of
    them left; ``None`` without topics), ``top_k_share`` of all flow, ``presenters``, ``sole_reach`` (people only they
    reached, together: a number, or "fewer than <min_group>")."""

    table: pd.DataFrame
    by_topic: pd.DataFrame | None
    top_k: int
    top_k_share: float
    presenters: int
    sole_reach: int | str
    min_group: int

    @property
    def sole_reach_count(self) -> int | None:
        """:attr:`sole_reach` as a number to record; ``None`` where it is under ``min_group``."""
        return self.sole_reach if isinstance(self.sole_reach, int) else None


@grouped
def key_people(g: nx.DiGraph, f: pd.DataFrame, ds: Dataset, unit: str = "region", top_k: int = 5,
               min_group: int = MIN_GROUP) -> KeyPeople:
    """:func:`key_person_risk` through the privacy gate (see :class:`KeyPeople`)."""
    risk = key_person_risk(g, f, top_k)
    people = risk.table
    shown = shown_people(people, ds, unit, min_group, size_col="reach").drop(columns=["flow_by_topic"], errors="ignore")
    sole = int(people["sole_reach"].sum()) if len(people) else 0
    return KeyPeople(shown, flow_lost_by_topic(people, f, min_group), top_k, risk.top_k_share, risk.presenters,
                     shown_count(sole, min_group), min_group)
