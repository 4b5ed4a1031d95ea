"""Programme evaluation (notebook 09) against planted truth: the built-in company's retention
bonus (a real effect) and training scheme (none), a staggered design where two-way fixed
effects is biased, each guard on its planted case, the placebo, the bootstrap and the
synthetic control against hand computations; pyfixest does the estimating."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import talentkit as tk
from talentkit import impact, summaries
from talentkit.core.errors import DataError, ParameterError, SmallGroupError
from talentkit.data import synthprogrammes

warnings.filterwarnings("ignore", module="pyfixest")


@pytest.fixture(scope="module")
def company():
    ds = tk.load("synthetic")
    planted, table = impact.read_programmes("synthetic", ds)
    return ds, planted, table


def plain(shown) -> str:
    """A sentence's text without Markdown's escapes."""
    return shown.data.replace("\\", "")


def truth_of(plan, original: pd.DataFrame) -> float:
    """The planted effect on the treated: the mean, over treated cells, of the outcome with the
    programme less the outcome without it (the same cells of the company before planting)."""
    both = plan.panel.merge(original[["unit", "period", "y"]], on=["unit", "period"], suffixes=("", "_without"))
    return float((both["y"] - both["y_without"])[both["treat"] == 1].mean())


def test_the_planted_bonus_is_recovered_by_both_estimators(company):
    ds, planted, table = company
    plan = impact.design(impact.outcome_panel(planted, "region", "voluntary_turnover", "quarter"), table,
                         synthprogrammes.BONUS)
    truth = truth_of(plan, impact.outcome_panel(ds, "region", "voluntary_turnover", "quarter"))
    result = impact.estimate(plan, resamples=999)
    rows = result.table.set_index("estimator")
    print(f"\nbonus: truth {truth:.2f} voluntary exits per 100 person-years\n" + rows.round(2).to_string()
          + f"\n{result.inference}")
    for name in ("imputation (did2s)", "saturated event study"):
        assert rows.loc[name, "estimate_lo"] <= truth <= rows.loc[name, "estimate_hi"], name
    assert rows.loc["imputation (did2s)", "estimate_hi"] < 0  # told from zero
    assert "wild cluster bootstrap (5 units" in result.inference
    assert "lowered" in plain(summaries.impact_verdict(result))


def test_the_training_with_no_effect_covers_zero(company):
    _, planted, table = company
    plan = impact.design(impact.outcome_panel(planted, "team", "voluntary_turnover", "quarter"), table,
                         synthprogrammes.TRAINING)
    result = impact.estimate(plan, resamples=999)
    rows = result.table.set_index("estimator")
    print("\ntraining:\n" + rows.round(2).to_string())
    for name in ("imputation (did2s)", "saturated event study"):
        assert rows.loc[name, "estimate_lo"] <= 0 <= rows.loc[name, "estimate_hi"], name
    text = plain(summaries.impact_verdict(result))
    assert "no effect of manager training" in text and "can be told from zero" in text


def staggered_design(**kwargs):
    panel, truth = synthprogrammes.staggered_panel(**kwargs)
    day = pd.Timestamp("2020-01-01") + pd.to_timedelta(panel["period"] * 31, "D")
    frame = pd.DataFrame({"unit": "u" + panel["unit"].astype(str), "period": day.dt.to_period("M").dt.to_timestamp(),
                          "headcount": 50, "exposure": 1.0, "events": 0, "y": panel["y"]})
    frame.attrs.update(unit_column="unit", measure="y")
    first = panel[panel["start"] > 0].groupby("unit")["start"].first()
    starts = (pd.Timestamp("2020-01-01") + pd.to_timedelta(first * 31, "D")).dt.to_period("M").dt.to_timestamp()
    table = pd.DataFrame({"unit_column": "unit", "unit": "u" + first.index.astype(str), "programme": "p",
                          "start": starts.to_numpy(), "end": pd.NaT})
    return frame, table, truth


def test_two_way_fixed_effects_is_biased_under_staggered_growing_effects_and_imputation_is_not():
    frame, table, truth = staggered_design()
    result = impact.estimate(impact.design(frame, table, "p"))
    rows = result.table.set_index("estimator")
    print(f"\nstaggered design: truth {truth:.3f}\n" + rows.round(3).to_string())
    assert not rows.loc["two-way fixed effects", "estimate_lo"] <= truth <= rows.loc["two-way fixed effects",
                                                                                     "estimate_hi"]
    assert rows.loc["imputation (did2s)", "estimate_lo"] <= truth <= rows.loc["imputation (did2s)", "estimate_hi"]
    assert rows.loc["saturated event study", "estimate_lo"] <= truth <= rows.loc["saturated event study", "estimate_hi"]
    assert result.inference == "errors clustered by unit (60 units)"


def test_the_placebo_start_finds_nothing(company):
    _, planted, table = company
    plan = impact.design(impact.outcome_panel(planted, "region", "voluntary_turnover", "quarter"), table,
                         synthprogrammes.BONUS)
    est, lo, hi, shift = impact.placebo(plan)
    print(f"\nplacebo {shift} periods early: {est:.2f} ({lo:.2f} to {hi:.2f})")
    assert lo <= 0 <= hi
    assert "nothing, as it should" in plain(summaries.impact_placebo((est, lo, hi, shift), plan.measure))


def test_the_imputation_estimate_is_linear_as_written_and_its_bootstrap_spread_is_the_cluster_sums():
    frame, table, _ = staggered_design(units=24, periods=24, seed=3)
    plan = impact.design(frame, table, "p")
    tau, _ = impact.imputation(plan)
    weights = impact.imputation_weights(plan)
    assert weights @ plan.panel["y"].to_numpy() == pytest.approx(tau, abs=1e-9)  # pyfixest's did2s, by hand
    lo, hi, _ = impact.wild_bootstrap(plan, resamples=20000, seed=1)
    assert lo < tau < hi
    # Webb's weights have variance 1: the draws' spread is the root sum of squared cluster sums
    import pyfixest as pf

    resid = plan.panel["y"].to_numpy() - pf.feols("y ~ treat | unit + t", data=plan.panel).predict()
    sums = pd.Series(weights * resid).groupby(plan.panel["unit"].to_numpy()).sum()
    assert (hi - lo) / (2 * 1.96) == pytest.approx(np.sqrt((sums ** 2).sum()), rel=0.08)


def guarded(frame: pd.DataFrame, table: pd.DataFrame, **kwargs):
    return impact.design(frame, table, "p", **kwargs).guards.set_index("guard")


def test_each_guard_fires_on_its_planted_case():
    frame, table, _ = staggered_design(units=20, periods=24, seed=2)
    first = frame["period"].min()
    always = pd.concat([table, pd.DataFrame({"unit_column": "unit", "unit": ["u3"], "programme": "p",
                                             "start": [first], "end": pd.NaT})])
    always = always.drop_duplicates("unit", keep="last")
    assert "u3" in guarded(frame, always).loc["always-treated units (dropped)", "found"]
    gap = frame.copy()
    gap.loc[(gap["unit"] == "u5") & (gap["period"] == gap["period"].max()), "headcount"] = 0
    assert "u5" in guarded(gap, table).loc["units missing periods (dropped: balanced panel)", "found"]
    few = frame.copy()
    few.loc[few["unit"] == "u7", "headcount"] = 3  # a never-treated unit (u3, u7, ... start after the data)
    assert guarded(few, table.query("unit != 'u7'")).filter(like="under 5 people", axis=0)["found"].item() == "1"
    ended = table.copy()
    ended.loc[ended["unit"] == "u1", "end"] = frame["period"].sort_values().unique()[18]
    found = guarded(frame, ended).loc["treatments that switch off (periods after the end dropped)"]
    assert found["found"] == "u1" and found["rows_dropped"] == 5
    assert "u2" in guarded(frame, table).loc["units starting after the data ends (untreated here)", "found"]
    lacking = pd.concat([table, pd.DataFrame({"unit_column": "unit", "unit": ["nowhere"], "programme": "p",
                                              "start": [frame["period"].max()], "end": pd.NaT})])
    assert guarded(frame, lacking).loc["units the data lacks", "found"] == "nowhere"
    long, long_table, _ = staggered_design(units=20, periods=40, seed=2)
    everyone = long[long["unit"].isin(long_table["unit"])].copy()
    everyone.attrs.update(long.attrs)
    none = guarded(everyone, long_table).loc["never-treated units"]
    assert none["found"].startswith("none: the not-yet-treated") and none["rows_dropped"] > 0
    late = table.assign(start=frame["period"].sort_values().unique()[2])
    with pytest.raises(ParameterError, match="needs at least 3 before it"):
        impact.design(frame, late, "p")
    with pytest.raises(ParameterError, match="no programme 'q'"):
        impact.design(frame, table, "q")


def test_a_cohort_under_min_group_is_refused(company):
    _, planted, table = company
    panel = impact.outcome_panel(planted, "region", "voluntary_turnover", "quarter")
    with pytest.raises(SmallGroupError, match="fewer than 300 people"):
        impact.design(panel, table, synthprogrammes.BONUS, min_group=300)
    plan = impact.design(panel, table, synthprogrammes.BONUS)
    assert plan.cohorts["people"].min() >= 5 and tk.privacy.marked_min_group(plan.cohorts) == 5


def test_one_treated_unit_gets_a_synthetic_control_whose_weights_match_by_hand():
    rng = np.random.default_rng(0)
    periods = 30
    base = {f"c{k}": np.cumsum(rng.normal(0, 1, periods)) + 10 * k for k in range(6)}
    treated = 0.3 * base["c1"] + 0.7 * base["c4"] + np.where(np.arange(periods) >= 20, 8.0, 0.0)
    rows = [(u, t, y) for u, ys in {**base, "t0": treated}.items() for t, y in enumerate(ys)]
    frame = pd.DataFrame(rows, columns=["unit", "t", "y"])
    frame["period"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(frame["t"] * 31, "D")
    frame["period"] = frame["period"].dt.to_period("M").dt.to_timestamp()
    frame = frame.assign(headcount=40, exposure=1.0, events=0).drop(columns="t")
    frame.attrs.update(unit_column="unit", measure="y")
    table = pd.DataFrame({"unit_column": ["unit"], "unit": ["t0"], "programme": ["p"],
                          "start": [np.sort(frame["period"].unique())[20]], "end": [pd.NaT]})
    result = impact.synthetic_control(impact.design(frame, table, "p"))
    weights = result.weights.set_index("unit")["weight"]
    assert weights["c1"] == pytest.approx(0.3, abs=1e-3) and weights["c4"] == pytest.approx(0.7, abs=1e-3)
    assert result.effect == pytest.approx(8.0, abs=1e-2)
    assert result.p_value == pytest.approx(1 / 7)  # the treated unit ranks first among 6 placebos
    assert "One unit was treated (t0)" in plain(summaries.impact_synthetic(result, impact.design(frame, table, "p")))


def test_a_programmes_file_reads_through_its_mapping_and_bad_ones_say_what_to_fix(tmp_path, company):
    ds, _, _ = company
    pd.DataFrame({"Region": ["EU", "SG"], "Scheme": ["bonus", "bonus"], "From": ["2023-01-01", "2023-07-01"],
                  "Until": ["", "2024-06-30"]}).to_csv(tmp_path / "programmes.csv", index=False)
    (tmp_path / "programmes.yaml").write_text("file: programmes.csv\nunit_column: region\nunit: Region\n"
                                              "programme: Scheme\nstart: From\nend: Until\n", encoding="utf-8")
    same, table = impact.read_programmes(tmp_path / "programmes.yaml", ds)
    assert same is ds and table["end"].isna().tolist() == [True, False]
    (tmp_path / "bad.yaml").write_text("file: programmes.csv\nunit_column: region\nunit: Regoin\nprogramme: Scheme\n"
                                       "start: From\n", encoding="utf-8")
    with pytest.raises(DataError, match="did you mean 'Region'"):
        impact.read_programmes(tmp_path / "bad.yaml", ds)
    with pytest.raises(DataError, match="a programmes table, not its mapping"):
        impact.read_programmes(tmp_path / "programmes.csv", ds)
    with pytest.raises(DataError, match="belong to the built-in company"):
        impact.read_programmes("synthetic", type("Dataset", (), {"source": "my folder"})())


def test_outcome_panels_count_events_by_hand(company):
    ds, _, _ = company
    panel = impact.outcome_panel(ds, "region", "turnover", "quarter")
    p = ds.people
    q = pd.Timestamp("2024-04-01")
    left = p[(p["exit_date"] >= q) & (p["exit_date"] < q + pd.DateOffset(months=3)) & (p["region"] == "US")]
    row = panel[(panel["unit"] == "US") & (panel["period"] == q)].iloc[0]
    assert row["events"] == len(left)
    assert row["y"] == pytest.approx(100 * len(left) / row["exposure"])
    accept = impact.outcome_panel(ds, "region", "acceptance", "quarter")
    shown = accept["y"].dropna()
    assert len(shown) and shown.between(0, 100).all()


def test_the_wild_bootstrap_takes_over_below_thirty_units():
    for units, expected in ((30, "errors clustered by unit (30 units)"), (29, "wild cluster bootstrap (29 units")):
        frame, table, _ = staggered_design(units=units, periods=24, seed=4)
        assert impact.estimate(impact.design(frame, table, "p"), resamples=99).inference.startswith(expected)
