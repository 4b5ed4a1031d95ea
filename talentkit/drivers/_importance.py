"""Permutation importance of the logistic model, with scikit-learn's numbers at a fraction of
its cost.

``sklearn.inspection.permutation_importance`` shuffles one column of the raw attributes, sends
the whole table through the pipeline again and scores it: for each attribute and each
shuffle, the one-hot encoder checks and encodes every categorical column anew. That was
nineteen seconds of twenty on IBM's 1,470-person export (30 attributes, five folds, five
shuffles each). The logistic pipeline's encoding works row by row and column by column
(one-hot blocks, a median and a scale per number), so shuffling an attribute's rows shuffles
the rows of its block of the encoded matrix and leaves every other column as it was. Here the
table is encoded once per fold and the block's rows are shuffled: the same shuffles, drawn
from the same random numbers in the same order as scikit-learn draws them, the same matrix
(dense or sparse, as the pipeline gives it), the same response and the same score, so the
same importances, which ``tests/test_drivers.py`` checks against scikit-learn's function
itself. Any other model goes to scikit-learn's function unchanged.

Each shuffle is scored by the Mann–Whitney form of the ROC-AUC (:func:`_roc_auc`): on IBM's
export scikit-learn's ``roc_auc_score`` took 3.4 s of the 14 s of ``compare_models``, almost
all of it checking its input anew on each of 775 calls, for the number the paired bootstraps'
Mann–Whitney statistic (:func:`talentkit.textclf.weighted_roc_auc`) gives in a twentieth of
the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.compose import ColumnTransformer
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import check_random_state

from ..textclf import weighted_roc_auc


def _block_widths(encoder) -> list[int] | None:
    """Encoded columns per input column of one of the pipeline's encoders, or None where that
    is not known: a one-hot encoder (its categories, the infrequent ones pooled into one
    column), or the numbers' imputer and scaler (one column each)."""
    if isinstance(encoder, OneHotEncoder):
        if encoder.drop_idx_ is not None:
            return None
        infrequent = getattr(encoder, "infrequent_categories_", [None] * len(encoder.categories_))
        return [len(cats) - (len(rare) - 1 if rare is not None else 0)
                for cats, rare in zip(encoder.categories_, infrequent)]
    if isinstance(encoder, Pipeline) and all(hasattr(step, "statistics_") or hasattr(step, "scale_")
                                             for _, step in encoder.steps):
        return [1] * int(encoder.n_features_in_)
    return None


def encoded_blocks(pipeline, columns: list[str]) -> dict[str, np.ndarray] | None:
    """For a fitted ``Pipeline([("x", ColumnTransformer), ("model", ...)])``: each input
    column's columns in the encoded matrix (empty for a column the encoding drops), or None
    where the encoding is not one of those whose blocks are known."""
    if not isinstance(pipeline, Pipeline) or not isinstance(pipeline.steps[0][1], ColumnTransformer):
        return None
    encoding = pipeline.steps[0][1]
    blocks = {c: np.array([], dtype=int) for c in columns}
    for name, encoder, used in encoding.transformers_:
        if name == "remainder" and encoder == "drop":
            continue
        widths = _block_widths(encoder)
        where = encoding.output_indices_[name]
        if widths is None or len(widths) != len(used) or sum(widths) != where.stop - where.start:
            return None
        start = where.start
        for column, width in zip(used, widths):
            blocks[column] = np.arange(start, start + width)
            start += width
    return blocks


def _roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """``roc_auc_score(y, score)`` for two classes, the greater one positive as scikit-learn
    takes it, as the Mann–Whitney statistic of :func:`talentkit.textclf.weighted_roc_auc` (the
    paired bootstraps' AUC) with every row weighted once; ``tests/test_drivers.py`` checks the
    two against each other. Labels that are not two classes, and scores that are not all
    finite, go to ``roc_auc_score``, which says what is wrong with them."""
    classes = np.unique(y)
    if len(classes) != 2 or not np.isfinite(score).all():
        return float(roc_auc_score(y, score))
    return float(weighted_roc_auc(np.asarray(y) == classes[1], score, np.ones((1, len(score))))[0])


def _score(model, encoded, y: np.ndarray) -> float:
    """ROC-AUC of the model's response as scikit-learn's ``roc_auc`` scorer takes it: the
    decision function where the model has one, else the probability of the positive class."""
    if hasattr(model, "decision_function"):
        return _roc_auc(y, model.decision_function(encoded))
    return _roc_auc(y, model.predict_proba(encoded)[:, 1])


def auc_drop(pipeline, X: pd.DataFrame, y: np.ndarray, n_repeats: int, seed: int) -> np.ndarray:
    """``permutation_importance(pipeline, X, y, scoring="roc_auc", n_repeats=n_repeats,
    random_state=seed).importances_mean``, by the encoded blocks where :func:`encoded_blocks`
    knows them, else by that function."""
    blocks = encoded_blocks(pipeline, list(X.columns))
    if blocks is None:
        return permutation_importance(pipeline, X, y, scoring="roc_auc", n_repeats=n_repeats,
                                      random_state=seed).importances_mean
    model = pipeline.steps[-1][1]
    encoded = pipeline.steps[0][1].transform(X)
    is_sparse = sparse.issparse(encoded)
    dense = encoded.toarray() if is_sparse else np.asarray(encoded)
    baseline = _score(model, encoded, y)
    column_seed = check_random_state(seed).randint(np.iinfo(np.int32).max + 1)  # as scikit-learn draws it
    drops = []
    for column in X.columns:
        shuffles = check_random_state(column_seed)  # every column starts from the same seed
        order, shuffled, scores = np.arange(len(dense)), dense.copy(), []
        for _ in range(n_repeats):
            shuffles.shuffle(order)
            shuffled[:, blocks[column]] = shuffled[order][:, blocks[column]]  # shuffles build on each other
            scores.append(_score(model, sparse.csr_matrix(shuffled) if is_sparse else shuffled, y))
        drops.append(np.mean(baseline - np.array(scores)))  # as scikit-learn averages
    return np.array(drops)
