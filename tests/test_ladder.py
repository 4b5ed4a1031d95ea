"""The text-model ladder: adaptive settings, cross-validation equal to scikit-learn's,
paired intervals on matching folds, every rung on a small set, a tiny random BERT, Chinese."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import write_tiny_bert
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import make_pipeline

from talentkit import ladder, summaries, textclf
from talentkit.core import stats
from talentkit.core.errors import ParameterError

QUICK = dict(data="synthetic:small", task="retention", progress=False, epochs=1, max_length=32)


def test_max_length_follows_the_data():
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(textclf.resolve_model("minilm"))
    short = ["Pay is fine."] * 50
    long = [" ".join(["the workload is crushing and my manager never gives feedback"] * 8)] * 50
    n_short, why = textclf.max_length_for(textclf.token_lengths(tok, short), 512)
    n_long, _ = textclf.max_length_for(textclf.token_lengths(tok, long), 512)
    assert n_short == 16 and n_long > 64 and n_long % 16 == 0, (n_short, n_long)
    assert "95th percentile" in why
    huge = [" ".join(["word"] * 900)] * 5
    assert textclf.max_length_for(textclf.token_lengths(tok, huge), 512)[0] == 512  # capped by the model
    # a value the user sets wins; unset values say why they were chosen
    tok, model = textclf.load_model("minilm")
    auto = textclf.choose_settings(textclf.FinetuneConfig(), tok, model, long)
    given = textclf.choose_settings(textclf.FinetuneConfig(max_length=40, learning_rate=1e-4, epochs=2), tok, model, long)
    assert auto.max_length == n_long and auto.early_stopping and auto.learning_rate == 5e-5
    assert (given.max_length, given.learning_rate, given.epochs, given.early_stopping) == (40, 1e-4, 2, False)
    assert given.why["max_length"] == "set by the user" and "Devlin" in auto.why["learning_rate"]


def test_cross_validated_baseline_equals_scikit_learn_on_the_same_folds():
    cfg = ladder.LadderConfig(**QUICK, rungs="tfidf", folds=3, repeats=2)
    result = ladder.run(cfg)
    df = textclf.load_texts(cfg)
    parts = ladder.fold_indices(df, "cv", 3, 2, 0)
    assert len(parts) == 6
    for p in parts:  # grouped: no writer on both sides
        assert not set(df["group"].iloc[p["test"]]) & set(df["group"].iloc[np.r_[p["fit"], p["dev"]]])
    sk = {"test_roc_auc": [], "test_average_precision": []}
    for p in parts:  # the fold's vocabulary by hand: terms that at least min_group (5) writers use
        fit = df.iloc[p["fit"]]
        analyzer = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
        pairs = pd.DataFrame([(g, t) for g, text in zip(fit["group"], fit["text"]) for t in set(analyzer(text))],
                             columns=["writer", "term"]).drop_duplicates()
        writers = pairs.groupby("term")["writer"].nunique()
        vocabulary = sorted(writers[writers >= 5].index)
        pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, vocabulary=vocabulary),
                             LogisticRegression(max_iter=2000, class_weight="balanced", random_state=0))
        pipe.fit(list(fit["text"]), fit["y"])
        proba = pipe.predict_proba(list(df["text"].iloc[p["test"]]))[:, 1]
        sk["test_roc_auc"].append(roc_auc_score(df["y"].iloc[p["test"]], proba))
        sk["test_average_precision"].append(average_precision_score(df["y"].iloc[p["test"]], proba))
    folds = result.folds.sort_values(["repeat", "fold"])
    np.testing.assert_allclose(folds["roc_auc"], sk["test_roc_auc"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(folds["pr_auc"], sk["test_average_precision"], rtol=0, atol=1e-12)
    row = result.row("tfidf")
    n_test = int(np.mean([len(p["test"]) for p in parts]))
    mean, lo, hi = stats.corrected_interval(sk["test_roc_auc"], len(df) - n_test, n_test)
    assert (row["roc_auc"], row["roc_auc_lo"], row["roc_auc_hi"]) == pytest.approx((mean, lo, hi), abs=1e-12)


def test_paired_difference_is_taken_on_matching_folds():
    cfg = ladder.LadderConfig(**QUICK, rungs="tfidf,embed", folds=3, repeats=2)
    result = ladder.run(cfg)
    f = result.folds.pivot_table(index=["repeat", "fold"], columns="rung", values="f1")
    n_test = int(result.folds["n_test"].mean())
    by_hand = stats.corrected_interval(f["embed"] - f["tfidf"], result.n_texts - n_test, n_test)
    row = result.row("embed")
    assert (row["diff_f1"], row["diff_f1_lo"], row["diff_f1_hi"]) == pytest.approx(by_hand, abs=1e-12)
    unpaired = stats.corrected_interval(f["embed"].to_numpy() - f["tfidf"].to_numpy()[::-1], 1, 1)
    assert unpaired[1:] != pytest.approx(by_hand[1:])  # pairing matters
    assert row["verdict"] == ladder.verdict(row["diff_f1_lo"], row["diff_f1_hi"])


def test_verdicts_come_from_the_interval():
    assert ladder.verdict(0.01, 0.05) == "better"
    assert ladder.verdict(-0.05, -0.001) == "worse"
    assert ladder.verdict(-0.01, 0.2) == "no clear difference"
    assert ladder.verdict(np.nan, np.nan) == "no clear difference"


@pytest.mark.slow
def test_every_rung_runs_on_a_small_set_ranks_and_the_winner_scores_back(tmp_path, tiny_bert):
    # the transformer rungs' wiring, on a 2-layer random BERT (the model fine-tuned and the
    # sentence encoder): the smallest model that checks it
    cfg = ladder.LadderConfig(**QUICK, rungs="tfidf,embed,setfit,lora,finetune", folds=2, repeats=1, max_texts=120,
                              setfit_pairs=32, model=str(tiny_bert), embedding_model=str(tiny_bert))
    result = ladder.run(cfg, tmp_path)
    assert list(result.table["rank"]) == [1, 2, 3, 4, 5]
    assert set(result.table["rung"]) == set(ladder.RUNGS)
    assert result.table["f1"].is_monotonic_decreasing
    assert result.folds.groupby("rung").size().eq(2).all()
    assert result.winner in ladder.RUNGS and (tmp_path / "winner" / "ladder.json").exists()
    oof = result.oof
    assert all(oof[f"p_{r}"].between(0, 1).all() for r in ladder.RUNGS)
    scorer = ladder.load_scorer(tmp_path / "winner")
    assert scorer.rung == result.winner and scorer.predict_proba(oof["text"][:5]).shape == (5,)
    # every rung's saved form reloads to the same probabilities
    df = textclf.load_texts(cfg).head(80)
    for name in ("embed", "setfit", "lora"):
        folder, threshold = ladder.save_winner(cfg, df, name, tmp_path / name, "stayed")
        again = ladder.load_scorer(folder)
        fresh = ladder.make_rung(name, cfg)
        assert again.rung == name and again.threshold == threshold
        assert again.predict_proba(df["text"][:6]).shape == (6,)
    # the text summary names what the table says
    text = summaries.ladder_summary(result).data.replace("\\", "")  # markdown escapes
    for r in result.table.itertuples():
        if r.verdict != "baseline":
            assert f"{r.model} is **{r.verdict}**" in text
    assert fresh.name == "lora"


def test_auto_ladder_keeps_to_the_time_budget():
    cfg = ladder.LadderConfig(**QUICK, folds=2, repeats=1, time_budget=20)
    plan = ladder.plan(textclf.load_texts(cfg), cfg, 2).set_index("rung")
    assert plan.loc["tfidf", "runs"]
    assert plan.loc[plan["runs"], "estimated_seconds"].sum() <= 20 + plan.loc["tfidf", "estimated_seconds"]
    assert not plan.loc["setfit", "runs"] and "budget" in plan.loc["setfit", "why"]
    with pytest.raises(ParameterError, match="unknown rung.*bert"):
        ladder.LadderConfig(rungs="tfidf,bert").rung_names()


@pytest.mark.parametrize("data", ["synthetic:small", "synthetic:small:zh"])
def test_a_tiny_random_bert_fine_tunes_and_reloads(tmp_path, data):
    texts = textclf.load_texts(textclf.FinetuneConfig(data=data))["text"]
    model = write_tiny_bert(tmp_path / "tiny-bert", texts)
    cfg = textclf.FinetuneConfig(data=data, model=str(model), epochs=2, progress=False, learning_rate=1e-3)
    result = textclf.finetune(cfg, tmp_path / "out")
    assert result["settings"]["max_length"] <= 128
    clf = textclf.TextClassifier.load(tmp_path / "out", device="cpu")
    test = result["test_predictions"]
    np.testing.assert_allclose(clf.predict_proba(test["text"]), test["p"], atol=1e-6)
    from transformers import BertForSequenceClassification

    before = BertForSequenceClassification.from_pretrained(model).bert.encoder.layer[0].attention.self.query.weight
    after = clf.model.bert.encoder.layer[0].attention.self.query.weight
    assert not np.allclose(before.detach().numpy(), after.detach().cpu().numpy())  # the whole model was trained


def test_chinese_texts_train_the_baseline_and_the_embedding_rung_above_chance():
    cfg = ladder.LadderConfig(data="synthetic:small:zh", task="retention", rungs="tfidf,embed", folds=3, repeats=1,
                              progress=False)
    assert ladder.language_of(textclf.load_texts(cfg)["text"]) == "zh"
    result = ladder.run(cfg)
    assert result.language == "zh" and result.settings["tfidf"]["terms"][0] == "characters 1-3"
    from scipy.stats import mannwhitneyu

    y = result.oof["y"].to_numpy() == 1
    for rung in ("tfidf", "embed"):  # held-out scores rank the positive texts higher than chance would
        p = result.oof[f"p_{rung}"].to_numpy()
        assert result.row(rung)["roc_auc"] > 0.55
        assert mannwhitneyu(p[y], p[~y], alternative="greater").pvalue < 0.01, rung
    assert textclf.language_of(["我的经理很支持我 but GPU quota is low"]) == "zh"
    assert textclf.language_of(["My manager supports me."]) == "en"


@pytest.mark.slow
def test_default_ladder_verdicts_match_their_paired_intervals_on_the_built_in_texts():
    """The notebook's defaults on the built-in retention texts (about 40 s on 2 cores)."""
    result = ladder.run(ladder.LadderConfig(progress=False))
    assert result.evaluation.startswith("5-fold cross-validation")
    text = summaries.ladder_summary(result).data.replace("\\", "")  # markdown escapes
    for r in result.table.itertuples():
        if r.verdict != "baseline":
            assert r.verdict == ladder.verdict(r.diff_f1_lo, r.diff_f1_hi)
            assert f"{r.model} is **{r.verdict}**" in text
    better = result.table[result.table["verdict"] == "better"]
    assert result.winner == (better["rung"].iloc[0] if len(better) else "tfidf")


