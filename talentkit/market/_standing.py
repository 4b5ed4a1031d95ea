r"""Where we stand: the company's share and rank, where newcomers come from, whom to partner with.

The company (``our_institution``) and its rivals (``competitors``) are named as the records
write them and resolved through the alias table (:func:`resolve_name`). Each year's **share**
is the company's people over the year's people, with the Wilson interval; its **rank** among
institutions by people has a parametric-bootstrap interval (every institution's count drawn
from its Poisson law, seeded). **Newcomers** are people whose move (the kit's rule,
:func:`talentkit.market.moves`) ends at the institution, by where they came from.
**Partnership candidates** are academic institutions ranked by their people in the chosen
venues or topics, beside the people they sent to industry (with the Wilson interval of that
share of their movers), to the company, and the company's hires from them in its candidates
table (a ``institution`` column, resolved by the same aliases), where the HR data has one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError
from ..core.privacy import MIN_GROUP
from ..core.stats import wilson_interval
from ..data import institutions
from ..data.research import ResearchRecords
from ..network import shown_count


def resolve_name(research: ResearchRecords, name: str) -> str:
    """The institution ``name`` resolves to: an institution as resolved, or any string of the
    alias table, read by the normalised rule; a name not in the records is an error naming the closest."""
    table = research.aliases
    for column in ("institution", "string"):
        keys = table[column].map(institutions.normal_key)
        hit = table.loc[keys == institutions.normal_key(name), "institution"]
        if len(hit):
            return str(hit.iloc[0])
    import difflib

    close = difflib.get_close_matches(str(name), table["institution"].unique().tolist(), n=3, cutoff=0.5)
    raise ParameterError(f"{name!r} is not among the institutions of the research records"
                         + (f"; the closest: {', '.join(close)}" if close else "")
                         + ". Write it as the records write it (the alias table lists every string)")


def resolve_names(research: ResearchRecords, names: list[str] | None) -> list[str]:
    """Each of ``names`` resolved (:func:`resolve_name`), in order, once each (a text: one name)."""
    names = [names] if isinstance(names, str) else names
    return list(dict.fromkeys(resolve_name(research, n) for n in (names or [])))


@privacy.grouped
def standing(research: ResearchRecords, ours: str, competitors: list[str] | None = None, resamples: int = 200,
             seed: int = 0, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Each year's people, share and rank (with intervals, the module's) of ``ours`` and each of
    ``competitors`` (names resolved); a year where one has fewer than ``min_group`` hidden."""
    named = resolve_names(research, [ours, *(competitors or [])])
    pairs = research.records[["person", "year", "institution"]].drop_duplicates()
    counts = pairs.groupby(["year", "institution"]).size()
    totals = pairs.groupby("year")["person"].nunique()
    rng = np.random.default_rng(seed)
    rows = []
    for year, k in counts.groupby(level="year"):
        k = k.droplevel("year")
        draws = rng.poisson(k.to_numpy(), size=(resamples, len(k)))
        for name in named:
            own = int(k.get(name, 0))
            mine = draws[:, k.index.get_loc(name)] if name in k.index else np.zeros(resamples)
            ranks = 1 + (draws > mine[:, None]).sum(axis=1)
            rows.append({"institution": name, "year": int(year), "n": own, "people": own, "share": own / totals[year],
                         "rank": int(1 + (k > own).sum()), "rank_lo": int(np.quantile(ranks, 0.025, method="lower")),
                         "rank_hi": int(np.quantile(ranks, 0.975, method="higher"))})
    table = pd.DataFrame(rows)
    table["share_lo"], table["share_hi"] = wilson_interval(table["people"], table["year"].map(totals))
    table = table[["institution", "year", "n", "people", "share", "share_lo", "share_hi", "rank", "rank_lo", "rank_hi"]]
    return privacy.suppress(table, ["institution", "year"], min_group, not_nested="a block per institution: its "
                            "years; the years' totals are the whole field's")


