"""The paired bootstrap scored from draw counts equals scikit-learn on each resampled set of rows."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn import metrics as skm

from talentkit.textclf import RESAMPLE_METRICS, draw_counts, paired_bootstrap, resampled_scores


def sklearn_scores(y, p, threshold):
    pred = (p >= threshold).astype(int)
    if len(np.unique(y)) < 2:
        return dict.fromkeys(RESAMPLE_METRICS, np.nan)
    return {"accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred, zero_division=0),
            "recall": skm.recall_score(y, pred, zero_division=0), "f1": skm.f1_score(y, pred, zero_division=0),
            "roc_auc": skm.roc_auc_score(y, p), "pr_auc": skm.average_precision_score(y, p)}


@pytest.mark.parametrize("ties", [False, True])
def test_every_metric_on_every_resample_equals_scikit_learn_on_the_drawn_rows(ties):
    rng = np.random.default_rng(3)
    n = 157
    y = (rng.random(n) < 0.3).astype(int)
    p = np.clip(0.35 * y + rng.random(n) * 0.7, 0, 1)
    if ties:  # scores of a coarse model: many rows share one score, across both classes
        p = np.round(p, 1)
    rows = np.random.default_rng(11)
    drawn = [rows.integers(0, n, n) for _ in range(40)]
    (_, counts), = list(draw_counts(n, 40, seed=11))
    for b, idx in enumerate(drawn):  # the counts are the rows the seed draws, resample by resample
        assert np.array_equal(counts[b], np.bincount(idx, minlength=n))
    ours = resampled_scores(y, p, 0.5, counts)
    for b, idx in enumerate(drawn):
        expected = sklearn_scores(y[idx], p[idx], 0.5)
        for m in RESAMPLE_METRICS:
            assert ours[m][b] == pytest.approx(expected[m], abs=1e-12), (m, b)


def test_a_resample_with_one_class_has_no_score_and_the_blocks_join_up():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    p = np.linspace(0, 1, 10)
    counts = np.zeros((2, 10))
    counts[0, 1:] = 1  # the positive row never drawn: one class
    counts[1] = 1
    out = resampled_scores(y, p, 0.5, counts)
    for m in RESAMPLE_METRICS:
        assert np.isnan(out[m][0]) and not np.isnan(out[m][1])
    assert out["roc_auc"][1] == skm.roc_auc_score(y, p)
    import talentkit.textclf._resampled as resampled

    small = list(draw_counts(7, 10, seed=2))
    old, resampled.CHUNK_CELLS = resampled.CHUNK_CELLS, 21  # three resamples a block
    try:
        blocks = list(draw_counts(7, 10, seed=2))
    finally:
        resampled.CHUNK_CELLS = old
    assert [first for first, _ in blocks] == [0, 3, 6, 9]
    assert np.array_equal(np.vstack([c for _, c in blocks]), small[0][1])


def test_a_thousand_resamples_of_six_metrics_take_well_under_a_second_per_model():
    rng = np.random.default_rng(0)
    n = 3000  # the test split of 20,000 texts
    y = (rng.random(n) < 0.2).astype(int)
    probas = {name: np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1) for name in ("tfidf", "embed", "setfit")}
    started = time.perf_counter()
    draws = paired_bootstrap(y, probas, dict.fromkeys(probas, 0.5), 1000, seed=0)
    per_model = (time.perf_counter() - started) / len(probas)
    assert per_model < 1.0, per_model
    assert draws["embed"]["f1"].shape == (1000,) and not np.isnan(draws["embed"]["f1"]).any()