def test_above_3000_texts_auto_keeps_cross_validation_while_the_baseline_fits_the_budget():
    from talentkit.ladder import LadderConfig, baseline_seconds, choose_evaluation

    cfg = LadderConfig(time_budget=300, folds=5, repeats=2)
    assert choose_evaluation(cfg, 2_000) == "cv"
    assert choose_evaluation(cfg, 7_000) == "cv"  # 5 x 2 folds of TF-IDF: about 16 s of 300
    assert baseline_seconds(7_000, 11) < 150
    assert choose_evaluation(cfg, 100_000) == "split"  # 221 s would pass half the budget
    assert choose_evaluation(cfg.model_copy(update={"evaluation": "split"}), 2_000) == "split"


def test_a_rung_the_budget_no_longer_allows_is_stopped_in_the_run_with_its_scaled_estimate():
    import time

    plan = pd.DataFrame({"rung": ["tfidf", "embed", "setfit"], "estimated_seconds": [1.0, 10.0, 50.0],
                         "actual_seconds": [3.0, np.nan, np.nan], "runs": True, "why": ""})
    cfg = ladder.LadderConfig(**QUICK, time_budget=30)
    why = ladder._over_budget(cfg, plan, "embed", time.time() - 5)  # 5 s + 3 x 10 s > 30 s
    assert why.startswith("stopped in the run: 5 s spent") and "30 s, 3.0× its plan" in why and "30 s budget" in why
    assert ladder._over_budget(cfg.model_copy(update={"time_budget": 40}), plan, "embed", time.time() - 5) is None
    plan.loc[0, "actual_seconds"] = 0.5  # faster than planned: the plan is not scaled down
    assert ladder._over_budget(cfg, plan, "embed", time.time() - 25) == (
        "stopped in the run: 25 s spent, and its 10 s would pass the 30 s budget")
    listed = cfg.model_copy(update={"rungs": "tfidf,embed"})  # a list runs as given
    assert ladder._over_budget(listed, plan, "embed", time.time() - 1000) is None
    assert ladder._over_budget(cfg, plan, "tfidf", time.time() - 1000) is None  # the baseline always runs


