"""Metrics on hand-built datasets whose every number is computed by hand here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from scipy import stats

from talentkit import metrics, show, tenure
from talentkit.core import privacy
from talentkit.core import stats as tk_stats
from talentkit.data import timeline
from talentkit.data.datasets import Dataset

D = pd.Timestamp


def people(rows: list[dict]) -> pd.DataFrame:
    base = {"exit_date": pd.NaT, "exit_type": None, "regretted": pd.NA, "region": "US", "team": "T1",
            "level": "L2", "skill": "NLP", "origin": "local", "channel": "referral"}
    df = pd.DataFrame([{**base, **r} for r in rows])
    df["hire_date"] = pd.to_datetime(df["hire_date"])
    df["exit_date"] = pd.to_datetime(df["exit_date"])
    df["regretted"] = df["regretted"].astype("boolean")
    return df


def seed_us_case() -> Dataset:
    """The seed's US case by hand: 100 hires in 2023 (50 local, 50 international); 50 stay put,
    30 move internally and 20 leave within 12 months; 100 sessions, 90 recorded."""
    rows = []
    for i in range(100):
        r = {"employee_id": f"U{i:03d}", "hire_date": "2023-03-01", "origin": "local" if i < 50 else "international"}
        if 80 <= i < 100:
            r.update(exit_date="2023-12-15", exit_type="voluntary")
        rows.append(r)
    moves = pd.DataFrame({"employee_id": [f"U{i:03d}" for i in range(50, 80)], "date": D("2023-09-01"),
                          "from_region": "US", "to_region": "US", "from_team": "T1", "to_team": "T2",
                          "kind": "transfer"})
    sessions = pd.DataFrame({"session_id": [f"S{i}" for i in range(100)], "date": D("2023-06-01"),
                             "presenter_id": "U000", "region": "US", "topic": "NLP",
                             "recorded": [True] * 90 + [False] * 10})
    return Dataset(people=people(rows), moves=moves, sessions=sessions, as_of=D("2024-12-31"))


def test_seed_us_case_gives_the_article_numbers_exactly():
    t = metrics.article_metrics(seed_us_case(), "2023-01-01", "2023-12-31", region="US", horizon_months=12)
    assert t.loc["A", "value"] == 1.0
    assert t.loc["R", "value"] == 0.5
    assert t.loc["F", "value"] == 0.5
    assert t.loc["S", "value"] == 0.9
    assert (t.loc["R", "numerator"], t.loc["R", "denominator"]) == (50, 100)
    lo, hi = stats.binomtest(90, 100).proportion_ci(method="wilson")
    assert t.loc["S", "value_lo"] == pytest.approx(lo, abs=1e-12)
    assert t.loc["S", "value_hi"] == pytest.approx(hi, abs=1e-12)


def test_undecided_cohort_members_are_left_out_of_r_and_f():
    ds = seed_us_case()
    ds.as_of = D("2023-12-31")  # nobody has reached 12 months yet
    t = metrics.article_metrics(ds, "2023-01-01", "2023-12-31", horizon_months=12)
    assert t.loc["R", "denominator"] == 0 and np.isnan(t.loc["R", "value"])
    assert t.loc["R", "undecided"] == 100


def shrm_month() -> Dataset:
    """SHRM's worked example: 100 employees at the start of the month, 110 at the end,
    6 separations (4 voluntary, 2 involuntary), 16 hires: turnover 6 / 105."""
    rows = [{"employee_id": f"A{i}", "hire_date": "2020-01-01"} for i in range(100)]
    for i in range(6):
        rows[i].update(exit_date="2024-01-20", exit_type="voluntary" if i < 4 else "involuntary",
                       regretted=i == 0)
    rows += [{"employee_id": f"H{i}", "hire_date": "2024-01-10"} for i in range(16)]
    return Dataset(people=people(rows), as_of=D("2024-03-31"))


def test_shrm_turnover_and_annualization():
    row = metrics.workforce(shrm_month(), "2024-01-01", "2024-01-31", min_group=5).iloc[0]
    assert (row["headcount_start"], row["headcount_end"], row["hires"], row["separations"]) == (100, 110, 16, 6)
    assert (row["voluntary"], row["involuntary"], row["regretted"]) == (4, 2, 1)
    assert row["avg_headcount"] == 105
    assert row["turnover"] == pytest.approx(6 / 105, abs=1e-15)
    assert row["months"] == 1
    assert row["turnover_annual"] == pytest.approx(6 / 105 * 12, abs=1e-15)
    assert row["period_retention"] == pytest.approx(94 / 100)
    lo, hi = stats.chi2.ppf(0.025, 12) / 2 / 105, stats.chi2.ppf(0.975, 14) / 2 / 105
    assert (row["turnover_lo"], row["turnover_hi"]) == (pytest.approx(lo), pytest.approx(hi))


def test_quarter_is_three_calendar_months_and_buckets():
    t = metrics.workforce(shrm_month(), "2024-01-01", "2024-06-30", "quarter", min_group=5)
    assert t["quarter"].tolist() == ["2024-Q1", "2024-Q2"]
    q1 = t.iloc[0]
    assert q1["months"] == 3
    assert q1["turnover_annual"] == pytest.approx(6 / 105 * 4)
    assert t.iloc[1]["separations"] == 0 and t.iloc[1]["headcount_start"] == 110
    assert timeline.months_between("2024-01-15", "2024-02-14") == pytest.approx(31 / 30.4375)


def test_intervals_against_known_values():
    lo, hi = tk_stats.wilson_interval(81, 263)
    ref = stats.binomtest(81, 263).proportion_ci(method="wilson")
    assert (lo, hi) == (pytest.approx(ref.low, abs=1e-12), pytest.approx(ref.high, abs=1e-12))
    lo, hi = tk_stats.poisson_interval(0, 1)
    assert lo == 0 and hi == pytest.approx(3.6889, abs=1e-4)  # exact upper bound for zero events
    lo, hi = tk_stats.poisson_interval(10, 1)
    assert (lo, hi) == (pytest.approx(4.7954, abs=1e-4), pytest.approx(18.3904, abs=1e-4))


def moving_dataset() -> Dataset:
    """Two regions; one person moves US -> EU in the middle of 2024."""
    rows = ([{"employee_id": f"U{i}", "hire_date": "2020-01-01", "region": "US"} for i in range(10)]
            + [{"employee_id": f"E{i}", "hire_date": "2020-01-01", "region": "EU", "origin": "international"}
               for i in range(10)])
    rows[0]["region"] = "EU"  # the export shows where U0 is now
    p = people(rows)
    moves = pd.DataFrame([{"employee_id": "U0", "date": D("2024-07-01"), "from_region": "US", "to_region": "EU",
                           "from_team": "T1", "to_team": "T1", "kind": "rotation"}])
    return Dataset(people=p, moves=moves, as_of=D("2024-12-31"))


def test_regions_rebuilt_from_moves():
    ds = moving_dataset()
    assert timeline.unit_at(ds, "region", "2024-06-30")[0] == "US"
    assert timeline.unit_at(ds, "region", "2024-07-01")[0] == "EU"
    t = metrics.workforce(ds, "2024-01-01", "2024-12-31", "region", min_group=1).set_index("region")
    assert t.loc["US", "headcount_start"] == 10 and t.loc["US", "headcount_end"] == 9
    assert t.loc["EU", "headcount_end"] == 11
    assert (t.loc["US", "moves"], t.loc["EU", "moves_in"]) == (1, 1)
    assert t.loc["EU", "internal_fill_share"] == 1.0
    assert t.loc["US", "period_retention"] == pytest.approx(9 / 10)  # U0 left the US group
    for r in ("US", "EU"):  # stock-flow identity
        row = t.loc[r]
        assert row.headcount_end == row.headcount_start + row.hires - row.separations + row.moves_in - row.moves


def test_funnel_by_hand():
    cand = pd.DataFrame({"candidate_id": [f"C{i}" for i in range(8)], "channel": ["referral"] * 8,
                         "origin": "local", "reached": ["hired", "hired", "offer", "interview", "screen",
                                                          "applied", "applied", "applied"],
                         "offer_declined": [False, False, True, False, False, False, False, False]})
    ds = Dataset(people=people([{"employee_id": "X", "hire_date": "2020-01-01"}]), candidates=cand,
                 as_of=D("2021-01-01"))
    row = metrics.funnel(ds, min_group=1).iloc[0]
    assert (row["applied"], row["screen"], row["interview"], row["offers"], row["hired"]) == (8, 5, 4, 3, 2)
    assert row["offer_acceptance"] == pytest.approx(2 / 3)
    assert row["yield"] == pytest.approx(2 / 8)
    assert row["conversion_screen"] == pytest.approx(5 / 8)


def test_sharing_and_team_composition_by_hand():
    ds = moving_dataset()
    ds.people.loc[ds.people.employee_id == "E1", "skill"] = "CV"
    ds.sessions = pd.DataFrame({"session_id": ["S1", "S2", "S3"], "date": D("2024-03-01"),
                                "presenter_id": ["U1", "U2", "E0"], "region": ["US", "US", "EU"],
                                "topic": ["NLP", "CV", "NLP"], "recorded": [True, False, True]})
    ds.attendance = pd.DataFrame({"session_id": ["S1", "S1", "S2", "S3", "S3"],
                                  "employee_id": ["E1", "U3", "U4", "U0", "E2"]})
    t = metrics.sharing(ds, "2024-01-01", "2024-12-31", "region", min_group=1).set_index("region")
    assert t.loc["US", "sessions"] == 2 and t.loc["US", "recorded_share"] == 0.5
    # U0 attended S3 (EU) in March while still in the US: a cross-region attendance of the US group
    assert t.loc["US", "attendance"] == 3 and t.loc["US", "cross_region"] == 1
    assert t.loc["EU", "cross_region_share"] == pytest.approx(1 / 2)  # E1 at S1 (US), E2 at S3 (EU)
    teams = metrics.team_composition(ds, "2024-12-31", start="2024-01-01", end="2024-12-31", min_group=1)
    row = teams.set_index("team").loc["T1"]
    assert row["n"] == 20
    assert row["skill_diversity"] == pytest.approx(1 - (19 / 20) ** 2 - (1 / 20) ** 2)
    assert row["origin_diversity"] == pytest.approx(0.5)
    assert row["outside_skill"] == 2  # U4 (NLP) at a CV session; E1 (CV) at an NLP session


# ---------------------------------------------------------------- tenure against lifelines


def test_km_retention_equals_lifelines_with_censoring():
    rows = [
        {"employee_id": "a", "hire_date": "2022-01-01", "exit_date": "2022-07-01"},
        {"employee_id": "b", "hire_date": "2022-02-01", "exit_date": "2023-06-01"},
        {"employee_id": "c", "hire_date": "2022-03-01"},                         # censored at as_of
        {"employee_id": "d", "hire_date": "2023-01-01", "exit_date": "2023-05-01"},
        {"employee_id": "e", "hire_date": "2022-06-01", "exit_date": "2025-01-01"},  # exit after as_of: censored
        {"employee_id": "f", "hire_date": "2024-06-01"},                         # hired after as_of: excluded
        {"employee_id": "g", "hire_date": "2021-05-01", "exit_date": "2022-04-01"},
    ]
    ds = Dataset(people=people(rows), as_of=D("2024-01-01"))
    d = tenure.durations(ds)
    assert len(d) == 6 and d["left"].tolist() == [True, True, False, True, False, True]
    months = np.array([(D(e) - D(h)).days for h, e in [("2022-01-01", "2022-07-01"), ("2022-02-01", "2023-06-01"),
                                                      ("2022-03-01", "2024-01-01"), ("2023-01-01", "2023-05-01"),
                                                      ("2022-06-01", "2024-01-01"), ("2021-05-01", "2022-04-01")]]) / 30.4375
    km = KaplanMeierFitter().fit(months, [1, 1, 0, 1, 0, 1])
    t = tenure.retention_table(ds, min_group=1)
    assert t["retention_12m"].iloc[0] == pytest.approx(float(km.predict(12)), abs=1e-9)
    assert t["retention_6m"].iloc[0] == pytest.approx(float(km.predict(6)), abs=1e-9)


def test_km_on_synthetic_matches_lifelines(synthetic_default):
    t = tenure.retention_table(synthetic_default, "region", min_group=5).set_index("region")
    d = tenure.durations(synthetic_default)
    us = d[d.region == "US"]
    km = KaplanMeierFitter().fit(us["months"], us["left"])
    assert t.loc["US", "retention_12m"] == pytest.approx(float(km.predict(12)), abs=1e-9)
    assert tenure.logrank(synthetic_default, "region").p_value < 0.05


# ---------------------------------------------------------------- privacy


def test_suppression_and_complement():
    t = pd.DataFrame({"region": ["A", "B", "C", "D"], "n": [3, 50, 6, 40], "rate": [0.1, 0.2, 0.3, 0.4]})
    s = privacy.suppress(t, ["region"], min_group=5, not_nested="a test's own table")
    assert s["suppressed"].tolist() == [True, False, True, False]  # C hides A's complement
    assert s["rate"].isna().tolist() == [True, False, True, False]
    shown = show.display_table(s, 5)
    assert shown.loc[0, "n"] == "<5" and shown.loc[1, "n"] == "50"
    both_small = privacy.suppress(pd.DataFrame({"g": ["a", "b", "c"], "n": [1, 2, 9]}), ["g"], 5, not_nested="a test's own table")
    assert both_small["suppressed"].tolist() == [True, True, False]  # two hidden: no complement needed


def test_pseudonyms_stable_and_salted():
    ids = pd.Series(["E1", "E2", "E1"])
    a = privacy.pseudonym(ids, "s1")
    assert a[0] == a[2] and a[0] != a[1] and a[0].startswith("P-")
    assert privacy.pseudonym(ids, "s2")[0] != a[0]
    masked = privacy.mask_ids(pd.DataFrame({"employee_id": ids, "x": 1}))
    assert not masked["employee_id"].isin(ids).any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=8),
       st.integers(2, 10))
def test_property_suppression(groups, min_group):
    """No visible group under min_group; visible groups unchanged; complements only as needed."""
    t = pd.DataFrame({"g": [f"g{i}" for i in range(len(groups))], "n": [a + b for a, b in groups],
                      "k": [a for a, _ in groups]})
    t = tk_stats.add_proportion(t, "share", "k", "n")
    s = privacy.suppress(t, ["g"], min_group, not_nested="a test's own table")
    visible = ~s["suppressed"]
    assert (s.loc[visible, "n"] >= min_group).all()
    assert s.loc[~visible, ["n", "share"]].isna().all().all()
    pd.testing.assert_series_equal(s.loc[visible, "share"], t.loc[visible, "share"])
    primary = t["n"] < min_group
    extra = s["suppressed"] & ~primary
    assert extra.sum() == (1 if primary.sum() == 1 and len(t) > 1 else 0)
    shares = s["share"].dropna()
    assert ((shares >= 0) & (shares <= 1)).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["region", "origin", "channel", "level"]))
def test_property_rates_bounded_and_small_groups_hidden(seed, key):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    hire = D("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    leave = rng.random(n) < 0.4
    exit_ = hire + pd.to_timedelta(rng.integers(1, 900, n), unit="D")
    rows = [{"employee_id": f"P{i}", "hire_date": hire[i], "exit_date": exit_[i] if leave[i] else pd.NaT,
             "exit_type": "voluntary" if leave[i] else None,
             "region": ["US", "EU", "SG"][int(rng.integers(3))], "origin": ["local", "international"][int(rng.integers(2))],
             "channel": ["referral", "campus"][int(rng.integers(2))], "level": ["L1", "L2", "L3"][int(rng.integers(3))]}
            for i in range(n)]
    ds = Dataset(people=people(rows), as_of=D("2024-12-31"))
    t = metrics.workforce(ds, "2022-01-01", "2023-12-31", key, min_group=5)
    visible = t[~t["suppressed"]]
    assert (visible["n"] >= 5).all()
    for col in ("period_retention", "international_share", "internal_fill_share"):
        vals = visible[col].dropna()
        assert ((vals >= 0) & (vals <= 1)).all()
    for col in [c for c in t.columns if c.endswith("_lo")]:
        both = visible[[col, col[:-3] + "_hi"]].dropna()
        assert (both[col] <= both[col[:-3] + "_hi"] + 1e-12).all()


# --------------------------------------------------------------------------- everyone on a day, fast


def edge_dataset() -> Dataset:
    """Moves on the first and last day of a quarter, exits and hires on boundary days, and
    people with several moves in one day (A -> B -> C), between three regions."""
    rows = [{"employee_id": f"P{i}", "hire_date": "2023-01-01", "region": "C"} for i in range(12)]
    rows[0].update(hire_date="2024-04-01")  # hired on a quarter's first day
    rows[1].update(exit_date=D("2024-03-31"), exit_type="voluntary")  # leaves on a quarter's last day
    rows[2].update(exit_date=D("2024-04-01"), exit_type="voluntary")  # ... and on the next quarter's first
    p = people(rows)
    m = [("P3", "2024-01-01", "A", "B"), ("P3", "2024-03-31", "B", "C"),  # first and last day of Q1
         ("P4", "2024-06-30", "A", "B"), ("P4", "2024-06-30", "B", "C"), ("P4", "2024-06-30", "C", "A"),
         ("P4", "2024-10-01", "A", "C"),  # three moves in one day, then one on Q4's first day
         ("P5", "2024-03-31", "B", "C"), ("P6", "2024-04-01", "A", "C"), ("P7", "2023-12-31", "B", "C"),
         ("P2", "2024-02-15", "A", "C"), ("P0", "2024-04-01", "B", "C")]
    moves = pd.DataFrame([{"employee_id": e, "date": D(d), "from_region": f, "to_region": t, "kind": "transfer"}
                          for e, d, f, t in m])
    return Dataset(people=p, moves=moves, as_of=D("2024-12-31"))


def by_search(self, day):  # the earlier path: one searchsorted per person
    return self.at(np.arange(len(self.ids)), day)


@pytest.mark.parametrize("which", ["edge", "synthetic"])
def test_everyone_on_a_day_equals_the_search_per_person(which, synthetic_default):
    ds = edge_dataset() if which == "edge" else synthetic_default
    coder = timeline.GroupCoder(ds, ["region", "team"] if which == "synthetic" else ["region"])
    first = timeline.day_numbers([ds.people["hire_date"].min()])[0] - 2
    days = range(first, timeline.day_numbers([ds.as_of])[0] + 3, 1 if which == "edge" else 37)
    for day in days:
        assert np.array_equal(coder.on_day(day), by_search(coder, day)), day


@pytest.mark.parametrize("which", ["edge", "synthetic"])
def test_kpi_tables_identical_to_the_search_path(which, synthetic_default, monkeypatch):
    ds = edge_dataset() if which == "edge" else synthetic_default
    start, end = ("2024-01-01", "2024-12-31") if which == "edge" else ("2023-01-01", "2025-12-31")
    calls = [(metrics.workforce, ["region", "quarter"]), (metrics.workforce, "region"),
             (metrics.workforce, ["team", "year"])] if which == "synthetic" else [
        (metrics.workforce, ["region", "quarter"]), (metrics.workforce, "region")]
    if which == "synthetic":
        calls.append((metrics.sharing, ["region", "quarter"]))
    fast = [f(ds, start, end, g, min_group=1) for f, g in calls]
    fast_unit = timeline.unit_at(ds, "region", "2024-03-31")
    monkeypatch.setattr(timeline.GroupCoder, "on_day", by_search)
    ds.__dict__.pop("_moves_index", None)
    for (f, g), table in zip(calls, fast):
        pd.testing.assert_frame_equal(table, f(ds, start, end, g, min_group=1))
    pd.testing.assert_series_equal(fast_unit, timeline.unit_at(ds, "region", "2024-03-31"))


def test_edge_cases_by_hand():
    ds = edge_dataset()
    t = metrics.workforce(ds, "2024-01-01", "2024-12-31", ["region", "quarter"], min_group=1)
    t = t.set_index(["quarter", "region"])
    # P3: in A until 2023-12-31 -> A at the start of Q1; moves A->B on its first day, B->C on its last
    assert timeline.unit_at(ds, "region", "2023-12-31")[ds.people["employee_id"] == "P3"].iloc[0] == "A"
    assert timeline.unit_at(ds, "region", "2024-03-31")[ds.people["employee_id"] == "P3"].iloc[0] == "C"
    # P4: three moves on 2024-06-30 end in A; on 2024-06-29 P4 is in A (the first move's from)
    p4 = ds.people["employee_id"] == "P4"
    assert timeline.unit_at(ds, "region", "2024-06-29")[p4].iloc[0] == "A"
    assert timeline.unit_at(ds, "region", "2024-06-30")[p4].iloc[0] == "A"
    assert timeline.unit_at(ds, "region", "2024-10-01")[p4].iloc[0] == "C"
    # P1 leaves on 2024-03-31, Q1's last day: a separation in Q1; P2 (in C since its move) on
    # 2024-04-01, Q2's first day: a separation in Q2
    assert t.loc[("2024-Q1", "C"), "separations"] == 1 and t.loc[("2024-Q2", "C"), "separations"] == 1
    # moves in Q2: P4's three (one day) and P6 and P0 on 2024-04-01, Q2's first day
    assert t.xs("2024-Q2", level="quarter")["moves"].sum() == 5
    for q in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"):  # stock-flow identity in every region
        for r, row in t.xs(q, level="quarter").iterrows():
            assert row.headcount_end == row.headcount_start + row.hires - row.separations + row.moves_in - row.moves


def test_a_changed_table_gets_a_new_index(synthetic_default):
    ds = Dataset(people=synthetic_default.people.copy(), moves=synthetic_default.moves.copy(),
                 as_of=synthetic_default.as_of)
    before = metrics.workforce(ds, "2025-01-01", "2025-12-31", "region", min_group=1)
    ds.moves = ds.moves.iloc[: len(ds.moves) // 2]
    after = metrics.workforce(ds, "2025-01-01", "2025-12-31", "region", min_group=1)
    fresh = metrics.workforce(Dataset(people=ds.people, moves=ds.moves, as_of=ds.as_of), "2025-01-01", "2025-12-31",
                              "region", min_group=1)
    pd.testing.assert_frame_equal(after, fresh)
    assert not after.equals(before)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=300), st.integers(0, 2**40))
def test_stable_argsort_is_numpys_stable_sort(values, offset):
    """Equal keys keep their order, as ``np.argsort(kind="stable")`` keeps them: on lists
    with many ties (31 values), none, and keys as large as the moves' (person, day) ones."""
    key = np.array(values, dtype=np.int64) + offset
    assert timeline.stable_argsort(key).tolist() == np.argsort(key, kind="stable").tolist()
    distinct = np.random.default_rng(len(values)).permutation(len(values)).astype(np.int64) * 3 + offset
    assert timeline.stable_argsort(distinct).tolist() == np.argsort(distinct, kind="stable").tolist()
