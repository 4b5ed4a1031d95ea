"""Fine-tuning on the CPU: tiny runs with the shipped MiniLM weights, and the bad inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from talentkit import textclf
from talentkit.textclf import FinetuneConfig

TINY = dict(data="synthetic:small", task="retention", epochs=1, batch_size=16, max_train_samples=64,
            max_length=32, progress=False, logging_steps=2)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ft")
    cfg = FinetuneConfig(**TINY)
    return cfg, out, textclf.finetune(cfg, out)


def test_tiny_finetune_saves_reloads_and_predicts_identically(tiny_run):
    cfg, out, result = tiny_run
    assert (out / "model" / "config.json").exists() and (out / "metrics.json").exists()
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["test"]["f1"] == result["test"]["f1"]
    clf = textclf.TextClassifier.load(out, device="cpu")
    test = result["test_predictions"]
    again = clf.predict_proba(test["text"])
    np.testing.assert_allclose(again, test["p"].to_numpy(), atol=1e-6)
    assert clf.threshold == result["threshold"]
    assert clf.predict(test["text"]).tolist() == (test["p"] >= result["threshold"]).astype(int).tolist()
    assert set(result["test"]) >= {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "confusion"}


def test_threshold_comes_from_dev_not_test(tiny_run):
    cfg, out, result = tiny_run
    parts = textclf.split(textclf.load_texts(cfg), cfg.dev_size, cfg.test_size, cfg.seed)
    clf = textclf.TextClassifier.load(out, device="cpu")
    p_dev = clf.predict_proba(parts["dev"]["text"])
    assert result["threshold"] == pytest.approx(textclf.tune_threshold(parts["dev"]["y"], p_dev, "f1"), abs=1e-6)
    test = result["test_predictions"]
    from_test = textclf.tune_threshold(test["y"], test["p"], "f1")
    assert result["test"]["threshold"] == result["threshold"]
    assert from_test != pytest.approx(result["threshold"], abs=1e-9)  # it would have flattered the model


def test_splits_never_share_a_person():
    cfg = FinetuneConfig(**TINY)
    df = textclf.load_texts(cfg)
    parts = textclf.split(df, seed=3)
    groups = [set(p["group"]) for p in parts.values()]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert sum(len(p) for p in parts.values()) == len(df)
    for p in parts.values():
        assert 0.3 < p["y"].mean() < 0.7  # stratified


def test_csv_with_custom_columns_and_yes_no(tmp_path):
    import talentkit as tk

    t = tk.load("synthetic:small").texts
    t = t[t.task == "retention"]
    csv = tmp_path / "survey.csv"
    pd.DataFrame({"Comment": t["text"], "Stayed?": np.where(t["label"] == "stayed", "Yes", "No"),
                  "Person": t["employee_id"]}).to_csv(csv, index=False)
    cfg = FinetuneConfig(**{**TINY, "data": str(csv), "task": None, "text_column": "Comment",
                            "label_column": "Stayed?", "positive_label": "Yes", "group_column": "Person",
                            "max_train_samples": 32})
    result = textclf.finetune(cfg, tmp_path / "out")
    assert result["positive_label"] == "Yes" and result["sizes"]["train"] == 32
    assert 0 <= result["test"]["f1"] <= 1


def test_threshold_rules_by_hand():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.1, 0.6, 0.4, 0.7, 0.9])
    assert textclf.tune_threshold(y, p, "f1") == pytest.approx(0.4)  # P=3/4, R=1: F1 0.857
    assert textclf.tune_threshold(y, p, "recall:0.6") == pytest.approx(0.7)
    with pytest.raises(ValueError, match="threshold_rule"):
        textclf.tune_threshold(y, p, "accuracy")


@pytest.mark.parametrize("change,message", [
    ({"text_column": "comment"}, "no column 'comment'"),
    ({"label_column": "outcome"}, "no column 'outcome'"),
    ({"positive_label": "Yes"}, "positive_label 'Yes' is not one of the labels"),
    ({"task": "hiring"}, "no rows of task 'hiring'"),
])
def test_bad_inputs_clear_errors(change, message):
    with pytest.raises(textclf.TextDataError, match=message):
        textclf.load_texts(FinetuneConfig(**{**TINY, **change}))


def test_one_class_and_three_labels(tmp_path):
    csv = tmp_path / "one.csv"
    pd.DataFrame({"text": ["a b", "c d", "e f"], "label": ["x", "x", "x"]}).to_csv(csv, index=False)
    with pytest.raises(textclf.TextDataError, match="one class only"):
        textclf.load_texts(FinetuneConfig(data=str(csv), task=None, positive_label="x"))
    pd.DataFrame({"text": ["a", "b", "c"], "label": ["x", "y", "z"]}).to_csv(csv, index=False)
    with pytest.raises(textclf.TextDataError, match="3 values"):
        textclf.load_texts(FinetuneConfig(data=str(csv), task=None, positive_label="x"))
    pd.DataFrame({"text": ["", " ", None], "label": ["x", "y", "x"]}).to_csv(csv, index=False)
    with pytest.raises(textclf.TextDataError, match="holds no text"):
        textclf.load_texts(FinetuneConfig(data=str(csv), task=None, positive_label="x"))


def test_unloadable_model_names_say_how_to_fix(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # as on a machine without the hub, even where it is reachable
    started = time.time()
    with pytest.raises(textclf.ModelLoadError, match="could not be loaded.*--local-dir.*minilm"):
        textclf.load_model("bert-base-cased")
    assert time.time() - started < 30, "no long wait for a hub that cannot be reached"
    with pytest.raises(textclf.ModelLoadError, match="no such folder"):
        textclf.load_model("./models/nothing-here")
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(textclf.ModelLoadError, match="is a file"):
        textclf.load_model(str(tmp_path / "weights.bin"))


def test_estimates_by_group_suppressed():
    frame = pd.DataFrame({"region": ["A"] * 6 + ["B"] * 2 + ["C"] * 7, "y": [1, 0, 1, 1, 0, 1, 1, 0] + [1] * 7,
                          "p": [0.9, 0.2, 0.8, 0.7, 0.3, 0.6, 0.5, 0.5] + [0.9] * 7})
    t = textclf.estimates_by_group(frame, "region", min_group=5).set_index("region")
    assert t["suppressed"].tolist() == [True, True, False]  # B is small; A (next smallest) hides it from the total
    assert t.loc["C", "observed_rate"] == 1.0 and t.loc["C", "model_rate"] == pytest.approx(0.9)
    assert np.isnan(t.loc["B", "model_rate"]) and np.isnan(t.loc["A", "model_rate"])
    open_ = textclf.estimates_by_group(frame, "region", min_group=2).set_index("region")
    assert open_.loc["A", "observed_rate"] == pytest.approx(4 / 6)
    assert open_.loc["A", "model_rate"] == pytest.approx(3.5 / 6)


def test_grouped_folds_are_scikit_learns_folds_exactly():
    """GroupedFolds only speeds up StratifiedGroupKFold's search: on random groups, labels
    (two and three classes, rare and even), fold counts and seeds, every fold holds the same
    rows as scikit-learn's."""
    import warnings

    from sklearn.model_selection import StratifiedGroupKFold

    rng = np.random.default_rng(1)
    compared = 0
    for trial in range(120):
        size = int(rng.integers(20, 600))
        groups = rng.integers(0, int(rng.integers(10, size)), size)
        y = rng.integers(0, 3, size) if trial % 3 == 0 else (rng.random(size) < rng.uniform(0.05, 0.6)).astype(int)
        k = int(rng.integers(2, 11))
        if len(np.unique(groups)) < k or len(np.unique(y)) < 2:
            continue
        for seed in (0, 7):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # a class rarer than k: both warn alike
                theirs = [t.tolist() for _, t in StratifiedGroupKFold(k, shuffle=True, random_state=seed)
                          .split(np.zeros(size), y, groups)]
                ours = [t.tolist() for _, t in textclf.GroupedFolds(k, shuffle=True, random_state=seed)
                        .split(np.zeros(size), y, groups)]
            assert ours == theirs, (trial, seed)
            compared += 1
    assert compared > 150


def test_a_notebook_reads_its_dataset_once_and_again_when_a_file_changes(tmp_path, monkeypatch):
    """02 asks for its dataset four times (texts there?, how read, the texts, each writer's
    group): one read while the files stay as they were, a new read when one changes."""
    from talentkit.data import datasets
    from talentkit.data.synth import generate, write

    folder = write(generate("small", seed=2), tmp_path / "company")
    real_load, reads = datasets.load, []
    monkeypatch.setattr(datasets, "load", lambda *a, **k: reads.append(a) or real_load(*a, **k))
    cfg = FinetuneConfig(data=str(folder), task="retention")
    first = textclf.texts_dataset(cfg)
    assert cfg.texts_available() and len(textclf.load_texts(cfg)) > 0
    assert textclf.texts_dataset(cfg) is first and len(reads) == 1
    people = folder / "people.csv"
    people.write_text(people.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert textclf.texts_dataset(cfg) is not first and len(reads) == 2
    assert textclf.texts_dataset(FinetuneConfig(data=str(folder), task="retention", as_of="2022-01-01")) is not first
    assert len(reads) == 3
