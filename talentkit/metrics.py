r"""Talent-network metrics: the seed article's four, and what practitioners report beside them.

Conventions (the README's data contract and metric definitions):

* A period is the days ``start`` .. ``end`` inclusive. Someone is *employed on day d* when
  ``hire_date <= d`` and (no ``exit_date`` or ``exit_date > d``): the exit date is the day
  they leave. Headcount at the start counts those employed the day before ``start``;
  so ``end headcount = start headcount + hires - separations`` (+ moves in - moves out
  for a group).
* Average headcount :math:`\bar H = (H_{start} + H_{end}) / 2`.
* Annualized rate = period rate × 12 / months in the period (calendar months when the
  period runs from a month's first day to a month's last, else days / 30.4375).
* Every proportion carries a Wilson 95% interval (Wilson 1927; Agresti & Coull 1998);
  every per-headcount rate an exact Poisson interval (Garwood 1936) on its count.
* Region and team are taken as of each date, rebuilt from ``moves`` (from/to columns);
  other attributes (level, skill, origin, channel) are as in the export. A move dated day
  d is in effect on d; a hire counts in the unit joined, before any move on the hire day.
* Every grouped output has ``n`` (distinct people behind the group) and goes through
  :func:`talentkit.core.privacy.suppress` with ``min_group``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.errors import ParameterError
from .core.labels import SCALES_ATTR
from .core.measures import PERSON_YEARS
from .core.pooling import other_last
from .core.privacy import MIN_GROUP, SUPPRESSED, grouped, mark, suppress
from .core.stats import add_proportion, add_rate, blau_index
from .data.datasets import Dataset
from .data.timeline import (
    GroupCoder,
    bucket_of,
    buckets,
    day_numbers,
    employed_on,
    group_table,
    months_between,
    split_group_keys,
    unit_at,
)

# --------------------------------------------------------------------------- the seed's four


def cohort(ds: Dataset, start, end, region: str | None = None) -> pd.DataFrame:
    """People hired in ``start`` .. ``end`` (into ``region``, when given): rows of ``people``."""
    p = ds.people
    mask = p["hire_date"].between(pd.Timestamp(start), pd.Timestamp(end))
    if region is not None:
        mask &= unit_at(ds, "region", p["hire_date"]) == region
    return p[mask]


@grouped
def article_metrics(ds: Dataset, start, end, region: str | None = None,
                    horizon_months: int = 12, min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""The seed article's four headline numbers, computed exactly as the article does.

    On the hiring cohort (N people hired in ``start`` .. ``end``, in ``region`` if given):

    * attraction index :math:`A = (N_{local} + N_{intl}) / N` (1 whenever every hire has an origin);
    * retention :math:`R = N_{retained} / N`: still employed ``horizon_months`` after hire,
      in the unit they were hired into (no internal move);
    * mobility :math:`F = N_{moved} / N`: everyone else, the article's "moved": moved
      internally *or* left within the horizon (so R + F = 1 when the horizon has passed);
    * sharing :math:`S = N_{recorded} / N_{sessions}` over sessions in the window (and region).

    Returns one row per measure: numerator, denominator, value and a Wilson 95% interval.
    People whose horizon lies after ``ds.as_of`` are not yet decided; they are excluded
    from R and F (their count is in ``undecided``).

    Privacy: a cohort under ``min_group`` people shows no figure; R and F (complements of
    each other) are hidden together when either counts 1 to ``min_group - 1`` people. S
    counts sessions, not people. (The article's own case is fictional: ``min_group=1``.)
    """
    c = cohort(ds, start, end, region)
    n = len(c)
    n_local = int((c["origin"] == "local").sum())
    n_intl = int((c["origin"] == "international").sum())
    decided, left, moved_inside = cohort_outcomes(ds, c, horizon_months)
    moved = (left | moved_inside) & decided
    retained = ~(left | moved_inside) & decided
    n_decided = int(decided.sum())
    s = _sessions_in(ds, start, end, region)
    n_sessions = len(s)
    n_recorded = int(s["recorded"].sum()) if n_sessions else 0
    rows = [
        ("A", "attraction index (N_local + N_intl) / N", n_local + n_intl, n),
        ("R", "retention N_retained / N", int(retained.sum()), n_decided),
        ("F", "mobility N_moved / N (moved internally or left)", int(moved.sum()), n_decided),
        ("S", "knowledge sharing N_recorded / N_sessions", n_recorded, n_sessions),
    ]
    table = pd.DataFrame(rows, columns=["measure", "definition", "numerator", "denominator"])
    table = add_proportion(table, "value", "numerator", "denominator")
    table["undecided"] = [0, n - n_decided, n - n_decided, 0]
    small = lambda k: 0 < k < min_group  # noqa: E731
    hide_rf = small(int(retained.sum())) or small(int(moved.sum())) or small(n_decided)
    hidden = np.array([small(n), hide_rf or small(n), hide_rf or small(n), small(n)])
    people_measures = ["numerator", "denominator", "value", "value_lo", "value_hi", "undecided"]
    if hidden.any():  # counts become floats only where a hidden one must read as missing
        table[people_measures] = table[people_measures].astype(float)
    table.loc[hidden, ["numerator", "value", "value_lo", "value_hi"]] = np.nan
    if small(n):
        table.loc[:, people_measures[:-1]] = table[people_measures[:-1]].where(table["measure"] == "S")
        table["undecided"] = np.nan
    table[SUPPRESSED] = hidden
    out = mark(table.set_index("measure"), min_group)
    out.attrs[SCALES_ATTR] = {"value": "%"}  # A, R, F and S are shares
    return out


