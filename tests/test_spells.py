"""One spell contract for every time-to-event analysis (talentkit.spells): built from an event
history and from a snapshot export, checked against the raw records by hand, and Kaplan–Meier
from it checked against a product-limit estimate written out here and against lifelines."""

from __future__ import annotations

import exports
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

import talentkit as tk
from talentkit import drivers, spells, tenure
from talentkit.core import privacy


def product_limit(months: np.ndarray, left: np.ndarray, entry: np.ndarray, t: float) -> float:
    r"""Kaplan–Meier by hand: :math:`\prod_{t_i \le t} (1 - d_i / n_i)`, with :math:`n_i` the
    spells at risk at :math:`t_i`: not yet ended, and entered before it (a spell observed from
    hire is at risk from its first day, so a leaver in month 0 counts too)."""
    s = 1.0
    for ti in np.unique(months[left & (months <= t)]):
        at_risk = (((entry < ti) | (entry == 0)) & (months >= ti)).sum()
        s *= 1 - (left & (months == ti)).sum() / at_risk
    return s


def test_event_history_spells_are_the_records_by_hand():
    ds = tk.load("synthetic:small")
    s = spells.spells(ds, group_by=["level"])
    p = ds.people[ds.people["hire_date"] <= ds.as_of]
    left = p["exit_date"].notna() & (p["exit_date"] <= ds.as_of)
    months = (p["exit_date"].where(left, ds.as_of) - p["hire_date"]).dt.days / 30.4375
    first_exit = p.loc[left, "exit_date"].min()
    entry = ((first_exit - p["hire_date"]).dt.days / 30.4375).clip(lower=0)
    assert s.months.tolist() == pytest.approx(months.tolist()) and s.left.tolist() == left.tolist()
    assert s.entry.tolist() == pytest.approx(entry.tolist()) and s.observed_from == first_exit
    assert (s.entry > 0).any() and (s.entry == 0).any()  # some hired before the history starts, some after
    assert s.groups["level"].tolist() == p["level"].tolist()


def test_kaplan_meier_from_spells_matches_the_product_limit_and_lifelines():
    s = spells.spells(tk.load("synthetic:small"))
    months, left, entry = s.months.to_numpy(), s.left.to_numpy(), s.entry.to_numpy()
    hired = s.from_hire().to_numpy()
    fitters = spells.km_fitters(s.months[s.from_hire()], s.left[s.from_hire()],
                                pd.Series("all", index=s.months[s.from_hire()].index), ["all"])
    delayed = KaplanMeierFitter().fit(months, left, entry=entry)
    for t in (6, 12, 24, 36):
        by_hand = product_limit(months[hired], left[hired], np.zeros(hired.sum()), t)
        assert float(fitters["all"].predict(t)) == pytest.approx(by_hand, abs=1e-12)
        assert float(delayed.predict(t)) == pytest.approx(product_limit(months, left, entry, t), abs=1e-12)


def test_a_snapshot_gives_its_own_tenure_and_flag_observed_whole(tmp_path):
    data, mapping = exports.ibm(tmp_path)
    ds = tk.load(data, mapping=mapping)
    raw = pd.read_csv(data)
    s = spells.spells(ds, group_by=["team"])
    assert s.months.tolist() == (raw["YearsAtCompany"] * 12.0).tolist()
    assert s.left.tolist() == (raw["Attrition"] == "Yes").tolist()
    assert (s.entry == 0).all() and s.observed_from is None and s.form == "snapshot"
    km = spells.km_fitters(s.months, s.left, pd.Series("all", index=s.months.index), ["all"])["all"]
    for t in (12, 36, 60):
        assert float(km.predict(t)) == pytest.approx(product_limit(s.months.to_numpy(), s.left.to_numpy(),
                                                                   np.zeros(len(s)), t), abs=1e-12)


def test_tenure_and_drivers_read_the_same_spells():
    ds = tk.load("synthetic:small")
    s = spells.spells(ds)
    d = tenure.durations(ds)
    data = drivers.prepare(ds)
    assert d["months"].tolist() == s.months.tolist() and d["left"].tolist() == s.left.tolist()
    assert data.months.equals(s.months) and data.entry.equals(s.entry) and data.left.equals(s.left)


def test_one_small_group_rule_for_curves_and_tests():
    """A level of fewer than min_group spells is hidden with its complement; the curves drawn
    and the log-rank test use exactly the levels the table shows."""
    levels = pd.Series(["a"] * 30 + ["b"] * 20 + ["c"] * 6 + ["d"] * 3)
    rng = np.random.default_rng(0)
    months, left = pd.Series(rng.exponential(20, len(levels))), pd.Series(rng.random(len(levels)) < 0.6)
    sizes = spells.level_sizes(levels, min_group=5, not_nested="a test's own table")
    shown = spells.visible_levels(sizes)
    assert shown == ["a", "b"] and privacy.marked_min_group(sizes) == 5  # d too small, c its complement
    assert list(spells.km_fitters(months, left, levels, shown)) == ["a", "b"]
    groups, statistic, p = spells.logrank_test(months, left, levels, shown)
    keep = levels.isin(shown)
    expected = multivariate_logrank_test(months[keep], levels[keep], left[keep])
    assert groups == 2 and p == pytest.approx(expected.p_value) and statistic == pytest.approx(expected.test_statistic)
