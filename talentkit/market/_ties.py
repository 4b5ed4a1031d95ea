r"""The institution network: who writes with whom, its communities and brokers.

A work whose authors hold :math:`n` distinct institutions gives each pair of them a tie of
:math:`1/(n-1)` (Newman 2001), the rule the kit applies to meetings
(:func:`talentkit.collaboration.meeting_ties`): a paper of two institutions adds 1 to their
tie, one of five adds 1/4 to each of its ten pairs. Only institutions with at least
``min_group`` researchers are nodes. Communities are Louvain's, brokers are ranked by
betweenness, with Burt's constraint beside it (:func:`talentkit.network.graph_measures`); an
institution's nearest neighbours are its strongest ties. A tie is shown only where at least
``min_group`` researchers of its two ends wrote the works it counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..collaboration import meeting_ties
from ..core import privacy
from ..core.privacy import MIN_GROUP, units_of_enough_people
from ..data.research import ResearchRecords
from ..network import EdgeList, graph_measures, louvain


def institution_ties(research: ResearchRecords, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Every tie between two institutions of at least ``min_group`` researchers: ``a``, ``b``
    (``a`` < ``b`` by name), ``weight`` (the module's rule), ``works`` and ``n``, the distinct
    researchers of either end on those works. Not gated itself: :func:`ties_of` shows them."""
    r = research.records.dropna(subset=["work"])
    r = r[r["institution"].isin(units_of_enough_people(r["institution"], r["person"], min_group))]
    pairs = meeting_ties(r[["work", "institution"]].rename(columns={"work": "event_id", "institution": "employee_id"}),
                         keep_event=True).rename(columns={"sender_id": "a", "recipient_id": "b", "event_id": "work"})
    if pairs.empty:
        return pd.DataFrame({"a": [], "b": [], "weight": [], "works": [], "n": []})
    ties = pairs.groupby(["a", "b"]).agg(weight=("weight", "sum"), works=("work", "nunique")).reset_index()
    authors = r[["work", "institution", "person"]].drop_duplicates()
    behind = pd.concat([pairs[["a", "b", "work"]].merge(authors, left_on=["work", end], right_on=["work", "institution"])
                        [["a", "b", "person"]] for end in ("a", "b")]).drop_duplicates()
    n = behind.groupby(["a", "b"]).size()
    ties["n"] = n.reindex(pd.MultiIndex.from_frame(ties[["a", "b"]])).to_numpy()
    return ties.sort_values(["weight", "a", "b"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


@privacy.grouped
def ties_of(ties: pd.DataFrame | None, institution: str | None = None, top: int = 10,
            min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    """The strongest ``top`` ties (of ``institution``, its nearest neighbours, when given):
    ``institution``, ``partner``, ``weight``, ``works``; a tie of fewer than ``min_group``
    researchers hidden. ``None`` (records without works: no network) gives ``None``."""
    if ties is None:
        return None
    t = ties if institution is None else ties[(ties["a"] == institution) | (ties["b"] == institution)]
    if institution is not None:
        t = t.assign(partner=np.where(t["a"] == institution, t["b"], t["a"]), institution=institution)
    else:
        t = t.rename(columns={"a": "institution", "b": "partner"})
    t = t[["institution", "partner", "weight", "works", "n"]].head(top).reset_index(drop=True)
    t.insert(0, "tie", t["institution"].astype(str) + " – " + t["partner"].astype(str))
    return privacy.suppress(t, ["tie"], min_group, not_nested="pairs of institutions of public research "
                            "records; no table of their parts is published")


@privacy.grouped
def institution_network(research: ResearchRecords, ties: pd.DataFrame, seed: int = 0, top: int = 15,
                        min_group: int = MIN_GROUP) -> pd.DataFrame:
    """The ``top`` brokers of the institution network (by betweenness): ``institution``,
    ``researchers``, ``community`` (Louvain, numbered by size), ``betweenness``,
    ``constraint``, ``degree``; the network's modularity in ``attrs``."""
    if ties.empty:
        return privacy.mark(pd.DataFrame(), min_group)
    edges = EdgeList.from_pairs(ties["a"], ties["b"], ties["weight"])
    measures = graph_measures(edges, seed=seed).rename(columns={"person": "institution"})
    membership, modularity = louvain(edges, seed)
    sizes = pd.Series(membership).value_counts()
    order = {c: k + 1 for k, c in enumerate(sorted(sizes.index, key=lambda c: (-sizes[c], c)))}
    measures["community"] = [order[c] for c in membership]
    r = research.records
    measures["n"] = r.groupby("institution")["person"].nunique().reindex(measures["institution"]).to_numpy()
    measures["researchers"] = measures["n"]
    table = measures.sort_values(["betweenness", "institution"], ascending=[False, True], kind="stable").head(top)
    table = table[["institution", "n", "researchers", "community", "betweenness", "constraint", "degree"]]
    table.attrs["modularity"] = modularity
    table.attrs["communities"] = len(sizes)
    return privacy.suppress(table.reset_index(drop=True), ["institution"], min_group,
                            people=r[["institution", "country", "sector"]].drop_duplicates("institution"))