@privacy.grouped
def newcomers(move_table: pd.DataFrame, names: list[str], by: str = "sector",
              min_group: int = MIN_GROUP) -> pd.DataFrame:
    """The people who moved to each of ``names`` (resolved institutions), by the ``by``
    (sector, country or institution) they came from; a cell under ``min_group`` hidden with
    its complements within the institution."""
    moved = move_table[move_table["to_institution"].isin(names)]
    table = moved.groupby(["to_institution", f"from_{by}"])["person"].nunique().rename("n").reset_index()
    table["people"] = table["n"]
    table["share"] = table["people"] / table.groupby("to_institution")["people"].transform("sum")
    table = table.sort_values(["to_institution", "people"], ascending=[True, False], kind="stable")
    return privacy.suppress(table.reset_index(drop=True), ["to_institution", f"from_{by}"], min_group,
                            not_nested="a block per institution joined: where its newcomers came from")


@privacy.grouped
def partners(research: ResearchRecords, move_table: pd.DataFrame, ours: str, venues: list[str] | None = None,
             topics: list[str] | None = None, hires: pd.Series | None = None, top: int = 15,
             min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Academic institutions ranked by their people in ``venues`` and ``topics`` (none: all),
    with ``works``, their ``movers``, the share of them who went to industry (Wilson; shown
    from ``min_group`` movers), the people who moved to ``ours``, and ``hired``: the
    company's hires from them (``hires``: each hire's institution as its candidates table
    writes it, resolved; none: not known). A count of 1 to ``min_group - 1`` people reads
    "fewer than ``min_group``": a flow of a few people between two named places."""
    r = research.records
    chosen = r[(r["sector"] == "academia") & (r["venue"].isin(venues) if venues else True)
               & (r["topic"].isin(topics) if topics else True)]
    table = chosen.groupby("institution").agg(n=("person", "nunique"), works=("work", "nunique")).reset_index()
    table["people"] = table["n"]
    left = move_table[move_table["from_institution"].isin(table["institution"])]
    out = left.groupby("from_institution")["person"].nunique()
    to_industry = left[left["to_sector"] == "industry"].groupby("from_institution")["person"].nunique()
    to_us = left[left["to_institution"] == ours].groupby("from_institution")["person"].nunique()
    table["movers"] = table["institution"].map(out).fillna(0).astype(int)
    to_industry = table["institution"].map(to_industry).fillna(0)
    table["to_industry"] = np.where(table["movers"] > 0, to_industry / table["movers"].clip(lower=1), np.nan)
    table["to_industry_lo"], table["to_industry_hi"] = wilson_interval(to_industry, table["movers"])
    few = table["movers"] < min_group  # a share of fewer than min_group movers: not shown
    table.loc[few, ["to_industry", "to_industry_lo", "to_industry_hi"]] = np.nan
    table["to_us"] = table["institution"].map(to_us).fillna(0).astype(int)
    if hires is not None:
        table["hired"] = table["institution"].map(hires.value_counts()).fillna(0).astype(int)
    table = table.sort_values(["people", "institution"], ascending=[False, True], kind="stable").head(top)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    for flow in (c for c in ("movers", "to_us", "hired") if c in table):  # 1-4 people between two named places
        table[flow] = table[flow].map(lambda k: shown_count(int(k), min_group)).astype(object)
    return privacy.suppress(table.reset_index(drop=True), ["institution"], min_group,
                            people=r[["institution", "country"]].drop_duplicates("institution"))


def resolve_hires(research: ResearchRecords, candidates: pd.DataFrame | None) -> pd.Series | None:
    """The company's hires' institutions (a candidates table's ``institution`` column, hired
    ones), resolved through the research records' aliases; none where the table has no such column."""
    if candidates is None or "institution" not in candidates:
        return None
    hired = candidates[candidates["reached"].astype(str) == "hired"] if "reached" in candidates else candidates
    by_key = {institutions.normal_key(s): i for s, i in zip(research.aliases["string"],
                                                             research.aliases["institution"])}
    return hired["institution"].dropna().astype(str).map(lambda s: by_key.get(institutions.normal_key(s), s))
