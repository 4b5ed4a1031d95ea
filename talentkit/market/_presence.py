r"""Where the talent is: people by institution, country, sector and year, shares, concentration, growth.

A person counts once for each institution (country, sector) they have a record at in a year,
so the counts of a year's institutions add up to more than its people when some hold two
affiliations; a share is of the year's distinct people. Counts carry the exact Poisson
(Garwood) interval, shares the Wilson interval; growth between two years is
:math:`k_2 / k_1` with the interval of the conditional binomial (:math:`k_2` of :math:`k_1 + k_2`,
Wilson), and concentration is the top-10 share and the Herfindahl-Hirschman index
:math:`\mathrm{HHI} = \sum_i s_i^2` of the institutions' shares of person-institution pairs,
with percentile-bootstrap intervals over people. Many institutions are pooled by the kit's one
rule (:func:`talentkit.core.pooling.pooling_rule`), counted by people.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError
from ..core.pooling import apply_pooling, pooling_rule
from ..core.privacy import MIN_GROUP
from ..core.stats import percentile_bootstrap, poisson_interval, wilson_interval
from ..data.research import ResearchRecords

TOP = 10  # the concentration's top institutions


def latest_year(research: ResearchRecords) -> int:
    """The last year with records."""
    return int(research.records["year"].max())


def chosen_year(research: ResearchRecords, year: int = 0) -> int:
    """``year`` when given (a year with records), else the latest."""
    if not year:
        return latest_year(research)
    if int(year) not in set(research.records["year"].astype(int)):
        raise ParameterError(f"year {year} has no records; the records run {int(research.records['year'].min())}"
                             f"-{latest_year(research)}")
    return int(year)


def _year(research: ResearchRecords, year: int | None) -> pd.DataFrame:
    r = research.records
    return r if year is None else r[r["year"] == int(year)]


def _pooled(pairs: pd.DataFrame, by: str, max_levels: int) -> pd.DataFrame:
    """``pairs`` with ``by``'s levels past ``max_levels`` pooled by the kit's one rule, counted by people."""
    return pairs.assign(**{by: apply_pooling(pairs[by], pooling_rule(pairs[by], max_levels, by))})


def _places(research: ResearchRecords) -> pd.DataFrame:
    """Every institution's country and sector: the coarser groupings an institution nests in."""
    return research.records[list(("institution", "country", "sector"))].drop_duplicates("institution")


@privacy.grouped
def talent_by(research: ResearchRecords, by: str = "institution", year: int | None = None, max_levels: int = 25,
              min_group: int = MIN_GROUP) -> pd.DataFrame:
    """People by ``by`` (institution, country or sector) in ``year`` (none: every year
    together), with their interval, share of the people and its interval, and rank; the
    institutions past ``max_levels`` pooled into one row."""
    r = _year(research, year)
    pairs = r[["person", by]].drop_duplicates()
    rule = pooling_rule(pairs[by], max_levels, by)
    pairs = pairs.assign(**{by: apply_pooling(pairs[by], rule)})
    total = r["person"].nunique()
    table = pairs.groupby(by)["person"].nunique().rename("n").reset_index()
    table["people"] = table["n"]
    table["people_lo"], table["people_hi"] = poisson_interval(table["people"], 1.0)
    table["share"] = table["people"] / total if total else np.nan
    table["share_lo"], table["share_hi"] = wilson_interval(table["people"], total)
    table = table.assign(pooled=table[by] == rule.label).sort_values(["pooled", "people", by],
                                                                    ascending=[True, False, True], kind="stable")
    table.insert(1, "rank", np.where(table["pooled"], np.nan, np.arange(1, len(table) + 1)))
    table = table.drop(columns="pooled").reset_index(drop=True)
    places = _places(research) if by == "institution" else r[[by]].drop_duplicates()
    if rule.applied and by == "institution":
        places = pd.concat([places, pd.DataFrame({by: [rule.label]})], ignore_index=True)
    return privacy.suppress(table, [by], min_group, people=places.assign(**{by: places[by].astype(str)}))