def test_a_run_reports_each_rungs_estimate_and_actual_time_and_keeps_its_budget():
    cfg = ladder.LadderConfig(**QUICK, rungs="tfidf", folds=2, repeats=1, time_budget=60)
    result = ladder.run(cfg)
    row = result.plan.set_index("rung").loc["tfidf"]
    assert row["runs"] and 0 < row["actual_seconds"] <= result.seconds <= 60 * 1.1
    assert result.plan.loc[~result.plan["runs"], "actual_seconds"].isna().all()
    text = summaries.ladder_setup(result).data.replace("\\", "")
    assert f"Planned {row['estimated_seconds']:,.0f} s of the 60 s budget (models as listed)" in text
    assert f"the models took {row['actual_seconds']:,.0f} s, {result.seconds:,.0f} s in all" in text


def test_the_split_evaluations_intervals_are_the_percentiles_of_a_hand_run_paired_bootstrap():
    from sklearn import metrics as skm

    cfg = ladder.LadderConfig(**QUICK, rungs="tfidf", evaluation="split", bootstrap=200)
    df = textclf.load_texts(cfg)
    result = ladder.run(cfg, df=df)
    test = result.oof
    y, p = test["y"].to_numpy(), test["p_tfidf"].to_numpy()
    threshold = float(result.folds["threshold"].iloc[0])
    rng = np.random.default_rng(cfg.seed)
    f1s, aucs = [], []
    for _ in range(200):
        idx = rng.integers(0, len(y), len(y))
        f1s.append(skm.f1_score(y[idx], (p[idx] >= threshold).astype(int), zero_division=0))
        aucs.append(skm.roc_auc_score(y[idx], p[idx]) if len(set(y[idx])) == 2 else np.nan)
    row = result.row("tfidf")
    assert (row["f1_lo"], row["f1_hi"]) == pytest.approx(tuple(np.nanpercentile(f1s, [2.5, 97.5])), abs=1e-12)
    assert (row["roc_auc_lo"], row["roc_auc_hi"]) == pytest.approx(tuple(np.nanpercentile(aucs, [2.5, 97.5])), abs=1e-12)
    assert row["diff_f1_lo"] == row["diff_f1_hi"] == 0.0
