r"""Scores of classifiers on bootstrap resamples of one test set, all resamples at once.

A resample of ``n`` rows drawn with replacement is the same thing as a weight per row: how
many times the row was drawn. Every score :func:`talentkit.textclf.scores` gives is a
function of weighted counts, so 1,000 resamples are a ``(1000, n)`` matrix of draw counts
and a few matrix products, instead of 1,000 calls of six scikit-learn metrics:

* accuracy, precision, recall and F1 from the weighted confusion counts
  :math:`tp = W\,[\hat y = 1, y = 1]` and so on (F1 :math:`= 2tp / (2tp + fp + fn)`,
  0 where undefined, as scikit-learn's ``zero_division=0``);
* ROC-AUC as the Mann-Whitney statistic (Hanley and McNeil 1982): over the distinct
  scores sorted upwards, :math:`\sum_g P_g (N_{<g} + N_g / 2) / (P N)`, ties counting a
  half; the area under scikit-learn's ROC curve;
* PR-AUC as scikit-learn's average precision: over the distinct scores sorted downwards,
  :math:`\sum_k (R_k - R_{k-1}) P_k`.

Each equals scikit-learn's score of the resampled rows (``tests/test_resampled.py``
checks every metric on every resample). A resample with one class only gives no score
(``nan``), as it gives none in scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

RESAMPLE_METRICS = ("f1", "roc_auc", "pr_auc", "accuracy", "precision", "recall")
CHUNK_CELLS = 4_000_000  # resamples x rows held at once: about 32 MB of draw counts


def draw_counts(n: int, resamples: int, seed: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first, counts)``: blocks of the ``resamples × n`` matrix of how many times each
    row is drawn, resample ``first`` onwards; resample ``b`` is the rows
    ``numpy.random.default_rng(seed).integers(0, n, n)`` drew in turn, so the same seed gives
    the same resamples."""
    rng = np.random.default_rng(seed)
    step = max(1, CHUNK_CELLS // max(n, 1))
    for first in range(0, resamples, step):
        block = min(step, resamples - first)
        rows = np.stack([rng.integers(0, n, n) for _ in range(block)])
        flat = rows + (np.arange(block) * n)[:, None]
        yield first, np.bincount(flat.ravel(), minlength=block * n).reshape(block, n).astype(float)


def _ranked(p: np.ndarray, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row order by score and where each run of equal scores starts in that order."""
    order = np.argsort(-p if descending else p, kind="stable")
    s = p[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return order, starts


def weighted_roc_auc(y, p, counts: np.ndarray) -> np.ndarray:
    """ROC-AUC of scores ``p`` for labels ``y`` (0/1) on each row of ``counts``, a weight per
    label (how many times a resample drew it; a row of ones: the rows as they are), as the
    Mann-Whitney statistic of the module's docstring; ``nan`` for a row with one class only."""
    y, p = np.asarray(y).astype(bool), np.asarray(p, dtype=float)
    order, starts = _ranked(p, descending=False)
    w = counts[:, order]
    pos_g = np.add.reduceat(w * y[order], starts, axis=1)
    neg_g = np.add.reduceat(w * ~y[order], starts, axis=1)
    below = np.cumsum(neg_g, axis=1) - neg_g
    pos, neg = pos_g.sum(axis=1), neg_g.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((pos > 0) & (neg > 0), (pos_g * (below + neg_g / 2)).sum(axis=1) / (pos * neg), np.nan)


def resampled_scores(y, p, threshold: float, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Each of :data:`RESAMPLE_METRICS` on every resample (one row of ``counts`` each) of the
    rows with labels ``y`` (0/1) and scores ``p``, deciding positive at ``p >= threshold``."""
    y, p = np.asarray(y).astype(bool), np.asarray(p, dtype=float)
    pred = p >= threshold
    tp, fp, fn, tn = (counts @ cell.astype(float) for cell in (pred & y, pred & ~y, ~pred & y, ~pred & ~y))
    pos, neg = tp + fn, fp + tn
    both = (pos > 0) & (neg > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"accuracy": (tp + tn) / (pos + neg),
               "precision": np.where(tp + fp > 0, tp / (tp + fp), 0.0),
               "recall": np.where(pos > 0, tp / pos, 0.0),
               "f1": np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)}
        out["roc_auc"] = weighted_roc_auc(y, p, counts)
        order, starts = _ranked(p, descending=True)
        w = counts[:, order]
        tps = np.cumsum(np.add.reduceat(w * y[order], starts, axis=1), axis=1)
        fps = np.cumsum(np.add.reduceat(w * ~y[order], starts, axis=1), axis=1)
        precision = np.where(tps + fps > 0, tps / (tps + fps), 0.0)
        recall_steps = np.diff(np.c_[np.zeros(len(tps)), tps], axis=1) / pos[:, None]
        out["pr_auc"] = (recall_steps * precision).sum(axis=1)
    for name in out:  # one class only: no score, as scikit-learn gives none
        out[name] = np.where(both, out[name], np.nan)
    return out


def paired_bootstrap(y, probas: dict[str, np.ndarray], thresholds: dict[str, float], resamples: int,
                     seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Every model's scores on the same ``resamples`` bootstrap resamples of the test rows:
    model -> metric -> one value per resample (``nan`` where the resample has one class)."""
    y = np.asarray(y)
    out = {name: {m: np.empty(resamples) for m in RESAMPLE_METRICS} for name in probas}
    for first, counts in draw_counts(len(y), resamples, seed):
        for name, p in probas.items():
            for m, values in resampled_scores(y, p, thresholds[name], counts).items():
                out[name][m][first:first + len(values)] = values
    return out