@privacy.grouped
def talent_over_years(research: ResearchRecords, by: str = "country", min_group: int = MIN_GROUP,
                      max_levels: int = 25) -> pd.DataFrame:
    """People by ``by`` and year (a row each), with the count's interval and share of the
    year's people; a cell of fewer than ``min_group`` hidden with its complements in its year."""
    r = research.records
    pairs = r[["person", "year", by]].drop_duplicates()
    pairs = _pooled(pairs, by, max_levels)
    table = pairs.groupby(["year", by])["person"].nunique().rename("n").reset_index()
    totals = r.groupby("year")["person"].nunique()
    table["people"] = table["n"]
    table["people_lo"], table["people_hi"] = poisson_interval(table["people"], 1.0)
    table["share"] = table["people"] / table["year"].map(totals)
    table["share_lo"], table["share_hi"] = wilson_interval(table["people"], table["year"].map(totals))
    return privacy.suppress(table, ["year", by], min_group, not_nested="a block per year: the year's groups of "
                            "public researchers; the coarser table by year is published in the same rows")


@privacy.grouped
def growth(research: ResearchRecords, by: str = "country", first: int | None = None, last: int | None = None,
           min_group: int = MIN_GROUP, max_levels: int = 25) -> pd.DataFrame:
    """Each ``by``'s people in ``first`` and ``last`` (default: the first and last years) and
    the growth :math:`k_2/k_1` with the conditional-binomial interval (the module's)."""
    r = research.records
    first = int(r["year"].min()) if first is None else int(first)
    last = int(r["year"].max()) if last is None else int(last)
    pairs = r[r["year"].isin([first, last])][["person", "year", by]].drop_duplicates()
    pairs = _pooled(pairs, by, max_levels)
    k = pairs.groupby([by, "year"])["person"].nunique().unstack(fill_value=0).reindex(columns=[first, last],
                                                                                        fill_value=0)
    table = pd.DataFrame({by: k.index, "first": k[first].to_numpy(), "last": k[last].to_numpy()})
    table["n"] = pairs.groupby(by)["person"].nunique().reindex(table[by]).to_numpy()
    lo, hi = wilson_interval(table["last"], table["first"] + table["last"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["growth"] = np.where(table["first"] > 0, table["last"] / table["first"], np.nan)
        table["growth_lo"], table["growth_hi"] = lo / (1 - lo), np.where(hi < 1, hi / (1 - hi), np.inf)
    table.attrs["years"] = (first, last)
    table = table.sort_values(["last", by], ascending=[False, True], kind="stable").reset_index(drop=True)
    return privacy.suppress(table, [by], min_group, people=pairs[[by]])


def concentration(research: ResearchRecords, year: int | None = None, resamples: int = 200,
                  seed: int = 0) -> pd.DataFrame:
    """The top-10 share and the HHI of ``year``'s institutions (the module's), each with a
    percentile-bootstrap interval over people (seeded)."""
    pairs = _year(research, year)[["person", "institution"]].drop_duplicates()
    people, person = np.unique(pairs["person"].to_numpy(), return_inverse=True)
    inst = pd.factorize(pairs["institution"])[0]

    def measures(rows: np.ndarray) -> np.ndarray:
        chosen = np.bincount(rows, minlength=len(people))[person]  # each person's weight in the resample
        counts = np.bincount(inst, weights=chosen)
        shares = counts / counts.sum()
        return np.array([np.sort(shares)[::-1][:TOP].sum(), float((shares ** 2).sum())])

    value = measures(np.arange(len(people)))
    lo, hi, _ = percentile_bootstrap(measures, len(people), resamples, seed)
    return privacy.not_personal(pd.DataFrame({
        "measure": ["top-10 share", "HHI"], "value": value, "lo": lo, "hi": hi,
        "institutions": inst.max() + 1, "people": len(people)}), "the whole field's concentration: every "
        "institution's share summed, no group's figure")
