"""The manpower model and the staffing programme, against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talentkit import flows, staffing, widgets
from talentkit import scenarios as sc


def two_units(P, r=(0.5, 0.5), stock=(100.0, 50.0)) -> flows.FlowModel:
    return flows.FlowModel.from_counts(["A", "B"], np.asarray(P, float) * 100, np.asarray(r, float) * 10, [2024],
                                       np.asarray(stock, float))


def test_rows_of_p_sum_to_one_on_the_data(synthetic_default):
    m = flows.FlowModel("region").fit(synthetic_default, 2022, 2024)
    np.testing.assert_allclose(m.P.sum(axis=1), 1.0, atol=1e-12)
    t = m.table(min_group=1)
    assert ((t["p_lo"] <= t["p"]) & (t["p"] <= t["p_hi"])).all()
    assert int(m.counts.sum()) == sum(int((flows.units_on(synthetic_default, pd.Timestamp(y - 1, 12, 31)).notna()).sum())
                                      for y in (2022, 2023, 2024))


def test_no_hiring_no_exit_conserves_headcount_exactly():
    m = two_units([[0.7, 0.3, 0.0], [0.2, 0.8, 0.0]])
    path = m.project(10)
    assert (path["total"] == 150.0).all()


def test_two_unit_projection_by_hand():
    P = [[0.8, 0.1, 0.1], [0.05, 0.9, 0.05]]
    m = two_units(P, r=(0.6, 0.4))
    path = m.project(2, hires=[20, 30])
    a1 = 100 * 0.8 + 50 * 0.05 + 20 * 0.6
    b1 = 100 * 0.1 + 50 * 0.9 + 20 * 0.4
    a2 = a1 * 0.8 + b1 * 0.05 + 30 * 0.6
    b2 = a1 * 0.1 + b1 * 0.9 + 30 * 0.4
    assert path.loc[1, "A"] == pytest.approx(a1, abs=1e-12) and path.loc[1, "B"] == pytest.approx(b1, abs=1e-12)
    assert path.loc[2, "A"] == pytest.approx(a2, abs=1e-12) and path.loc[2, "B"] == pytest.approx(b2, abs=1e-12)
    assert path.loc[1, "exits"] == pytest.approx(100 * 0.1 + 50 * 0.05, abs=1e-12)
    grown = m.project(3, growth=0.1)
    assert grown.loc[3, "total"] == pytest.approx(150 * 1.1**3, abs=1e-9)


def test_fundamental_matrix_by_hand():
    m = two_units([[0.8, 0.1, 0.1], [0.05, 0.9, 0.05]])
    # (I - Q) = [[0.2, -0.1], [-0.05, 0.1]]; det = 0.015; inverse = [[0.1, 0.1], [0.05, 0.2]] / 0.015
    years = m.expected_years(min_group=1)
    assert years["A"] == pytest.approx(0.2 / 0.015, abs=1e-12)
    assert years["B"] == pytest.approx(0.25 / 0.015, abs=1e-12)


def test_halving_attrition_lowers_exits():
    m = two_units([[0.8, 0.1, 0.1], [0.05, 0.9, 0.05]])
    base = sc.Baseline(0.8, 0.3, 10000, 100000, 0.5)
    half = sc.Scenario("half", [sc.AttritionMultiplier(0.5, cost_per_head=100)])
    result = sc.compare(m, [half], base, years=3)
    path, t = result.path, result.table.set_index("scenario")
    assert result.best() == "half"
    assert t.loc["half", "exits"] < t.loc["baseline", "exits"]
    P = half.levers[0].apply(m, m.P, m.r)[0]
    assert P[0, -1] == pytest.approx(0.05) and P[0, 0] == pytest.approx(0.85)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    first = path[(path.scenario == "half") & (path.year == 1)].iloc[0]
    assert first["exits"] == pytest.approx(100 * 0.05 + 50 * 0.025)
    assert first["lever_cost"] == pytest.approx(100 * 150)


def test_backtest_within_ten_percent(synthetic_default):
    bt = flows.backtest(synthetic_default, 2025)
    assert bt["relative_error"].abs().max() < 0.10, bt


def test_lp_hand_solvable_optimum():
    """3 NLP people needed by quarter 3. Internal: 1 available at 10 each. Channel 'fast'
    costs 30 (1 a quarter, arrives a quarter later); 'slow' costs 20 (5 a quarter, arrives
    two quarters later). Cheapest: the internal move, and 2 'slow' hires started in quarter 1."""
    app = staffing.ApplicationScenario("t", "2026-01-01", {"NLP": [0, 0, 3]})
    fast, slow = staffing.Channel("fast", 30, 1, 1), staffing.Channel("slow", 20, 5, 2)
    out = staffing.plan_staffing(app, [fast, slow], {"NLP": 1}, internal_cost=10)
    # cheapest: 1 internal (10) + 2 slow started in quarter 1 (2 x 20) = 50
    assert out["cost"] == 50 and out["unmet_total_end"] == 0 and out["staffed_quarter"] == 1
    got = out["plan"].groupby("source")["people"].sum().to_dict()
    assert got == {"internal move": 1, "slow": 2}


def test_infeasible_demand_is_reported_unmet():
    app = staffing.ApplicationScenario("t", "2026-01-01", {"CV": [5, 10]})
    out = staffing.plan_staffing(app, [staffing.Channel("slow", 20, 5, 2)], {"CV": 2}, internal_cost=10)
    # only the 2 internal people can arrive within two quarters
    assert out["unmet"].set_index("quarter")["unmet"].to_dict() == {1: 3, 2: 8}
    assert out["staffed_quarter"] is None and out["unmet_total_end"] == 8


def test_application_files_load():
    from pathlib import Path

    files = sorted(Path(__file__).resolve().parents[1].glob("params/scenarios/*.yaml"))
    assert {f.stem for f in files} >= {"customer_service", "financial_sentiment", "recommendation", "healthcare",
                                       "education", "manufacturing"}
    for f in files:
        app = staffing.load_application(f)
        assert app.quarters >= 4 and app.demand


def test_bad_application_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2026-01-01\ndemand: {NLP: [1, two]}\n")
    with pytest.raises(ValueError, match="bad.yaml: key 'demand'"):
        staffing.load_application(bad)


def test_explorer_returns_a_widget():
    import ipywidgets as w

    m = two_units([[0.8, 0.1, 0.1], [0.05, 0.9, 0.05]])
    base = sc.Baseline(0.8, 0.3, 10000, 100000)
    assert widgets.scenario_explorer(m, base, years=2, interactive=False) is None  # a batch run builds no widget
    widget = widgets.scenario_explorer(m, base, years=2, interactive=True)
    assert isinstance(widget, w.interactive)
    widget.children[0].value = 0.5  # move the exits slider: the comparison is redrawn
    shown = widget.result.set_index("scenario")
    assert shown.loc["what-if", "exits"] < shown.loc["baseline", "exits"]
    # the slider's lever is the menu's pay_raise, with the same cost assumption
    menu_cost = sc.pay_raise(base, 0.8).cost_per_head
    assert menu_cost == pytest.approx(0.04 * base.salary)
    assert sc.policy_menu(m, base)["pay_raise"].levers[0].cost_per_head == menu_cost


def test_units_nobody_leaves_have_infinite_expected_years():
    # B keeps everyone and nobody leaves it; A sends some people to B
    m = two_units([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0]])
    years = m.expected_years(min_group=1)
    assert np.isinf(years["A"]) and np.isinf(years["B"])
    m = two_units([[0.8, 0.0, 0.2], [0.0, 1.0, 0.0]])  # A never reaches B: finite
    years = m.expected_years(min_group=1)
    assert years["A"] == pytest.approx(1 / 0.2) and np.isinf(years["B"])
    empty = flows.FlowModel.from_counts(["A", "B"], np.array([[80.0, 0, 20], [0, 0, 0]]), np.ones(2), [2024], np.ones(2))
    assert empty.P[1].tolist() == pytest.approx([0, 0.8, 0.2])  # pooled exit rate for a unit with no data
