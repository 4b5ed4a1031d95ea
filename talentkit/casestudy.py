r"""The seed article's worked case (its section 4.3), as a dataset, and what it takes to read it.

The article: in the US market the company hired 100 AI people, 50 local and 50
international; of them 50 were retained and 50 moved; the team held 100 knowledge-sharing
sessions and recorded 90. It concludes A = 1, R = 0.5, F = 0.5, S = 0.9.

:func:`article_case` builds exactly that cohort. What the article leaves unsaid is a
parameter, stated as an assumption: how the 50 "moved" split into internal moves and
exits, and how many offers were declined to make the 100 hires.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.errors import ParameterError
from .core.privacy import (
    MIN_GROUP,
    SUPPRESSED,
    grouped,
    mark,
    not_personal,
    require_group,
    suppress,
)
from .core.stats import add_proportion, sample_size_two_proportions
from .data.datasets import Dataset
from .data.timeline import cohort_window
from .metrics import article_metrics, cohort, cohort_outcomes, sharing, workforce

CASE_REGION = "US"
CASE_START, CASE_END = pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31")
ARTICLE_SAYS = {"A": 1.0, "R": 0.5, "F": 0.5, "S": 0.9}  # the article's conclusions
CASE_MIN_GROUP = 1  # the article's case is fictional: its small counts identify no one


def article_case(moved_internally: int = 30, offers_declined: int = 25, seed: int = 0) -> Dataset:
    """The article's US cohort: 100 hires in 2023 (50 local, 50 international); within 12
    months of hire 50 stay where they joined and 50 "move": ``moved_internally`` to another
    team or region, the rest leave. 100 sessions, 90 recorded. ``offers_declined`` declined
    offers stand beside the 100 accepted ones (an assumption: the article gives none).
    """
    if not 0 <= moved_internally <= 50:
        raise ParameterError("moved_internally counts part of the article's 50 movers: 0 to 50")
    rng = np.random.default_rng(seed)
    n = 100
    hire = CASE_START + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    ids = [f"A{i:03d}" for i in range(n)]
    order = rng.permutation(n)  # who stays, who moves, who leaves: unrelated to origin
    movers, leavers = order[50:50 + moved_internally], order[50 + moved_internally:]
    exit_date = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    exit_date[leavers] = hire[leavers] + pd.to_timedelta(rng.integers(30, 330, len(leavers)), unit="D")
    people = pd.DataFrame({
        "employee_id": ids, "hire_date": hire, "exit_date": exit_date,
        "exit_type": pd.Series([None] * n, dtype=object), "regretted": pd.array([pd.NA] * n, dtype="boolean"),
        "region": CASE_REGION, "team": "US Applied", "level": "L2",
        "skill": np.array(["NLP", "CV", "Speech", "RecSys", "ML Infra", "Data Science"])[rng.integers(0, 6, n)],
        "origin": ["local"] * 50 + ["international"] * 50,
        "channel": np.array(["referral", "campus", "recommendation", "conference", "partner", "community",
                             "job_board"])[rng.integers(0, 7, n)],
    })
    people.loc[leavers, "exit_type"] = "voluntary"
    people.loc[leavers, "regretted"] = rng.random(len(leavers)) < 0.4
    to_team = np.array(["US Language", "US Vision", "CN Language", "EU Platform"])[rng.integers(0, 4, len(movers))]
    to_region = np.array([t.split(" ")[0] for t in to_team])
    moves = pd.DataFrame({
        "employee_id": [ids[i] for i in movers],
        "date": hire[movers] + pd.to_timedelta(rng.integers(60, 330, len(movers)), unit="D"),
        "from_region": CASE_REGION, "to_region": to_region, "from_team": "US Applied", "to_team": to_team,
        "kind": np.where(to_region == CASE_REGION, "transfer", "rotation"),
    })
    people.loc[movers, "region"] = to_region  # the export shows where they are now
    people.loc[movers, "team"] = to_team
    sessions = pd.DataFrame({
        "session_id": [f"K{i:03d}" for i in range(100)],
        "date": CASE_START + pd.to_timedelta(np.sort(rng.integers(0, 365, 100)), unit="D"),
        "presenter_id": [ids[i] for i in rng.integers(0, n, 100)], "region": CASE_REGION,
        "topic": "NLP", "recorded": [True] * 90 + [False] * 10,
    })
    candidates = pd.DataFrame({
        "candidate_id": [f"C{i:04d}" for i in range(n + offers_declined)],
        "channel": list(people["channel"]) + list(np.array(["referral", "campus", "job_board"])[
            rng.integers(0, 3, offers_declined)]),
        "origin": list(people["origin"]) + list(np.where(rng.random(offers_declined) < 0.6, "international", "local")),
        "region": CASE_REGION, "reached": ["hired"] * n + ["offer"] * offers_declined,
        "offer_declined": [False] * n + [True] * offers_declined,
    })
    return Dataset(people=people, moves=moves.sort_values("date").reset_index(drop=True), sessions=sessions,
                   candidates=candidates, source="the seed article's US case", as_of=pd.Timestamp("2024-12-31"))


@grouped
def movers_and_leavers(ds: Dataset, start, end, region: str | None = None,
                       horizon_months: int = 12, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """The article's "moved" split apart, on the cohort: stayed put, moved internally (still
    employed), moved and then left, left without moving; counts and shares with Wilson intervals.

    Each outcome is a group of people (``n``): one with 1 to ``min_group - 1`` people is
    hidden, with complements until the hidden outcomes together count 0 or at least
    ``min_group`` people, since the cohort's size is shown beside them. (The article's own
    case is fictional; its reproduction passes ``min_group=1``.)"""
    c = cohort(ds, start, end, region)
    decided, left, moved = cohort_outcomes(ds, c, horizon_months)
    c = c[decided]
    moved, left = moved[decided], left[decided]
    rows = [("stayed where they joined", int((~moved & ~left).sum())),
            ("moved internally, still here", int((moved & ~left).sum())),
            ("moved, then left", int((moved & left).sum())),
            ("left without moving", int((~moved & left).sum()))]
    t = pd.DataFrame(rows, columns=["outcome", "people"])
    t["cohort"] = len(c)
    t = add_proportion(t, "share", "people", "cohort")
    t["n"] = t["people"]
    hidden = suppress(t.assign(n=t["n"].where(t["n"] > 0, min_group)), ["outcome"], min_group,
                      not_nested="outcomes of one cohort: parts of one whole, hidden below to a sum of min_group")[SUPPRESSED]
    # The cohort's size is shown, so the hidden outcomes' sum is known: it must not itself
    # count a handful of people (R and F are such sums), so hide more until it does not.
    while 0 < t.loc[hidden, "people"].sum() < min_group and (t.loc[~hidden, "people"] > 0).any():
        hidden[t.loc[~hidden & (t["people"] > 0), "people"].idxmin()] = True
    measures = ["people", "share", "share_lo", "share_hi", "n"]
    t[measures] = t[measures].astype(float).mask(hidden)
    t[SUPPRESSED] = hidden
    return mark(t, min_group)


@grouped
def destinations(ds: Dataset, start, end, region: str, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Where the cohort's internal movers went: moves out of ``region``'s cohort by destination
    region and kind, with small-group suppression (``n`` = distinct movers)."""
    c = cohort(ds, start, end, region)
    if ds.moves is None:
        return mark(pd.DataFrame(columns=["to_region", "kind", "moves", "n", SUPPRESSED]), min_group)
    m = ds.moves[ds.moves["employee_id"].isin(set(c["employee_id"]))]
    keys = [k for k in ("to_region", "kind") if k in m.columns]
    t = m.groupby(keys, dropna=False).agg(moves=("employee_id", "size"), n=("employee_id", "nunique")).reset_index()
    return suppress(t, keys, min_group, not_nested="one cohort's moves by destination and kind: no other table "
                    "of the run groups these moves")


