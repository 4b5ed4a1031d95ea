"""Drivers and flight risk (talentkit.drivers): every number against lifelines, scikit-learn
or a hand computation, the leakage guard, cross-fitting, fairness and privacy."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score

import talentkit as tk
from talentkit import drivers
from talentkit.core import privacy, stats
from talentkit.core.errors import ParameterError
from talentkit.data import synth
from talentkit.spells import Spells

AS_OF = "2024-06-30"
ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder, frame: pd.DataFrame, extra: str = "") -> tuple:
    """Write ``frame`` (with ``left`` yes/no and ``years``) as a snapshot export and its mapping."""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "export.csv", index=False)
    (folder / "mapping.yaml").write_text(f"form: snapshot\nas_of: {AS_OF}\nsnapshot:\n  left: left\n"
                                         f"  tenure: years\n  tenure_unit: years\n{extra}", encoding="utf-8")
    return folder / "export.csv", folder / "mapping.yaml"


def workforce(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """People whose leaving depends on overtime and satisfaction, as in an HRIS snapshot."""
    rng = np.random.default_rng(seed)
    overtime = rng.choice(["Yes", "No"], n, p=[0.3, 0.7])
    satisfaction = rng.integers(1, 5, n)
    dept = rng.choice(["Sales", "R&D", "HR"], n, p=[0.4, 0.5, 0.1])
    logit = -2.2 + 1.3 * (overtime == "Yes") - 0.35 * (satisfaction - 2.5)
    left = rng.random(n) < 1 / (1 + np.exp(-logit))
    years = np.where(left, rng.integers(0, 6, n), rng.integers(0, 15, n)).astype(float)
    return pd.DataFrame({"left": np.where(left, "Yes", "No"), "years": years, "OverTime": overtime,
                         "Satisfaction": satisfaction, "Department": dept})


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    data, mapping = snapshot(tmp_path_factory.mktemp("export"), workforce())
    return drivers.prepare(tk.load(data, mapping=mapping))


def test_information_value_equals_a_hand_computation(tmp_path):
    # team A: 10 leavers, 40 stayers; team B: 30 leavers, 20 stayers
    frame = pd.DataFrame({"left": ["Yes"] * 10 + ["No"] * 40 + ["Yes"] * 30 + ["No"] * 20,
                          "years": 2.0, "team": ["A"] * 50 + ["B"] * 50})
    data, mapping = snapshot(tmp_path, frame)
    result = drivers.screen(drivers.prepare(tk.load(data, mapping=mapping)))
    d, s = np.array([10, 30]) / 40, np.array([40, 20]) / 60
    woe = np.log(d / s)
    iv = float(((d - s) * woe).sum())
    assert iv == pytest.approx(0.7466, abs=1e-4)  # 0.4167 × (0.9808 + 0.8109)
    assert result.table.loc[0, "information_value"] == pytest.approx(iv, abs=1e-12)
    levels = result.levels.set_index("level")
    assert levels.loc["A", "woe"] == pytest.approx(np.log(0.375), abs=1e-12)
    assert levels.loc["B", "rate"] == pytest.approx(0.6) and levels.loc["A", "rate"] == pytest.approx(0.2)
    # odds ratio of A against the reference (the larger level; here tied, the first): (10/40)/(30/20)
    a_vs_b = (10 / 40) / (30 / 20)
    row = levels.loc["A"] if not levels.loc["A", "reference"] else levels.loc["B"]
    expected = a_vs_b if not levels.loc["A", "reference"] else 1 / a_vs_b
    assert row["odds_ratio"] == pytest.approx(expected, abs=1e-12)
    assert drivers.iv_strength(iv) == "suspiciously strong" and drivers.iv_strength(0.05) == "weak"


def test_hazard_ratios_and_concordance_equal_lifelines_on_a_frame_built_by_hand(people, tmp_path):
    result = drivers.cox(people)
    raw = workforce()
    by_hand = pd.DataFrame({
        "OverTime=Yes": (raw["OverTime"] == "Yes").astype(float),  # reference: No, the most common
        "Satisfaction": (raw["Satisfaction"] - raw["Satisfaction"].mean()) / raw["Satisfaction"].std(ddof=0),
        "months": (raw["years"] * 12).clip(lower=1e-3), "left": (raw["left"] == "Yes").astype(int)})
    ref_dept = raw["Department"].value_counts().index[0]
    for name in raw["Department"].unique():
        if name != ref_dept:
            by_hand[f"Department={name}"] = (raw["Department"] == name).astype(float)
    direct = CoxPHFitter(penalizer=result.penalizer).fit(by_hand, "months", "left")
    table = result.table.set_index(["attribute", "level"])
    assert table.loc[("OverTime", "True vs False"), "hazard_ratio"] == pytest.approx(
        np.exp(direct.params_["OverTime=Yes"]), rel=1e-6)
    assert table.loc[("Satisfaction", "per standard deviation"), "hazard_ratio"] == pytest.approx(
        np.exp(direct.params_["Satisfaction"]), rel=1e-6)
    assert table.loc[("Department", f"HR vs {ref_dept}"), "hr_hi"] == pytest.approx(
        direct.summary.loc["Department=HR", "exp(coef) upper 95%"], rel=1e-6)
    assert result.concordance == pytest.approx(direct.concordance_index_, abs=1e-9)
    assert table.loc[("OverTime", "True vs False"), "hazard_ratio"] > 1.5  # the driver planted above


def test_cross_validated_auc_equals_cross_val_score_on_the_same_folds(people):
    result = drivers.compare_models(people, folds=4, repeats=2, seed=3)
    X, y = people.features(), people.outcome()
    cv = RepeatedStratifiedKFold(n_splits=4, n_repeats=2, random_state=3)
    for name, model in drivers.pipelines(people, seed=3).items():
        expected = cross_val_score(model, X, y, cv=cv, scoring="roc_auc").mean()
        assert result.auc(name) == pytest.approx(expected, abs=1e-12), name
    assert result.best in drivers.MODELS and result.auc(result.best) > 0.65
    folds = result.folds[result.folds["model"] == result.best]["roc_auc"]
    mean, lo, hi = stats.corrected_interval(folds, len(y) - len(y) // 4, len(y) // 4)
    assert lo < mean < hi and hi - lo > 2 * 1.96 * folds.std(ddof=1) / np.sqrt(8)  # wider than the naive one


def test_the_text_score_never_scores_a_row_with_a_model_trained_on_it():
    """Each text is one word unique to its writer: only memorising can tie it to the label.
    Scored in-sample it looks perfect; cross-fitted it is worth nothing, as it should be."""
    rng = np.random.default_rng(0)
    n = 400
    texts = pd.DataFrame({"text": [f"token{i:04d}x" for i in range(n)]})
    y = (rng.random(n) < 0.3).astype(int)
    score = drivers.CrossFittedTextScore(min_df=1, C=100.0, seed=0)
    in_sample = score.fit(texts, y).transform(texts)[:, 0]
    out_of_fold = score.fit_transform(texts, y)[:, 0]
    assert roc_auc_score(y, in_sample) > 0.99
    assert abs(roc_auc_score(y, out_of_fold) - 0.5) < 0.1
    # a model stacked on the cross-fitted score learns that it is worth nothing
    top = LogisticRegression().fit(out_of_fold.reshape(-1, 1), y)
    naive = LogisticRegression().fit(in_sample.reshape(-1, 1), y)
    assert abs(top.coef_[0, 0]) < 0.2 < abs(naive.coef_[0, 0])


def test_record_text_and_both_are_compared_on_the_same_folds():
    ds = tk.load("synthetic:small")
    people = drivers.prepare(ds, text_task="pulse")
    result = drivers.compare_models(people, folds=3, repeats=1)
    assert set(result.table["model"]) == {"logistic", "gradient boosting", "text alone", "logistic + text"}
    assert result.folds.groupby("model")["fold"].apply(list).map(tuple).nunique() == 1
    assert "text" not in set(result.importance["attribute"])
    pulse = ds.texts[ds.texts["task"] == "pulse"].set_index("employee_id")["text"]
    texts = drivers.person_texts(ds, "pulse", people.ids)
    assert (texts != "").sum() == len(pulse) and (texts[texts != ""] == people.ids[texts != ""].map(pulse)).all()


def test_consequences_of_leaving_are_refused_when_named_and_left_out_otherwise(tmp_path):
    frame = workforce(300)
    frame["ExitInterviewScore"] = np.where(frame["left"] == "Yes", 3, np.nan)
    frame["TerminationReason"] = np.where(frame["left"] == "Yes", "moved on", "")
    frame["Badge"] = np.where(frame["left"] == "Yes", "inactive", "active")  # no telling name, but it separates
    data, mapping = snapshot(tmp_path, frame)
    ds = tk.load(data, mapping=mapping)
    people = drivers.prepare(ds)
    assert {"ExitInterviewScore", "TerminationReason", "Badge"} <= set(people.excluded)
    assert "ROC-AUC" in people.excluded["Badge"] and "exit" in people.excluded["ExitInterviewScore"]
    assert not {"ExitInterviewScore", "TerminationReason", "Badge"} & set(people.attributes)
    with pytest.raises(ParameterError, match="'TerminationReason' is a consequence of leaving"):
        drivers.prepare(ds, attributes=["OverTime", "TerminationReason"])
    with pytest.raises(ParameterError, match="'exit_type' is a consequence of leaving"):
        drivers.prepare(tk.load("synthetic:small"), attributes=["level", "exit_type"])
    with pytest.raises(ParameterError, match="not in the people table"):
        drivers.prepare(ds, attributes=["Overtime"])
    assert drivers.leak_reason("MaritalStatus") is None and drivers.leak_reason("YearsSinceExit")


def test_fairness_ratios_equal_a_hand_computation(people):
    result = drivers.compare_models(people, folds=3, repeats=1)
    fair = drivers.fairness(result, people, "Department", n_boot=200).set_index("Department")
    risk = result.risk[result.best].to_numpy()
    flagged = risk >= np.quantile(risk, 1 - result.y.mean())
    group = people.X.loc[people.window, "Department"].astype(str).to_numpy()
    rates = {g: flagged[group == g].mean() for g in np.unique(group)}
    leaving = {g: result.y[group == g].mean() for g in np.unique(group)}
    top = max(rates, key=rates.get)
    for g in rates:
        assert fair.loc[g, "flag_rate"] == pytest.approx(rates[g])
        assert fair.loc[g, "flag_ratio"] == pytest.approx(rates[g] / rates[top])
        assert fair.loc[g, "leaving_ratio"] == pytest.approx(leaving[g] / leaving[top])
        assert fair.loc[g, "flag_ratio_lo"] <= fair.loc[g, "flag_ratio"] <= fair.loc[g, "flag_ratio_hi"]
        assert fair.loc[g, "four_fifths"] == (rates[g] / rates[top] < 0.8)
    by_group = drivers.risk_by_group(result, people, "Department").set_index("Department")
    assert by_group.loc["Sales", "expected"] == pytest.approx(risk[group == "Sales"].sum())


def test_a_protected_attribute_kept_out_of_the_models_is_still_checked(tmp_path):
    data, mapping = snapshot(tmp_path, workforce())
    people = drivers.prepare(tk.load(data, mapping=mapping), attributes=["OverTime", "Satisfaction"])
    assert people.attributes == ["OverTime", "Satisfaction"]
    result = drivers.compare_models(people, folds=3, repeats=1)
    fair = drivers.fairness(result, people, "Department", n_boot=50)
    assert sorted(fair["Department"]) == ["HR", "R&D", "Sales"] and fair["n"].sum() == 600


def test_small_groups_are_hidden_and_take_no_part_in_the_ratios(tmp_path):
    frame = workforce(400)
    frame.loc[:3, "Department"] = "Legal"  # four people
    data, mapping = snapshot(tmp_path, frame)
    people = drivers.prepare(tk.load(data, mapping=mapping))
    screened = drivers.screen(people, min_group=5).levels.set_index(["attribute", "level"])
    legal = screened.loc[("Department", "Legal")]
    assert legal["suppressed"] and np.isnan(legal["rate"])
    result = drivers.compare_models(people, folds=3, repeats=1)
    fair = drivers.fairness(result, people, "Department", n_boot=50).set_index("Department")
    assert fair.loc["Legal", "suppressed"] and np.isnan(fair.loc["Legal", "flag_ratio"])
    assert not fair.loc["Legal", "four_fifths"]


def test_no_person_is_listed_unless_show_ids_and_then_as_pseudonyms():
    ds = tk.load("synthetic:small")
    people = drivers.prepare(ds)
    result = drivers.compare_models(people, folds=3, repeats=1)
    assert drivers.highest_risk(result, people) is None
    listed = drivers.highest_risk(result, people, k=5, show_ids=True, salt="s")
    assert listed["person"].str.startswith("P-").all() and not listed["person"].isin(ds.people["employee_id"]).any()
    assert listed["risk"].is_monotonic_decreasing
    for table in (drivers.screen(people).table, drivers.screen(people).levels, drivers.cox(people).table,
                  result.table, result.importance):
        assert not table.astype(str).isin(ds.people["employee_id"]).any().any()


def test_an_export_without_ids_never_lists_row_numbers(people):
    result = drivers.compare_models(people, folds=3, repeats=1)
    assert people.generated_ids and drivers.highest_risk(result, people, show_ids=True) is None


def test_hazard_by_tenure_counts_time_from_entry():
    """Two spells by hand: one hired before the history starts (enters at 24 months, leaves at
    30), one from hire to 10 months, censored."""
    spells = Spells(months=pd.Series([30.0, 10.0]), left=pd.Series([True, False]), entry=pd.Series([24.0, 0.0]),
                    groups=pd.DataFrame(index=range(2)), as_of=pd.Timestamp(AS_OF), form="events")
    data = drivers.DriverData(
        X=pd.DataFrame({"a": ["x", "y"]}), spells=spells, window=pd.Series([True, True]), y=pd.Series([True, False]),
        tenure_at_start=pd.Series([18.0, 0.0]), ids=pd.Series(["a", "b"]), kinds={"a": "category"}, excluded={},
        form="events", as_of=pd.Timestamp(AS_OF), horizon_months=12)
    t = drivers.hazard_by_tenure(data, bands_months=(0, 12, 36), min_group=1).set_index("tenure")
    assert t.loc["0–1 years", "person_years"] == pytest.approx(10 / 12)  # the first spell was not observed then
    assert t.loc["1–3 years", "person_years"] == pytest.approx(6 / 12)
    assert t.loc["1–3 years", "hazard"] == pytest.approx(1 / 0.5) and t.loc["0–1 years", "leavers"] == 0


def test_the_built_in_company_shows_the_drivers_its_generator_used():
    """Level, pay band, team (the generator's manager quality is per team) and tenure, each in
    the direction the generator set."""
    ds = tk.load("synthetic")
    people = drivers.prepare(ds)
    hr = drivers.cox(people)
    table = hr.table.set_index(["attribute", "level"])["hazard_ratio"]
    levels = [1.0] + [table[("level", f"{lv} vs L2")] for lv in ("L3", "L4", "L5")]
    assert table[("level", "L1 vs L2")] > 1 and all(a > b for a, b in zip(levels, levels[1:]))  # LEVEL_HAZARD
    assert table[("pay_band", "below vs at")] > 1.3 and table[("pay_band", "above vs at")] < 0.85  # PAY_HAZARD
    assert hr.left_out == {"region": "implied by team"}
    # team: the generator's multiplier is region turnover × exp(-MANAGER_EFFECT × manager quality)
    rng = np.random.default_rng(0)
    teams = [f"{r} {t}" for r in synth.REGIONS for t in synth.REGIONS[r]["teams"]]
    quality = rng.normal(0, 1, len(teams))  # the generator's first draw
    multiplier = {t: synth.REGIONS[t.split()[0]]["turnover"] * np.exp(-synth.MANAGER_EFFECT * q)
                  for t, q in zip(teams, quality)}
    rows = hr.table[hr.table["attribute"] == "team"]
    named = dict(zip(rows["level"].str.split(" vs ").str[0], rows["hazard_ratio"]))
    named[rows["level"].iloc[0].split(" vs ")[1]] = 1.0
    rho = spearmanr([named[t] for t in named], [multiplier[t] for t in named]).statistic
    assert rho > 0.5
    by_tenure = drivers.hazard_by_tenure(people).set_index("tenure")["hazard"]
    assert by_tenure["1–3 years"] > 1.3 * by_tenure["0–1 years"] and by_tenure["1–3 years"] > by_tenure["3–5 years"]
    screened = drivers.screen(people)
    assert set(screened.top(3)) == {"pay_band", "team", "level"}


def test_parameters_out_of_range_are_refused_with_the_fix(people):
    with pytest.raises(ParameterError, match="horizon_months"):
        drivers.prepare(tk.load("synthetic:small"), horizon_months=0)
    with pytest.raises(ParameterError, match="Lower folds"):
        drivers.compare_models(people, folds=200)
    with pytest.raises(ParameterError, match="cannot group by 'region'"):
        drivers.risk_by_group(drivers.compare_models(people, folds=3, repeats=1), people, "region")
    with pytest.raises(ParameterError, match="no texts table"):
        drivers.person_texts(tk.load("synthetic:small").__class__(people=tk.load("synthetic:small").people),
                             "retention", people.ids)


def test_marked_for_privacy(people):
    assert privacy.marked_min_group(drivers.screen(people, min_group=7).levels) == 7


@pytest.mark.slow
def test_a_real_export_by_a_mapping_file_alone_through_the_notebook(tmp_path):
    """IBM's attrition export, read by the README's four-line mapping and run as a new user
    would (params/drivers.yaml with -p). Published logistic models on it reach a ROC-AUC of
    about 0.83–0.85; overtime is its best-known driver."""
    from exports import ibm_attrition

    from talentkit.runs import runner

    data, mapping = ibm_attrition(tmp_path / "export")
    code, run_dir = runner.execute_run(ROOT / "params" / "drivers.yaml", out_root=tmp_path / "out", progress=False,
                                       overrides={"data": str(data), "mapping": str(mapping), "protected": "Gender",
                                                  "group_by": "Department"})
    assert code == 0
    r = json.loads((run_dir / "06_drivers" / "results.json").read_text(encoding="utf-8"))
    scores = {row[0]: dict(zip(r["cv_scores"]["columns"], row)) for row in r["cv_scores"]["rows"]}
    best = scores[r["best_model"]]
    assert r["population"] == {**r["population"], "people": 1470, "leavers": 237, "form": "snapshot"}
    assert 0.80 <= best["roc_auc"] <= 0.88 and best["roc_auc_lo"] < 0.83 < best["roc_auc_hi"]
    screening = [row[0] for row in r["screening"]["rows"][:5]]
    assert "OverTime" in screening
    drivers_found = {row[0]: row for row in r["top_drivers"]["rows"]}
    assert "OverTime" in drivers_found
    page = (run_dir / "06_drivers" / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"\brow-\d", page)  # the export has no ids: its row numbers never reach the report


@pytest.mark.slow
def test_the_text_score_can_come_from_the_shipped_sentence_encoder():
    from talentkit.core.errors import ModelLoadError

    people = drivers.prepare(tk.load("synthetic"), text_task="pulse")
    result = drivers.compare_models(people, folds=3, repeats=1, text="minilm")
    assert result.text_model == "minilm" and result.auc("text alone") > 0.6
    with pytest.raises(ModelLoadError, match="could not be loaded|no such folder"):
        drivers.compare_models(people, folds=3, repeats=1, text="no-such-org/no-such-encoder")


def test_a_cross_validated_interval_stays_inside_the_scores_range():
    """Few folds and a wide spread: the t interval would pass 1, which no ROC-AUC can."""
    from scipy import stats as sps

    folds = np.array([0.55, 0.99, 0.62, 0.97])
    half = sps.t.ppf(0.975, 3) * np.sqrt((1 / 4 + 25 / 75) * folds.var(ddof=1))  # by hand
    mean, lo, hi = stats.corrected_interval(folds, 75, 25)
    assert (lo, hi) == pytest.approx((folds.mean() - half, folds.mean() + half)) and hi > 1
    assert stats.corrected_interval(folds, 75, 25, (0.0, 1.0)) == pytest.approx((mean, lo, 1.0))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(-3, 3)), min_size=2, max_size=60),
       st.sampled_from([(0, 1), (1, 2), (False, True), ("left", "stayed")]), st.floats(0.01, 100))
def test_the_mann_whitney_auc_is_scikit_learns_roc_auc(pairs, labels, scale):
    """The permutation importance's AUC (Mann–Whitney's statistic, the paired bootstraps'
    own) is ``roc_auc_score``'s area, on scores with many ties and none, on any two labels
    (the greater one positive, as scikit-learn takes it); one class alone, or a score that is
    not a number, goes to scikit-learn, whose answer (not a number with its warning, or its
    error) it keeps."""
    from sklearn.exceptions import UndefinedMetricWarning

    from talentkit.drivers._importance import _roc_auc

    y = np.array([labels[1] if positive else labels[0] for positive, _ in pairs])
    score = np.array([value * scale + (0.5 if positive else 0.0) * (value % 2) for positive, value in pairs])
    if len(set(y.tolist())) < 2:
        with pytest.warns(UndefinedMetricWarning):
            assert np.isnan(_roc_auc(y, score))
        return
    assert _roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    with pytest.raises(ValueError, match="NaN"):  # never a silent number: scikit-learn's own error
        _roc_auc(y, np.where(np.arange(len(y)) == 0, np.nan, score))


@pytest.mark.parametrize("source", ["synthetic:small", "ibm"])
def test_importance_by_encoded_blocks_equals_scikit_learns_permutation_importance(source, tmp_path):
    """The logistic model's permutation importance, computed on the encoded matrix's blocks,
    is scikit-learn's ``permutation_importance`` number for number: on the small built-in
    company (a sparse encoding) and on IBM's export (30 attributes, a dense one), on held-out rows."""
    from exports import ibm_attrition
    from sklearn.base import clone
    from sklearn.inspection import permutation_importance

    from talentkit.drivers import _importance, _prediction

    if source == "ibm":
        data, mapping = ibm_attrition(tmp_path / "export")
        people = drivers.prepare(tk.load(data, mapping=mapping))
    else:
        people = drivers.prepare(tk.load(source), text_task="")
    X, y = people.features(with_text=False), people.outcome()
    train, test = next(RepeatedStratifiedKFold(n_splits=3, n_repeats=1, random_state=0).split(X, y))
    fitted = clone(_prediction.pipelines(people)["logistic"]).fit(X.iloc[train], y[train])
    blocks = _importance.encoded_blocks(fitted, list(X.columns))
    assert blocks is not None and sum(len(b) for b in blocks.values()) == fitted[0].transform(X.iloc[:2]).shape[1]
    ours = _importance.auc_drop(fitted, X.iloc[test], y[test], 3, 7)
    theirs = permutation_importance(fitted, X.iloc[test], y[test], scoring="roc_auc", n_repeats=3,
                                    random_state=7).importances_mean
    # the same shuffles and scores; the Mann–Whitney AUC (test below) differs in its last bits only
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    assert (ours != 0).sum() >= 3  # shuffling the attributes moves the score
    # a model whose blocks are not known goes to scikit-learn's function itself
    boosted = clone(_prediction.pipelines(people)["gradient boosting"]).fit(X.iloc[train], y[train])
    assert _importance.encoded_blocks(boosted, list(X.columns)) is None
