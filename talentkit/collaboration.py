r"""Who works with whom: the network of collaboration metadata (e-mail, chat, meetings, code
review, co-authorship, an advice survey), never its content.

* **Ties.** An ``interactions`` row is a directed tie sender → recipient of its ``weight``
  (messages, minutes, reviews; 1 when not given), or an undirected one where the mapping says
  ``interactions: {directed: false}``. A ``participants`` event of :math:`n`
  people gives each pair of them an undirected tie of :math:`1/(n-1)` (Newman 2001), so a
  meeting of 40 adds as much to each person as a meeting of 2, and large meetings do not
  swamp the graph. A self-tie is dropped and counted; a tie with someone not in ``people``
  (an external person) is left out of the graph and counted, as an aggregate only.
* **Readings.** Brokers, communities and key-person risk read the *undirected* graph (both
  directions' weights summed; :class:`talentkit.network.EdgeList`); reciprocity and the unit
  matrix (sender's unit → recipient's unit; a meeting tie half each way) read the
  *directed* one. ``min_tie_weight`` leaves out pairs whose summed weight is below it, and
  the share of weight so left out is stated.
* **Units** are each person's unit on the tie's day (as of the data's date when undated;
  :class:`talentkit.data.timeline.GroupCoder`), as for knowledge flow.

Privacy as everywhere: a unit matrix cell is hidden when fewer than ``min_group`` people
stand behind it (with complementary suppression), a unit or quarter of fewer than
``min_group`` people is hidden, and a person is shown only under a salted pseudonym and only
when their figures rest on at least ``min_group`` contacts (:func:`talentkit.network.shown_people`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from .core.errors import DataError, ParameterError, Problem
from .core.pooling import MAX_LEVELS, apply_pooling, other_last, pooling_rule
from .core.privacy import MIN_GROUP, grouped, mark, suppress, suppress_matrix_values, units_of_enough_people
from .data.datasets import Dataset
from .data.timeline import GroupCoder, day_numbers, in_period
from .network import EdgeList, by_betweenness, graph_measures, louvain, shown_brokers, shown_count, shown_people

SOURCES = ("auto", "sessions", "interactions", "both")
MAIN_SHARE = 0.5  # a unit whose largest community holds less than this share of its people is split
SPAN_SHARE = 0.1  # a community counts among those a unit spans when it holds at least this share


def check_source(network_source: str, ds: Dataset) -> str:
    """``network_source`` checked, and what it means for ``ds``: ``auto`` is ``both`` when the
    data has sessions and collaboration records, else the one it has."""
    if network_source not in SOURCES:
        raise ParameterError(f"network_source must be one of {', '.join(SOURCES)}, not {network_source!r}")
    has_sessions = ds.sessions is not None and ds.attendance is not None
    has_ties = ds.interactions is not None or ds.participants is not None
    if network_source == "auto":
        return "both" if has_sessions and has_ties else "interactions" if has_ties else "sessions"
    return network_source


def period(ds: Dataset, year: int = 0) -> tuple[pd.Timestamp | None, pd.Timestamp | None, str]:
    """The calendar ``year`` of the ties (0: the latest year with a dated tie) as ``start``,
    ``end`` and a label; every tie (``None``, ``None``) when none is dated."""
    _require_ties(ds)
    dated = [t["date"] for t in (ds.interactions, ds.participants) if t is not None and "date" in t]
    dates = pd.concat(dated) if dated else pd.Series(dtype="datetime64[ns]")
    if not len(dates) or dates.isna().all():
        return None, None, "all records (undated)"
    chosen = int(year) if year else int(dates.max().year)
    return pd.Timestamp(f"{chosen}-01-01"), pd.Timestamp(f"{chosen}-12-31"), str(chosen)


def _require_ties(ds: Dataset) -> None:
    if ds.interactions is None and ds.participants is None:
        raise DataError([Problem(str(ds.source), "collaboration needs an interactions or a participants table",
                                 "add interactions.csv (sender_id, recipient_id) or participants.csv "
                                 "(event_id, employee_id); see the README's data contract")], str(ds.source))


MAX_EVENT_PEOPLE = 300  # an event of more people (an all-hands) is left out, counted: its n(n-1)/2 ties say little


def meeting_ties(participants: pd.DataFrame, keep_event: bool = False) -> pd.DataFrame:
    r"""Pairwise ties of events: for an event of :math:`n` distinct people, each pair
    :math:`\{i, j\}` gets :math:`1/(n-1)` (Newman 2001; networkx's
    ``collaboration_weighted_projected_graph``). An event of more than
    :data:`MAX_EVENT_PEOPLE` people is left out: 6,000 people make 18 million pairs (19 minutes
    and 11 GB once), and an all-hands says nothing of who works with whom. One row per event and pair (``sender_id`` <
    ``recipient_id`` by text), with the event's ``date`` and ``channel`` where given, and its
    ``event_id`` with ``keep_event``."""
    p = participants.drop_duplicates(["event_id", "employee_id"])
    size = p.groupby("event_id")["employee_id"].transform("size")
    p = p[(size > 1) & (size <= MAX_EVENT_PEOPLE)].assign(n=size[(size > 1) & (size <= MAX_EVENT_PEOPLE)])
    extra = [c for c in ("date", "channel") if c in p.columns] + (["event_id"] if keep_event else [])
    pairs = p.merge(p[["event_id", "employee_id"]], on="event_id", suffixes=("", "_other"))
    pairs = pairs[pairs["employee_id"].astype(str) < pairs["employee_id_other"].astype(str)]
    return pd.DataFrame({"sender_id": pairs["employee_id"].to_numpy(), "recipient_id": pairs["employee_id_other"].to_numpy(),
                         "weight": 1 / (pairs["n"].to_numpy() - 1), "directed": False,
                         **{c: pairs[c].to_numpy() for c in extra}})


@dataclass
class Collaboration:
    """The collaboration graph of a period: ``rows`` (one row per tie as given, internal people
    only: ``sender_id``, ``recipient_id``, ``weight``, ``directed``, ``date``, ``channel``,
    ``from_unit``, ``to_unit``), ``edges`` (the undirected graph after ``min_tie_weight``),
    ``units`` (each person's unit, for pooling and communities), and the counts of what was
    left out (``counts``: rows read, self-ties, ties with external people and how many such
    people, events, pairs under the threshold and their share of weight)."""

    rows: pd.DataFrame
    edges: EdgeList
    unit: str
    units: pd.Series
    min_tie_weight: float
    counts: dict = field(default_factory=dict)
    people: pd.DataFrame | None = field(default=None, repr=False)  # the dataset's people: what the units nest in
    _measures: dict = field(default_factory=dict, repr=False)

    def measures(self, seed: int = 0) -> pd.DataFrame:
        """:func:`talentkit.network.graph_measures` of :attr:`edges`, computed once per seed
        (the brokers table and the departures both rank by it; betweenness on a million ties
        takes seconds)."""
        if seed not in self._measures:
            self._measures[seed] = graph_measures(self.edges, seed=seed)
        return self._measures[seed]

    @property
    def directed(self) -> bool:
        """Whether any tie has a direction (interactions; meetings have none)."""
        return bool(self.rows["directed"].any()) if len(self.rows) else False


def collaboration(ds: Dataset, start=None, end=None, unit: str = "region", min_tie_weight: float = 0.0,
                  channels: str | list | None = None) -> Collaboration:
    """The collaboration graph of ``start`` .. ``end`` (every tie when both are ``None``; an
    undated tie is in every period), from interactions and participants alike, of the
    ``channels`` named (comma-separated or a list; empty: all). A line of named steps, each
    counting what it leaves out; see the module for the rules."""
    _require_ties(ds)
    if min_tie_weight < 0:
        raise ParameterError(f"min_tie_weight must be 0 or more, not {min_tie_weight!r}")
    counts: dict = {}
    rows = _tie_rows(ds, counts)
    rows = _of_period(_of_channels(rows, channels), start, end)
    rows = _with_units(ds, _between_people(ds, rows, counts), unit)
    edges, rows = _heavy_enough(rows, min_tie_weight, counts)
    units = ds.people.set_index(ds.people["employee_id"].astype(str))[unit]
    return Collaboration(rows, edges, unit, units, float(min_tie_weight), counts, people=ds.people)


def _tie_rows(ds: Dataset, counts: dict) -> pd.DataFrame:
    """Interactions as given (weight 1 where none; directed unless the mapping says not) and
    the pairs of every event (:func:`meeting_ties`), one frame."""
    parts = []
    if ds.interactions is not None:
        t = ds.interactions.copy()
        t["weight"] = t["weight"].fillna(1.0).astype(float) if "weight" in t else 1.0
        parts.append(t.assign(directed=ds.directed_interactions))
    counts["events"] = int(ds.participants["event_id"].nunique()) if ds.participants is not None else 0
    if ds.participants is not None:
        sizes = ds.participants.drop_duplicates(["event_id", "employee_id"]).groupby("event_id").size()
        counts["large_events"], counts["max_event_people"] = int((sizes > MAX_EVENT_PEOPLE).sum()), MAX_EVENT_PEOPLE
        counts["single_events"] = int((sizes < 2).sum())
        parts.append(meeting_ties(ds.participants))
    return pd.concat(parts, ignore_index=True)


def _of_channels(rows: pd.DataFrame, channels) -> pd.DataFrame:
    """The ties of the ``channels`` named; a name no tie has is refused with the data's own."""
    wanted = [c.strip() for c in (channels.split(",") if isinstance(channels, str) else channels or []) if c.strip()]
    if not wanted:
        return rows
    known = sorted(rows["channel"].dropna().astype(str).unique()) if "channel" in rows else []
    if not set(wanted) & set(known):
        raise ParameterError(f"channels {', '.join(wanted)}: no tie has such a channel; the data's channels are "
                             f"{', '.join(known) or 'none (no channel column)'}")
    return rows[rows["channel"].astype(str).isin(wanted)]


def _of_period(rows: pd.DataFrame, start, end) -> pd.DataFrame:
    """The ties of ``start`` .. ``end`` (and the undated ones); none is refused with the span."""
    kept = in_period(rows, start, end)
    if len(kept):
        return kept
    dates = rows["date"].dropna() if "date" in rows else pd.Series(dtype="datetime64[ns]")
    span = f"the ties run from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "none is dated"
    when = f"between {pd.Timestamp(start):%Y-%m-%d} and {pd.Timestamp(end):%Y-%m-%d}" if start is not None else "at all"
    raise ParameterError(f"no tie {when}: {span}; choose a year with ties (year 0: the latest)")


def _between_people(ds: Dataset, rows: pd.DataFrame, counts: dict) -> pd.DataFrame:
    """The ties between two people of the people table: self-ties and ties with someone not in
    it (external) left out and counted."""
    counts["rows"] = len(rows)
    self_tie = rows["sender_id"].astype(str) == rows["recipient_id"].astype(str)
    counts["self_ties"] = int(self_tie.sum())
    if self_tie.all():  # nothing joins two people: say what the data holds, not that ids are unknown
        what = (f"{counts['self_ties']:,} self-ties (sender = recipient)" if len(rows) else "no tie")
        events = (f" and {counts.get('single_events', 0):,} event(s) of one person"
                  if counts.get("single_events") else "")
        large = (f" and {counts['large_events']:,} event(s) of more than {MAX_EVENT_PEOPLE} people (left out)"
                 if counts.get("large_events") else "")
        raise DataError([Problem(str(ds.source), f"no tie joins two people: the records hold {what}{events}{large}",
                                 "collaboration needs ties between two different people (a sender and a recipient, "
                                 "or events of two or more)")], str(ds.source))
    rows = rows[~self_tie]
    known = set(ds.people["employee_id"].astype(str))
    inside = rows["sender_id"].astype(str).isin(known) & rows["recipient_id"].astype(str).isin(known)
    outside = rows[~inside]
    counts["external_rows"], counts["external_weight"] = len(outside), float(outside["weight"].sum())
    counts["external_people"] = len((set(outside["sender_id"].astype(str)) | set(outside["recipient_id"].astype(str)))
                                    - known)
    counts["weight_read"] = float(rows["weight"].sum())
    if not inside.any():
        raise DataError([Problem(str(ds.source), "no tie joins two people of the people table: every sender or "
                                 "recipient is unknown", "check that interactions use the people table's ids "
                                 "(map both id columns to the same ids)")], str(ds.source))
    return rows[inside].reset_index(drop=True)


def _heavy_enough(rows: pd.DataFrame, min_tie_weight: float, counts: dict) -> tuple[EdgeList, pd.DataFrame]:
    """The undirected graph of ``rows``, and the rows, without the pairs whose summed weight is
    under ``min_tie_weight`` (counted with their weight)."""
    edges = EdgeList.from_pairs(rows["sender_id"].astype(str), rows["recipient_id"].astype(str), rows["weight"])
    if not (edges.weight > 0).any():
        raise DataError([Problem("interactions", "every tie weighs 0: there is no collaboration to measure",
                                 "write the messages, minutes or reviews each tie stands for, or leave the weight "
                                 "column out (every tie then weighs 1)", column="weight")])
    below = edges.weight < min_tie_weight
    counts["pairs"], counts["pairs_below"] = len(edges.weight), int(below.sum())
    counts["weight_below"] = float(edges.weight[below].sum())
    if below.all():
        raise ParameterError(f"min_tie_weight {min_tie_weight:g} leaves out every pair (the heaviest weighs "
                             f"{edges.weight.max():g}); lower it")
    if not below.any():
        return edges, rows
    edges = EdgeList(edges.nodes, edges.a[~below], edges.b[~below], edges.weight[~below])
    where = pd.Index(edges.nodes)
    i, j = where.get_indexer(rows["sender_id"].astype(str)), where.get_indexer(rows["recipient_id"].astype(str))
    kept = pd.MultiIndex.from_arrays([edges.a, edges.b])
    return edges, rows[pd.MultiIndex.from_arrays([np.minimum(i, j), np.maximum(i, j)]).isin(kept)].reset_index(drop=True)


def _with_units(ds: Dataset, rows: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Each end's ``unit`` on the tie's day (the data's date when undated)."""
    if unit not in ds.people.columns:
        raise ParameterError(f"unit {unit!r} is not a people column; the data has {', '.join(ds.group_keys())}")
    coder = GroupCoder(ds, [unit])
    ids = ds.people["employee_id"].astype(str)
    dates = rows["date"].fillna(ds.as_of) if "date" in rows else pd.Series(ds.as_of, index=rows.index)
    days = day_numbers(pd.to_datetime(dates))
    for side, col in (("from_unit", "sender_id"), ("to_unit", "recipient_id")):
        emp = pd.Index(ids).get_indexer(rows[col].astype(str))
        rows[side] = coder.labels(coder.at(emp, days))[unit].to_numpy()
    return rows


def cross_unit_share(c: Collaboration) -> float:
    r"""Share of tie weight between people of different units:
    :math:`\sum_{u \ne v} w_{uv} / \sum_{u,v} w_{uv}` (ties with an end of unknown unit left out)."""
    r = c.rows.dropna(subset=["from_unit", "to_unit"])
    total = r["weight"].sum()
    return float(r.loc[r["from_unit"] != r["to_unit"], "weight"].sum() / total) if total else float("nan")


def _directed_rows(c: Collaboration) -> pd.DataFrame:
    """The ties as directed rows: an interaction as given, a meeting tie half each way."""
    r = c.rows[["sender_id", "recipient_id", "weight", "directed", "from_unit", "to_unit"]]
    meet = r[~r["directed"]]
    back = meet.rename(columns={"sender_id": "recipient_id", "recipient_id": "sender_id",
                                "from_unit": "to_unit", "to_unit": "from_unit"})
    return pd.concat([r[r["directed"]], meet.assign(weight=meet["weight"] / 2), back.assign(weight=back["weight"] / 2)],
                     ignore_index=True)


def _ends(r: pd.DataFrame) -> pd.DataFrame:
    """Both ends of every directed row: the row's ``from_unit`` and ``to_unit``, this end's
    ``unit`` and ``person``, and the row's weight ``w``."""
    return pd.concat([pd.DataFrame({"from_unit": r["from_unit"], "to_unit": r["to_unit"], "unit": r[unit_col],
                                    "person": r[person], "w": r["weight"]})
                      for unit_col, person in (("from_unit", "sender_id"), ("to_unit", "recipient_id"))],
                     ignore_index=True)


def _pooled_units(c: Collaboration, rows: pd.DataFrame, max_levels: int, min_group: int) -> pd.DataFrame:
    """``rows`` with units past ``max_levels`` pooled, and only the rows between units (pooled
    or not) of at least ``min_group`` people with a tie: a smaller unit is absent from the unit
    matrix and the mixing table alike, never one person's ties."""
    rule = pooling_rule(c.units, max_levels, c.unit)
    rows = rows.assign(from_unit=apply_pooling(rows["from_unit"], rule).to_numpy(),
                       to_unit=apply_pooling(rows["to_unit"], rule).to_numpy())
    ends = _ends(rows)
    keep = units_of_enough_people(ends["unit"], ends["person"], min_group)
    return rows[rows["from_unit"].isin(keep) & rows["to_unit"].isin(keep)]


@grouped
def unit_matrix(c: Collaboration, min_group: int = MIN_GROUP, max_levels: int = MAX_LEVELS) -> pd.DataFrame:
    """Tie weight from each sender's unit (rows) to each recipient's unit (columns), units past
    ``max_levels`` pooled into "Other"; a cell is hidden (NaN) when fewer than ``min_group``
    distinct people stand behind it, with its complements by rows and columns
    (:func:`talentkit.core.privacy.suppress_matrix_values` on the counts of people)."""
    r = _pooled_units(c, _directed_rows(c).dropna(subset=["from_unit", "to_unit"]), max_levels, min_group)
    values = r.pivot_table(index="from_unit", columns="to_unit", values="weight", aggfunc="sum", fill_value=0)
    values = values.reindex(index=sorted(values.index, key=other_last), columns=sorted(values.columns, key=other_last))
    counts = _ends(r).groupby(["from_unit", "to_unit"])["person"].nunique().unstack(fill_value=0).reindex(
        index=values.index, columns=values.columns, fill_value=0)
    return suppress_matrix_values(values, min_group, counts=counts)


@grouped
def unit_mixing(c: Collaboration, min_group: int = MIN_GROUP, max_levels: int = MAX_LEVELS) -> pd.DataFrame:
    """Per unit (each person's unit on the tie's day, past ``max_levels`` pooled): ``n``
    (people with a tie), ``tie weight`` of their ties and the share of it with other units;
    a unit of fewer than ``min_group`` people is hidden, with its complement."""
    r = _pooled_units(c, _directed_rows(c).dropna(subset=["from_unit", "to_unit"]), max_levels, min_group)
    ends = _ends(r)
    ends["out"] = ends["from_unit"] != ends["to_unit"]
    t = ends.groupby("unit").agg(n=("person", "nunique"), weight=("w", "sum")).reset_index()
    t["outside"] = ends[ends["out"]].groupby("unit")["w"].sum().reindex(t["unit"]).fillna(0).to_numpy()
    t["share_outside_unit"] = t["outside"] / t["weight"]
    t = t.rename(columns={"unit": c.unit, "weight": "tie_weight"})[[c.unit, "n", "tie_weight", "share_outside_unit"]]
    t = t.iloc[sorted(range(len(t)), key=lambda i: other_last(t[c.unit].iloc[i]))].reset_index(drop=True)
    return suppress(t, [c.unit], min_group, people=c.people)


@dataclass
class Silos:
    """Pairs of units with no tie between them: ``pairs`` (pairs of units of at least
    ``min_group`` people each, with a tie in the period), ``disconnected`` (how many of them
    share no tie), and ``table``, the largest such pairs by the people they hold."""

    pairs: int
    disconnected: int
    table: pd.DataFrame | None
    min_group: int


@grouped
def silos(c: Collaboration, min_group: int = MIN_GROUP, top: int = 10) -> Silos:
    """Silos: pairs of units, each with at least ``min_group`` people in the graph, that share no
    tie in the period (in either direction); the ``top`` largest by people (see :class:`Silos`)."""
    r = c.rows.dropna(subset=["from_unit", "to_unit"])
    size = _ends(r).groupby("unit")["person"].nunique()
    size = size[size >= min_group].sort_values(ascending=False, kind="stable")
    linked = {frozenset(p) for p in zip(r["from_unit"], r["to_unit"])}
    names = list(size.index)
    rows = [{"unit": a, "other unit": b, "n": int(min(size[a], size[b])), "people": int(size[a] + size[b])}
            for i, a in enumerate(names) for b in names[i + 1:] if frozenset((a, b)) not in linked]
    table = pd.DataFrame(rows, columns=["unit", "other unit", "n", "people"]).sort_values(
        ["people", "unit", "other unit"], ascending=[False, True, True], kind="stable").head(top)
    table = mark(table.rename(columns={"unit": c.unit, "other unit": f"other {c.unit}"}).reset_index(drop=True),
                 min_group) if rows else None
    return Silos(len(names) * (len(names) - 1) // 2, len(rows), table, min_group)


@dataclass
class UnitCommunities:
    """Louvain communities of the collaboration graph against the formal units: ``communities``,
    ``modularity``, ``ari`` and ``nmi`` (adjusted Rand index, normalized mutual information)
    against each person's current unit, ``table`` (per unit, the least cohesive first, at most
    ``max_levels`` of the ``units``: people, its largest community, that community's share of
    them, how many communities hold at least ``SPAN_SHARE`` of them), ``split`` (units whose
    largest community holds under ``MAIN_SHARE`` of their people) and ``merged`` (communities
    that are the largest of two or more units)."""

    communities: int
    modularity: float
    ari: float
    nmi: float
    table: pd.DataFrame
    units: int
    split: list
    merged: dict
    min_group: int


@grouped
def communities_vs_units(c: Collaboration, min_group: int = MIN_GROUP, seed: int = 0,
                         max_levels: int = MAX_LEVELS) -> UnitCommunities:
    """Louvain (:func:`talentkit.network.louvain`) on the undirected graph, compared with the
    formal units (see :class:`UnitCommunities`). A community is named C1, C2... by size; a unit
    of fewer than ``min_group`` people in the graph is hidden from the table and the lists."""
    labels, modularity = louvain(c.edges, seed)
    order = pd.Series(labels).value_counts().index  # C1 the largest
    name = {k: f"C{i + 1}" for i, k in enumerate(order)}
    unit = c.units.reindex(c.edges.nodes)
    known = unit.notna().to_numpy()
    ari = float(adjusted_rand_score(unit[known], labels[known])) if known.any() else float("nan")
    nmi = float(normalized_mutual_info_score(unit[known], labels[known])) if known.any() else float("nan")
    frame = pd.DataFrame({"unit": unit.to_numpy()[known], "community": [name[k] for k in labels[known]]})
    rows = []
    for u, part in frame.groupby("unit", sort=True):
        shares = part["community"].value_counts(normalize=True)
        rows.append({c.unit: u, "n": len(part), "largest_community": shares.index[0],
                     "share_in_largest": float(shares.iloc[0]), "communities_spanned": int((shares >= SPAN_SHARE).sum())})
    columns = [c.unit, "n", "largest_community", "share_in_largest", "communities_spanned"]
    table = suppress(pd.DataFrame(rows, columns=columns), [c.unit], min_group, people=c.people)
    shown = table[~table["suppressed"]]
    split = shown.loc[shown["share_in_largest"] < MAIN_SHARE, c.unit].tolist()
    held = shown[shown["share_in_largest"] >= MAIN_SHARE].groupby("largest_community")[c.unit].apply(list)
    merged = {k: v for k, v in held.items() if len(v) > 1}
    table = table.sort_values(["suppressed", "share_in_largest", c.unit], kind="stable").head(max_levels)
    return UnitCommunities(len(order), modularity, ari, nmi, mark(table.reset_index(drop=True), min_group), len(rows),
                           split, merged, min_group)


@grouped
def top_brokers(c: Collaboration, ds: Dataset, min_group: int = MIN_GROUP, top: int = 10, seed: int = 0) -> pd.DataFrame:
    """The ``top`` people by betweenness on the undirected collaboration graph
    (:func:`talentkit.network.graph_measures`: sampled above ``EXACT_UP_TO`` people), as
    :func:`talentkit.network.shown_people` may show them."""
    return shown_brokers(c.measures(seed), ds, c.unit, min_group, top)


@dataclass
class Departures:
    """Key-person risk in collaboration terms, as a report may show it: ``table`` (the top
    ``top_k`` brokers that may be shown: the share of all tie weight on their ties, contacts,
    the contacts whose only tie they are, and the people cut off from the largest connected
    group if they left), ``top_k_share`` (the share of all tie weight on a tie of any of them),
    ``cut_off`` (the people their departures, one at a time, would cut off, added up: a number,
    or "fewer than <min_group>"), ``giant`` (people in the largest group)."""

    table: pd.DataFrame
    top_k: int
    top_k_share: float
    cut_off: int | str
    giant: int
    min_group: int


@grouped
def departures(c: Collaboration, ds: Dataset, top_k: int = 5, min_group: int = MIN_GROUP, seed: int = 0) -> Departures:
    r"""Whose departure disconnects whom: for each of the ``top_k`` people by betweenness, the
    share of all tie weight on their ties (:math:`s_i / \sum_{e} w_e`, their strength over the
    graph's total), their contacts, the contacts tied to no one else (``sole_contacts``) and
    the people of the largest connected group who would no longer reach it (``cut_off``: the
    largest group's size, less the largest group left after removing them, less one for the
    person). Together: the share of weight on a tie of any of them (a tie between two of them
    counted once)."""
    top = by_betweenness(c.measures(seed)).head(top_k)
    h = c.edges.igraph()
    giant = max(h.connected_components().sizes(), default=0)
    W = c.edges.matrix()
    strength, total = np.asarray(W.sum(axis=1)).ravel(), float(c.edges.weight.sum())
    degree = np.diff(W.indptr)
    position = pd.Index(c.edges.nodes).get_indexer(top["person"])
    theirs = np.isin(c.edges.a, position) | np.isin(c.edges.b, position)
    rows = []
    for person, i in zip(top["person"], position):
        rest = h.copy()
        rest.delete_vertices([int(i)])
        left = max(rest.connected_components().sizes(), default=0)
        contacts = W.indices[W.indptr[i]:W.indptr[i + 1]]
        rows.append({"person": person, "weight_share": strength[i] / total,
                     "degree": int(degree[i]), "sole_contacts": int((degree[contacts] == 1).sum()),
                     "cut_off": int(max(giant - left - 1, 0))})
    t = pd.DataFrame(rows, columns=["person", "weight_share", "degree", "sole_contacts", "cut_off"])
    shown = shown_people(t, ds, c.unit, min_group)
    total_cut = int(t["cut_off"].sum()) if len(t) else 0
    share = float(c.edges.weight[theirs].sum() / total)
    return Departures(shown, top_k, share, shown_count(total_cut, min_group), int(giant), min_group)


@grouped
def by_quarter(ds: Dataset, unit: str = "region", min_tie_weight: float = 0.0, channels: str | list | None = None,
               min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    """Per calendar quarter of dated ties: ``n`` (people with a tie), ``pairs`` (distinct pairs),
    the tie weight, the cross-unit share and, for directed ties, reciprocity (the share of
    directed pairs with a tie back). ``min_tie_weight`` applies to each pair's weight over all
    the data's ties, so a quarter keeps the same pairs a whole-period reading keeps. A quarter
    of fewer than ``min_group`` people is hidden. ``None`` when no tie is dated."""
    whole = collaboration(ds, unit=unit, min_tie_weight=min_tie_weight, channels=channels)
    dated = whole.rows.dropna(subset=["date"]) if "date" in whole.rows else whole.rows.iloc[:0]
    if not len(dated):
        return None
    rows = []
    for quarter, part in dated.groupby(dated["date"].dt.to_period("Q")):
        sub = Collaboration(part, EdgeList.from_pairs(part["sender_id"], part["recipient_id"], part["weight"]),
                            unit, whole.units, whole.min_tie_weight)
        known = part.dropna(subset=["from_unit", "to_unit"])
        rows.append({"quarter": str(quarter), "n": len(sub.edges.nodes), "pairs": len(sub.edges.a),
                     "tie_weight": float(part["weight"].sum()),
                     "cross": float(known.loc[known["from_unit"] != known["to_unit"], "weight"].sum()),
                     "known": float(known["weight"].sum()), "reciprocity": reciprocity(sub)})
    t = pd.DataFrame(rows)
    t["cross_unit_share"] = t["cross"] / t["known"].where(t["known"] > 0)
    return suppress(t[["quarter", "n", "pairs", "tie_weight", "cross_unit_share", "reciprocity"]], ["quarter"],
                    min_group, not_nested="quarters: no grouping of people holds them")


def reciprocity(c: Collaboration) -> float:
    """Share of directed pairs (sender, recipient) of interactions whose recipient also wrote
    to the sender (networkx ``overall_reciprocity``'s definition); NaN without directed ties."""
    d = c.rows.loc[c.rows["directed"], ["sender_id", "recipient_id"]].astype(str).drop_duplicates()
    if not len(d):
        return float("nan")
    pairs = set(zip(d["sender_id"], d["recipient_id"]))
    return sum((b, a) in pairs for a, b in pairs) / len(pairs)