# --------------------------------------------------------------------------- the notebook's steps


def case_metrics(case: Dataset) -> pd.DataFrame:
    """The article's four numbers on its own (fictional) case, as the article computes them."""
    return article_metrics(case, CASE_START, CASE_END, region=CASE_REGION, horizon_months=12,
                           min_group=CASE_MIN_GROUP)


def article_values(case: pd.DataFrame, region: pd.DataFrame | None) -> dict[str, float | None]:
    """The four numbers on the case and on the region's cohort: ``case_A``, ``region_A``, ...
    (``None`` for the region where the data could not tell its story)."""
    pairs = (("case", case), ("region", region))
    return {f"{where}_{m}": table.loc[m, "value"] if table is not None else None for m in "ARFS"
            for where, table in pairs}


def compare_with_article(measures: pd.DataFrame) -> pd.DataFrame:
    """:func:`case_metrics` beside the article's conclusions, and whether each matches exactly."""
    t = measures[["definition", "numerator", "denominator", "value"]].join(pd.Series(ARTICLE_SAYS, name="article"))
    t["matches"] = t["value"] == t["article"]
    return mark(t.reset_index(), CASE_MIN_GROUP)


def attraction_by_mix(international_hires=(0, 25, 50, 75, 100)) -> pd.DataFrame:
    """The case's 100 hires with other origin mixes: the article's attraction index A (always 1)
    beside the international share of hires, which moves with the mix."""
    rows = []
    for n_intl in international_hires:
        variant = article_case()
        variant.people["origin"] = ["international"] * n_intl + ["local"] * (100 - n_intl)
        m = article_metrics(variant, CASE_START, CASE_END, horizon_months=12, min_group=CASE_MIN_GROUP)
        hires = workforce(variant, CASE_START, CASE_END, min_group=CASE_MIN_GROUP).iloc[0]
        rows.append({"international hires": n_intl, "A": m.loc["A", "value"],
                     "international share": hires["international_share"]})
    return not_personal(pd.DataFrame(rows), "variants of the article's fictional case")