def cohort_outcomes(ds: Dataset, c: pd.DataFrame, horizon_months: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """For each cohort member: ``decided`` (the horizon has passed by ``as_of``), ``left``
    (exited within the horizon) and ``moved`` (an internal move within the horizon)."""
    horizon = c["hire_date"] + pd.DateOffset(months=horizon_months)
    decided = horizon <= ds.as_of
    left = c["exit_date"].notna() & (c["exit_date"] <= horizon)
    moved = pd.Series(False, index=c.index)
    if ds.moves is not None and len(ds.moves):
        m = ds.moves.merge(pd.DataFrame({"employee_id": c["employee_id"], "_h": horizon}), on="employee_id")
        moved = c["employee_id"].isin(set(m.loc[m["date"] <= m["_h"], "employee_id"]))
    return decided, left, moved


def _sessions_in(ds: Dataset, start, end, region=None) -> pd.DataFrame:
    s = ds.sessions
    if s is None:
        return pd.DataFrame(columns=["session_id", "date", "presenter_id", "region", "recorded"])
    s = s[s["date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    if region is not None and "region" in s.columns:
        s = s[s["region"] == region]
    return s


# --------------------------------------------------------------------------- workforce


def _no_invented_dates(ds: Dataset, freq: str | None) -> None:
    """A snapshot's dates are made from tenure (and leavers placed at as_of): splitting them by
    quarter or year would report invented timing."""
    if freq and ds.form == "snapshot":
        raise ParameterError(f"a snapshot export has no dates to split by {freq}: its hire dates come from tenure and "
                         "its leavers are placed at as_of. Group by people's attributes, over the year to as_of")


@grouped
def workforce(ds: Dataset, start, end, group_by=None, min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Headcount, hires, separations, turnover, retention and mobility per group and period.

    Columns (per group; per quarter or year too when grouped by ``quarter``/``year``):

    * ``headcount_start``, ``headcount_end``, ``avg_headcount`` :math:`\bar H`, and
      ``exposure_years`` = :math:`\bar H` × months / 12, the person-years at risk;
    * ``hires``, ``international_hires``, ``international_share`` = international hires / hires;
    * ``separations``, ``voluntary``, ``involuntary``, ``regretted``;
    * ``turnover`` = separations / :math:`\bar H`, and ``turnover_annual`` = turnover × 12 / months
      (SHRM's formula); ``voluntary_turnover_annual`` likewise; Poisson intervals;
    * ``period_retention`` = employed at start and at end / headcount at start (Wilson);
    * ``moves`` (internal moves out of the group's people in the period), ``mobility_rate`` =
      moves / :math:`\bar H` (annualized: ``mobility_annual``), ``internal_fill_share`` =
      moves into the group / (moves into the group + hires) (ISO 30414, positions filled internally);
    * ``n`` = distinct people employed in the group at some time in the period (each counted
      in their group at the start, or at the end when they were not there at the start).
    """
    keys, freq = split_group_keys(group_by, ds)
    _no_invented_dates(ds, freq)
    p = ds.people
    coder = GroupCoder(ds, keys)
    emp = np.arange(len(p))
    hire, leave = day_numbers(p["hire_date"]), day_numbers(p["exit_date"])
    # snapshots: who was in the first one joined at an unknown day; a hire counts only after it
    known_hire = hire > (day_numbers([ds.observed_from])[0] if getattr(ds, "observed_from", None) is not None
                         else np.iinfo(np.int64).min)
    # a hire counts where the person started: before any move made on the hire day itself
    g_hire, g_exit = coder.at(emp, hire - 1), coder.at(emp, np.minimum(leave, day_numbers([ds.as_of])[0]))
    intl = (p["origin"] == "international").to_numpy() if "origin" in p else np.zeros(len(p), bool)
    exit_type = p["exit_type"] if "exit_type" in p.columns else pd.Series(None, index=p.index)
    voluntary, involuntary = (exit_type == "voluntary").to_numpy(), (exit_type == "involuntary").to_numpy()
    regretted = (p["regretted"].fillna(False).astype(bool).to_numpy() if "regretted" in p.columns
                 else np.zeros(len(p), bool))
    periods = buckets(start, end, freq)
    # each bucket's day before its start, then the last one's end: the buckets are contiguous
    edges = day_numbers([periods[0][1] - pd.Timedelta(days=1)] + [e for _, _, e in periods])
    hire_bucket, exit_bucket = bucket_of(hire, edges), bucket_of(leave, edges)
    hire_bucket[~known_hire] = -1
    per_bucket = _events_per_bucket(coder, g_hire, g_exit, hire_bucket, exit_bucket, edges,
                                    {"international_hires": intl, "voluntary": voluntary, "involuntary": involuntary,
                                     "regretted": regretted})
    # a bucket's end is the next one's day before: each day's mask and headcount made once
    employed = {d: (hire <= d) & (leave > d) for d in edges}
    headcount = {d: coder.count(coder.on_day(d), employed[d]) for d in edges}
    rows = []
    for b, (label, s, e) in enumerate(periods):
        d0, d1 = edges[b], edges[b + 1]
        g0, g1 = coder.on_day(d0), coder.on_day(d1)
        emp0, emp1 = employed[d0], employed[d1]
        counts = {
            "headcount_start": headcount[d0],
            "headcount_end": headcount[d1],
            "stayers": coder.count(g0, emp0 & emp1 & (g0 == g1)),
            **{name: table[b] for name, table in per_bucket.items() if name not in ("moves", "moves_in")},
            # each person once: in their group at the start, else at the end of the period
            "n": coder.count(np.where(emp0, g0, g1), emp0 | emp1 | (hire_bucket == b) | (exit_bucket == b)),
            "moves": per_bucket["moves"][b],
            "moves_in": per_bucket["moves_in"][b],
        }
        t = group_table(coder, counts, sum(counts.values()) > 0)
        if freq:
            t.insert(0, freq, label)
        t["months"] = months_between(s, e)
        rows.append(t)
    table = _workforce_rates(pd.concat(rows, ignore_index=True), ds)
    group_cols = ([freq] if freq else []) + keys
    if group_cols:
        table = table.sort_values(group_cols, kind="stable", key=lambda c: c.map(other_last)).reset_index(drop=True)
    return suppress(table, group_cols, min_group, people=ds.people)


def _events_per_bucket(coder: GroupCoder, g_hire: np.ndarray, g_exit: np.ndarray, hire_bucket: np.ndarray,
                       exit_bucket: np.ndarray, edges: np.ndarray, kinds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`workforce`'s event counts for every bucket at once, each ``(buckets, groups)``:
    each hire, exit and move falls in one bucket (:func:`~talentkit.data.timeline.bucket_of`);
    ``kinds`` are masks of people (international hires; voluntary, involuntary, regretted exits)."""
    k = len(edges) - 1
    out = {"hires": coder.count_per_bucket(g_hire, hire_bucket, k),
           "international_hires": coder.count_per_bucket(g_hire, hire_bucket, k, kinds["international_hires"]),
           "separations": coder.count_per_bucket(g_exit, exit_bucket, k)}
    for kind in ("voluntary", "involuntary", "regretted"):
        out[kind] = coder.count_per_bucket(g_exit, exit_bucket, k, kinds[kind])
    if len(coder.m_emp):
        move_bucket = bucket_of(coder.m_days, edges)
        out["moves"] = coder.count_per_bucket(coder.moves_codes("from"), move_bucket, k)
        out["moves_in"] = coder.count_per_bucket(coder.moves_codes("to"), move_bucket, k)
    else:
        out["moves"] = out["moves_in"] = np.zeros((k, coder.n_groups), dtype=np.int64)
    return out


def _workforce_rates(table: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """:func:`workforce`'s rates and shares from its counts, with their intervals; a measure
    whose column the data lacks (origin, exit type, moves) is unknown, not zero."""
    if "origin" not in ds.people:  # no origin column: the international share is unknown, not zero
        table["international_hires"] = np.nan
    if "exit_type" not in ds.people:  # nor is the voluntary share of exits without exit types
        table[["voluntary", "involuntary"]] = np.nan
    if "regretted" not in ds.people:
        table["regretted"] = np.nan
    table["avg_headcount"] = (table["headcount_start"] + table["headcount_end"]) / 2
    annual = 12 / table["months"]
    table[PERSON_YEARS] = table["avg_headcount"] / annual  # the time at risk: what a comparison of runs tests by
    add_proportion(table, "international_share", "international_hires", "hires")
    add_rate(table, "turnover", "separations", "avg_headcount")
    add_rate(table, "turnover_annual", "separations", "avg_headcount", annual)
    add_rate(table, "voluntary_turnover_annual", "voluntary", "avg_headcount", annual)
    add_rate(table, "regretted_turnover_annual", "regretted", "avg_headcount", annual)
    add_proportion(table, "period_retention", "stayers", "headcount_start")
    add_rate(table, "mobility_rate", "moves", "avg_headcount")
    add_rate(table, "mobility_annual", "moves", "avg_headcount", annual)
    table["fills"] = table["moves_in"] + table["hires"]
    add_proportion(table, "internal_fill_share", "moves_in", "fills")
    if ds.moves is None:  # no moves table: mobility is unknown, not zero
        unknown = [c for c in table.columns if c.startswith(("moves", "mobility", "internal_fill"))]
        table[unknown] = np.nan
    return table


# --------------------------------------------------------------------------- recruiting funnel


@grouped
def funnel(ds: Dataset, start=None, end=None, group_by="channel", min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    r"""The recruiting funnel per group (default: channel), from ``candidates``.

    For each stage (applied, screen, interview, offer, hired): candidates who reached it or
    a later one. ``conversion_<stage>`` = reached that stage / reached the one before;
    ``offer_acceptance`` = hired / offers (offers = reached offer or hired; Wilson);
    ``yield`` = hired / applicants. ``n`` = candidates. ``None`` when the dataset has no
    candidates table (a report then says the funnel needs one).
    """
    from .data.schema import FUNNEL_STAGES

    c = ds.candidates
    if c is None:
        return None
    keys = [group_by] if isinstance(group_by, str) else list(group_by or [])
    if start is not None and "applied_date" in c.columns:
        c = c[c["applied_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
    if "reached" not in c.columns:
        raise ParameterError("candidates has no 'reached' column; the funnel needs each candidate's last stage")
    rank = c["reached"].map({s: i for i, s in enumerate(FUNNEL_STAGES)})
    def count(mask=None):
        f = c if mask is None else c[mask]
        return f.groupby(keys, dropna=False, observed=True).size() if keys else pd.Series({(): len(f)})

    parts = {"n": count()}
    for i, stage in enumerate(FUNNEL_STAGES):
        parts[stage] = count(rank >= i)
    t = pd.concat(parts, axis=1).fillna(0).astype(int)
    t = t.reset_index(names=keys) if keys else t.reset_index(drop=True)
    for prev, stage in zip(FUNNEL_STAGES, FUNNEL_STAGES[1:]):
        add_proportion(t, f"conversion_{stage}", stage, prev)
    t = t.rename(columns={"offer": "offers"})
    add_proportion(t, "offer_acceptance", "hired", "offers")
    add_proportion(t, "yield", "hired", "applied")
    return suppress(t, keys, min_group, people=c)


# --------------------------------------------------------------------------- knowledge sharing


@grouped
def sharing(ds: Dataset, start, end, group_by="region", min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    r"""Knowledge sharing per group of the people involved.

    * ``sessions`` presented by the group's people, ``recorded``, ``recorded_share``
      (the article's S for the group; Wilson);
    * ``attendance`` by the group's people, ``attendance_per_capita`` = attendance / :math:`\bar H`
      and ``sessions_per_capita`` = sessions / :math:`\bar H` (Poisson);
    * ``cross_region_share`` = attendances at a session held in another region / attendance;
    * ``n`` = distinct presenters and attendees of the group.

    ``None`` when the dataset has no sessions table.
    """
    if ds.sessions is None:
        return None
    keys, freq = split_group_keys(group_by, ds)
    _no_invented_dates(ds, freq)
    coder = GroupCoder(ds, keys)
    homes = GroupCoder(ds, ["region"])
    ses_all = ds.sessions
    s_emp = coder.ids.get_indexer(ses_all["presenter_id"])
    s_days = day_numbers(ses_all["date"])
    s_ok = s_emp >= 0
    g_ses = np.zeros(len(ses_all), dtype=np.int64)
    g_ses[s_ok] = coder.at(s_emp[s_ok], s_days[s_ok])
    recorded = ses_all["recorded"].fillna(False).astype(bool).to_numpy()
    att = ds.attendance
    if att is not None:
        day_of = pd.Series(s_days, index=ses_all["session_id"].to_numpy())
        a_days = att["session_id"].map(day_of).to_numpy()
        a_emp = coder.ids.get_indexer(att["employee_id"])
        a_ok = (a_emp >= 0) & ~np.isnan(a_days)
        a_emp, a_days = a_emp[a_ok], a_days[a_ok].astype(np.int64)
        g_att = coder.at(a_emp, a_days)
        where = homes.cats["region"].get_indexer(
            att["session_id"].map(pd.Series(ses_all["region"].astype(object).to_numpy(),
                                            index=ses_all["session_id"].to_numpy()))[a_ok].astype(object)) + 1
        home = homes.at(a_emp, a_days)
        cross = (where > 0) & (home != where)
    hire, leave = day_numbers(ds.people["hire_date"]), day_numbers(ds.people["exit_date"])
    rows, headcount = [], {}
    for label, s, e in buckets(start, end, freq):
        d0, d1 = day_numbers([s])[0] - 1, day_numbers([e])[0]
        in_s = s_ok & (s_days > d0) & (s_days <= d1)
        counts = {"sessions": coder.count(g_ses, in_s), "recorded": coder.count(g_ses, in_s & recorded)}
        # average headcount as in workforce(): (start + end) / 2; each day counted once
        for d in (d0, d1):
            if d not in headcount:
                headcount[d] = coder.count(coder.on_day(d), (hire <= d) & (leave > d))
        counts["avg_headcount"] = (headcount[d0] + headcount[d1]) / 2
        people_g, people_e = [g_ses[in_s]], [s_emp[in_s]]
        if att is not None:
            in_a = (a_days > d0) & (a_days <= d1)
            counts["attendance"] = coder.count(g_att, in_a)
            counts["cross_region"] = coder.count(g_att, in_a & cross)
            people_g.append(g_att[in_a])
            people_e.append(a_emp[in_a])
        counts["n"] = coder.distinct(np.concatenate(people_g), np.concatenate(people_e))
        present = sum(v for k, v in counts.items() if k != "avg_headcount") > 0
        t = group_table(coder, counts, present)
        if freq:
            t.insert(0, freq, label)
        rows.append(t)
    t = pd.concat(rows, ignore_index=True)
    group_cols = ([freq] if freq else []) + keys
    add_proportion(t, "recorded_share", "recorded", "sessions")
    add_rate(t, "sessions_per_capita", "sessions", "avg_headcount")
    if att is not None:
        add_rate(t, "attendance_per_capita", "attendance", "avg_headcount")
        add_proportion(t, "cross_region_share", "cross_region", "attendance")
    return suppress(t, group_cols, min_group, people=ds.people)


# --------------------------------------------------------------------------- team building


@grouped
def team_composition(ds: Dataset, day=None, start=None, end=None, min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    r"""Per team on ``day`` (default: ``as_of``): size ``n``, Blau diversity of skill and of
    origin, and ``outside_skill_share`` = members who attended, in ``start`` .. ``end``
    (default: the year to ``day``), a session whose topic is not their own skill (Wilson).
    ``None`` when the dataset has no sessions table (the measure needs one).
    """
    if ds.sessions is None or not ds.has("team"):
        return None
    day = pd.Timestamp(day) if day is not None else ds.as_of
    start = pd.Timestamp(start) if start is not None else day - pd.DateOffset(years=1)
    end = pd.Timestamp(end) if end is not None else day
    p = ds.people
    team = unit_at(ds, "team", day)
    members = p[employed_on(p, day)].assign(team=team[employed_on(p, day)])
    rows = []
    crossed = set()
    if ds.sessions is not None and ds.attendance is not None and "topic" in ds.sessions.columns:
        a = ds.attendance.merge(_sessions_in(ds, start, end)[["session_id", "topic"]], on="session_id")
        a = a.merge(p[["employee_id", "skill"]], on="employee_id")
        crossed = set(a.loc[a["topic"].notna() & (a["topic"] != a["skill"]), "employee_id"])
    for name, g in members.groupby("team"):
        rows.append({"team": name, "n": len(g), "skill_diversity": blau_index(g["skill"]) if "skill" in g else np.nan,
                     "origin_diversity": blau_index(g["origin"]) if "origin" in g else np.nan,
                     "outside_skill": int(g["employee_id"].isin(crossed).sum())})
    t = pd.DataFrame(rows, columns=["team", "n", "skill_diversity", "origin_diversity", "outside_skill"])
    add_proportion(t, "outside_skill_share", "outside_skill", "n")
    return suppress(t, ["team"], min_group, people=ds.people)


def extremes(table: pd.DataFrame, group_by: str, measure: str) -> tuple[object, object]:
    """The visible (unsuppressed) groups with the highest and lowest ``measure``; ``(None, None)``
    when fewer than two are visible."""
    t = table[~table[SUPPRESSED]] if SUPPRESSED in table else table
    t = t.dropna(subset=[measure])
    if len(t) < 2:
        return None, None
    ordered = t.sort_values(measure, kind="stable")
    return ordered[group_by].iloc[-1], ordered[group_by].iloc[0]
