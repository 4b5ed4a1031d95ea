r"""People and their moves between institutions, honestly counted.

**Who is one person.** An id where the export has one; else a name as read. A name at two
institutions in one year that no work lists together may be two people (or one who moved
within the year): it is *ambiguous* (:func:`ambiguous_people`), and left out of the moves
unless ``ambiguous=True``; the report says how many names that is and what counting them
would add. With an id, two institutions in a year are two affiliations of one person.

**A move** (:func:`moves`): between two consecutive years in which a person has records,
they leave a *resolved* institution and join another; it is dated by the later record's year.
Its ends are the institution left and the one joined (where several, the one with the most
of the person's records that year; ties: the first by name). A change of spelling is never a
move (both spellings resolve to one institution); adding or dropping a second affiliation
alone is not a move, and a standing second affiliation does not hide one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.privacy import MIN_GROUP
from ..core.stats import wilson_interval
from ..data.research import ResearchRecords

ENDS = ("institution", "country", "sector")


def ambiguous_people(research: ResearchRecords) -> np.ndarray:
    """The people (their numbers) known only by a name who, in some year, have institutions that
    no single work lists together; none when people carry an id."""
    r = research.records
    if research.by_id or r.empty:
        return np.array([], dtype=np.int64)
    work = r["work"].astype(object).where(r["work"].notna(), r["row"].astype(str))
    per_work = r.assign(work=work).groupby(["person", "year", "work"])["institution"].nunique()
    per_year = r.groupby(["person", "year"])["institution"].nunique()
    most_together = per_work.groupby(level=["person", "year"]).max()
    split = per_year[per_year > most_together.reindex(per_year.index).fillna(1)]
    return np.unique(split.index.get_level_values("person").to_numpy())


def _held(research: ResearchRecords) -> pd.DataFrame:
    """Each person's institutions in each year with records, and how many of that year's records name each."""
    return research.records.groupby(["person", "year", "institution"], sort=True).size().rename("n").reset_index()


def _first_of(rows: pd.DataFrame) -> pd.DataFrame:
    """Per person and year, the row with the most records (ties: the first by name)."""
    order = rows.sort_values(["person", "year", "n", "institution"], ascending=[True, True, False, True],
                             kind="stable")
    return order.drop_duplicates(["person", "year"])


def main_institutions(research: ResearchRecords) -> pd.DataFrame:
    """Each person's main institution in each year with records (the most records that year;
    ties: the first by name), with its country and sector."""
    main = _first_of(_held(research))[["person", "year", "institution"]]
    place = research.records.drop_duplicates("institution").set_index("institution")[["country", "sector"]]
    return main.join(place, on="institution").reset_index(drop=True)


def moves(research: ResearchRecords, ambiguous: bool = False) -> pd.DataFrame:
    """Every move (the module's rule): ``person``, ``year`` (of the later record), and the
    ``from_``/``to_`` institution, country and sector; ambiguous names left out unless ``ambiguous``."""
    held = _held(research)
    years = held[["person", "year"]].drop_duplicates().sort_values(["person", "year"], kind="stable")
    years["before"] = years.groupby("person")["year"].shift()
    pairs = years.dropna(subset=["before"]).astype({"before": "int64"})
    now = pairs.merge(held, on=["person", "year"])
    then = pairs.merge(held.rename(columns={"year": "before"}), on=["person", "before"])
    key = ["person", "year", "institution"]
    joined = now[~now.set_index(key).index.isin(then.set_index(key).index)]
    left = then[~then.set_index(key).index.isin(now.set_index(key).index)]
    place = research.records.drop_duplicates("institution").set_index("institution")[["country", "sector"]]
    ends = [_first_of(side).join(place, on="institution").rename(columns={c: f"{end}_{c}" for c in ENDS})
            .drop(columns=["n", "before"]) for side, end in ((left, "from"), (joined, "to"))]
    out = ends[0].merge(ends[1], on=["person", "year"])
    if not ambiguous:
        out = out[~out["person"].isin(ambiguous_people(research))]
    cols = ["person", "year", *[f"from_{c}" for c in ENDS], *[f"to_{c}" for c in ENDS]]
    return out[cols].sort_values(["year", "person"], kind="stable").reset_index(drop=True)


def ambiguity(research: ResearchRecords) -> dict:
    """What concurrent affiliations under one name do to the counts: names, names with
    concurrent affiliations and their share, moves without and with them."""
    people = int(research.records["person"].nunique())
    unclear = len(ambiguous_people(research))
    return {"people": people, "ambiguous": unclear, "share": unclear / people if people else float("nan"),
            "moves": len(moves(research)), "moves_with_ambiguous": len(moves(research, ambiguous=True)),
            "by_id": research.by_id}


@privacy.grouped
def flow_matrix(move_table: pd.DataFrame, by: str = "country", min_group: int = MIN_GROUP) -> pd.DataFrame:
    """People moving from each ``by`` (country, sector or institution) to each, counted once a
    cell; a cell of 1 to ``min_group - 1`` people hidden with its complements in its row and
    column (:func:`talentkit.core.privacy.suppress_matrix_values`), so no row or column total
    gives it back."""
    if move_table.empty:
        return privacy.mark(pd.DataFrame(), min_group)
    cells = move_table.groupby([f"from_{by}", f"to_{by}"])["person"].nunique().unstack(fill_value=0)
    names = sorted(set(cells.index) | set(cells.columns))
    cells = cells.reindex(index=names, columns=names, fill_value=0)
    cells.index.name, cells.columns.name = f"from_{by}", f"to_{by}"
    return privacy.suppress_matrix_values(cells.astype(float), min_group)


@privacy.grouped
def net_gain(move_table: pd.DataFrame, by: str = "institution", min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Each ``by``'s people moving in and out and its net gain :math:`g = i - o`, with the
    interval of :math:`g` given the :math:`m = i + o` movers: the Wilson interval
    :math:`[p_-, p_+]` of the share moving in, :math:`[m(2p_- - 1),\ m(2p_+ - 1)]` (the
    conditional test of two Poisson counts). Gated on the smaller of the two sides that is not
    zero: a value with 1 to ``min_group - 1`` people in or out is hidden, with complements
    within its country."""
    ends = []
    for side, sign in (("to", "in"), ("from", "out")):
        part = move_table[["person", *[f"{side}_{c}" for c in ENDS]]].rename(columns=lambda c: c.split("_", 1)[-1])
        ends.append(part.assign(way=sign))
    both = pd.concat(ends, ignore_index=True)
    both = both[both[by].notna()]
    counts = both.groupby([by, "way"])["person"].nunique().unstack(fill_value=0).reindex(columns=["in", "out"],
                                                                                       fill_value=0)
    table = counts.reset_index()
    # the group is the smaller side: 12 out and 3 in would say 3 people moved to one named place
    table["n"] = table[["in", "out"]].where(table[["in", "out"]] > 0).min(axis=1).fillna(0)
    table["net"] = table["in"] - table["out"]
    movers = table["in"] + table["out"]
    lo, hi = wilson_interval(table["in"], movers)
    table["net_lo"], table["net_hi"] = movers * (2 * lo - 1), movers * (2 * hi - 1)
    table = table.sort_values(["net", by], ascending=[False, True], kind="stable").reset_index(drop=True)
    people = both[[c for c in ENDS if c in both]].drop_duplicates() if by != "country" else both[["country"]]
    return privacy.suppress(table, [by], min_group, people=people)