def sample_sizes(measures: pd.DataFrame, change: float = 0.1) -> pd.DataFrame:
    """R, F and S with their intervals, and the people per group needed to see a change of
    ``change`` (10 points) in each (:func:`talentkit.core.stats.sample_size_two_proportions`)."""
    t = measures.loc[["R", "F", "S"], ["value", "value_lo", "value_hi"]].copy()
    column = f"people per group to see ±{change * 100:.0f} points"
    t[column] = [sample_size_two_proportions(v, v + change if v + change <= 1 else v - change) for v in t["value"]]
    return t.reset_index()


def region_cohort(ds: Dataset, region: str, start=None, end=None, horizon_months: int = 12,
                  min_group: int = MIN_GROUP) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The cohort window for part 3 (:func:`talentkit.data.timeline.cohort_window`), after checking
    that ``region`` is in the data and its cohort has at least ``min_group`` people (a
    handful of people is not published)."""
    regions = sorted(ds.people["region"].dropna().astype(str).unique())
    if region not in regions:
        raise ParameterError(f"region {region!r} is not in the data; it has {regions}")
    start, end = cohort_window(ds.as_of, start, end, horizon_months)
    require_group(len(cohort(ds, start, end, region)), min_group,
                  f"The {region!r} cohort hired {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    return start, end


@grouped
def sharing_by_team(ds: Dataset, region: str, start, end, min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    """Knowledge sharing by team within ``region`` (:func:`talentkit.metrics.sharing` by region
    and team; complements are hidden within the region). ``None`` without a sessions table."""
    if ds.sessions is None:
        return None
    t = sharing(ds, start, end, ["region", "team"], min_group=min_group)
    columns = ["team", "n", "sessions", "recorded_share", "sessions_per_capita"]
    columns += [c for c in ("attendance_per_capita", "cross_region_share") if c in t]
    return t.loc[t["region"] == region, columns + [SUPPRESSED]].reset_index(drop=True)
