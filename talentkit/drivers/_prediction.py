"""Prediction: calibrated logistic and gradient-boosted models of leaving within the
horizon, compared on the same repeated folds, with a cross-fitted text score where people
wrote texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from ..core.errors import ParameterError
from ..core.privacy import not_personal
from ..core.stats import corrected_interval
from ..textclf import embed, tfidf_vectorizer
from ._importance import auc_drop
from ._population import DriverData

MODELS = ("logistic", "gradient boosting")


class SentenceEmbedding(BaseEstimator, TransformerMixin):
    """Frozen sentence embeddings of a text column (:func:`talentkit.textclf.embed`). Nothing
    is learned from the labels, so it can sit inside cross-validation; each distinct text is
    embedded once per kernel."""

    def __init__(self, model: str = "minilm"):
        self.model = model

    def fit(self, X, y=None) -> "SentenceEmbedding":
        return self

    def transform(self, X) -> np.ndarray:
        texts = _text_values(X)
        new = sorted({t for t in texts if (self.model, t) not in _EMBEDDED})
        if new:
            _EMBEDDED.update({(self.model, t): v for t, v in zip(new, embed(new, self.model))})
        return np.vstack([_EMBEDDED[self.model, t] for t in texts])


_EMBEDDED: dict[tuple[str, str], np.ndarray] = {}


def _text_values(X) -> np.ndarray:
    values = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else np.asarray(X).reshape(len(X), -1)[:, 0]
    return np.asarray(pd.Series(values).fillna("").astype(str))


def text_model(name: str = "tfidf", C: float = 1.0, min_df: int = 2) -> Pipeline:
    """The text model: ``tfidf`` (TF-IDF of words and word pairs, logistic) or a sentence
    encoder (``minilm``, shipped; or a sentence-transformers folder) with a logistic model
    on its frozen embeddings."""
    if name == "tfidf":
        return make_pipeline(tfidf_vectorizer(min_df), LogisticRegression(C=C, max_iter=2000))
    return make_pipeline(SentenceEmbedding(name), LogisticRegression(C=C, max_iter=2000))


class CrossFittedTextScore(BaseEstimator, TransformerMixin):
    r"""A text score as a feature, cross-fitted: a text model (:func:`text_model`) giving the
    log-odds of leaving.

    ``fit_transform`` (what a pipeline calls on its training rows) returns *out-of-fold*
    scores: each training row is scored by a model fitted on the other ``inner_folds - 1``
    parts, so the model that sits on top never learns from a score that has seen its own
    label. ``transform`` (held-out rows) uses the model fitted on all training rows. No row is
    ever scored by a model trained on it (Chernozhukov et al., 2018, on cross-fitting; the
    same scheme as scikit-learn's ``StackingClassifier``)."""

    def __init__(self, model: str = "tfidf", inner_folds: int = 5, C: float = 1.0, min_df: int = 2, seed: int = 0):
        self.model = model
        self.inner_folds = inner_folds
        self.C = C
        self.min_df = min_df  # TF-IDF: words in fewer texts are ignored (1: keep every word)
        self.seed = seed

    def _model(self) -> Pipeline:
        return text_model(self.model, self.C, self.min_df)

    _texts = staticmethod(_text_values)

    def fit(self, X, y) -> "CrossFittedTextScore":
        self.model_ = self._model().fit(self._texts(X), y)
        return self

    def transform(self, X) -> np.ndarray:
        return _logit(self.model_.predict_proba(self._texts(X))[:, 1]).reshape(-1, 1)

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        texts = self._texts(X)
        self.fit(X, y)
        folds = StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.seed)
        oof = cross_val_predict(self._model(), texts, y, cv=folds, method="predict_proba")[:, 1]
        return _logit(oof).reshape(-1, 1)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(["text_score"], dtype=object)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def pipelines(data: DriverData, seed: int = 0, with_text: bool = False, text: str = "tfidf") -> dict:
    """The models compared, as scikit-learn estimators on :meth:`DriverData.features`:
    ``logistic`` (one-hot categories, standardised numbers, L2 logistic) and ``gradient
    boosting`` (``HistGradientBoostingClassifier`` with native categories, calibrated by
    ``CalibratedClassifierCV``: sigmoid, 3 folds). A logistic model needs no such step: it is
    fitted on the log-loss, so its probabilities are calibrated by construction, as the
    calibration curves show. With texts: ``text alone`` (the text model ``text``, see
    :func:`text_model`) and ``logistic + text`` (the logistic with the cross-fitted text
    score)."""
    cats = [c for c in data.attributes if data.kinds[c] != "number"]
    nums = [c for c in data.attributes if data.kinds[c] == "number"] + ["tenure_months"]
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    onehot = OneHotEncoder(handle_unknown="ignore", min_frequency=5)

    def logistic(extra=()):
        parts = [("cat", onehot, cats), ("num", numeric, nums), *extra]
        return Pipeline([("x", ColumnTransformer(parts)), ("model", LogisticRegression(C=1.0, max_iter=5000))])

    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan)
    boosted = Pipeline([
        ("x", ColumnTransformer([("cat", ordinal, cats), ("num", "passthrough", nums)])),
        ("model", HistGradientBoostingClassifier(
            categorical_features=list(range(len(cats))), learning_rate=0.1, max_iter=100, max_leaf_nodes=15,
            min_samples_leaf=20, l2_regularization=1.0, early_stopping=False, random_state=seed))])
    models = {"logistic": logistic(),
              "gradient boosting": CalibratedClassifierCV(boosted, method="sigmoid", cv=3)}
    if with_text:
        alone = text_model(text)
        models["text alone"] = Pipeline([("x", ColumnTransformer([("text", alone.steps[0][1], "text")])),
                                         ("model", alone.steps[1][1])])
        models["logistic + text"] = logistic([("text", CrossFittedTextScore(text, seed=seed), ["text"])])
    return models


@dataclass
class ModelComparison:
    """Cross-validated models of leaving within the horizon.

    ``table``: per model the mean ROC-AUC, PR-AUC and Brier score with corrected 95%
    intervals (:func:`corrected_interval`); ``folds``: every fold's scores; ``risk``: each
    window row's out-of-fold risk per model (the mean over repeats); ``y``: the outcomes;
    ``best``, ``runner_up`` and ``margin`` (ROC-AUC difference, with its interval, on the
    same folds); ``importance``: the best record model's permutation importance on held-out
    folds; ``calibration``: observed against predicted risk by decile, per model."""

    table: pd.DataFrame
    folds: pd.DataFrame
    risk: pd.DataFrame
    y: np.ndarray
    best: str
    runner_up: str
    margin: tuple[float, float, float]
    importance: pd.DataFrame
    calibration: pd.DataFrame
    n_splits: int
    repeats: int
    seed: int
    base_rate: float
    text_model: str = ""  # the text model, where texts took part

    def auc(self, model: str) -> float:
        return float(self.table.set_index("model").loc[model, "roc_auc"])

    def record_auc(self) -> float:
        """The best ROC-AUC of the models of the HR record alone."""
        return max(self.auc(m) for m in MODELS)


SCORERS = {"roc_auc": roc_auc_score, "pr_auc": average_precision_score, "brier": brier_score_loss}


IMPORTANCE_ROWS = 2000  # held-out rows per fold the permutation importance scores, at most (stratified)


def _importance(first_repeat: list, best_record: str, record_X: pd.DataFrame, y: np.ndarray, repeats: int,
                seed: int) -> pd.DataFrame:
    """Permutation importance (ROC-AUC drop) of the best record model on the held-out rows
    of the first repeat's folds: its mean and spread across folds per attribute. A fold of
    more than :data:`IMPORTANCE_ROWS` held-out rows is scored on a stratified subsample of
    that many (the same leavers' share): each shuffle then costs the same at any size, and
    the spread across folds (``across_folds_sd``) still shows what the subsample adds."""
    importances = []
    for name, k, est, test in first_repeat:
        if name == best_record:
            if len(test) > IMPORTANCE_ROWS:
                test, _ = train_test_split(test, train_size=IMPORTANCE_ROWS, stratify=y[test], random_state=seed + k)
            with threadpool_limits(1):
                drop = auc_drop(est, record_X.iloc[test], y[test], repeats, seed)
            importances += [{"fold": k, "attribute": c, "importance": v} for c, v in zip(record_X.columns, drop)]
    imp = pd.DataFrame(importances).groupby("attribute", sort=False)["importance"].agg(["mean", "std"])
    imp = imp.rename(columns={"mean": "importance", "std": "across_folds_sd"}).reset_index()
    imp = imp.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    imp.insert(0, "model", best_record)
    return imp


def compare_models(data: DriverData, folds: int = 5, repeats: int = 2, seed: int = 0,
                   importance_repeats: int = 5, text: str = "tfidf") -> ModelComparison:
    """Fit and score every model of :func:`pipelines` on the same repeated stratified folds
    (``RepeatedStratifiedKFold(folds, repeats, seed)``). The best model is the one with the
    highest mean ROC-AUC; permutation importance (ROC-AUC drop when one attribute is
    shuffled, ``importance_repeats`` times) is measured for the best model on the record
    alone, on the held-out rows of the first repeat's folds. ``text``: the text model where
    the data has texts (:func:`text_model`).

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`; its ``text`` joins the comparison where present.
    folds, repeats, seed : int
        ``RepeatedStratifiedKFold(folds, repeats, seed)``.
    importance_repeats : int
        Shuffles per attribute for the permutation importance.
    text : str
        The text model: ``tfidf`` or a sentence encoder (``minilm``).

    Returns
    -------
    ModelComparison
        Scores with corrected intervals, out-of-fold risks, importance and calibration.
    """
    with_text = data.text is not None
    X = data.features(with_text=with_text)
    y = data.outcome()
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < folds * 2:
        raise ParameterError(f"only {minority} people in the rarer outcome: {folds} folds need at least "
                             f"{folds * 2}. Lower folds, or widen horizon_months")
    models = pipelines(data, seed, with_text, text)
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    risk = {name: np.zeros(len(y)) for name in models}
    rows, first_repeat = [], []
    record_models = [m for m in models if m in MODELS]
    with threadpool_limits(1):  # one thread: sums in the same order on every machine, same numbers
        for k, (train, test) in enumerate(cv.split(X, y)):
            for name, model in models.items():
                est = clone(model).fit(X.iloc[train], y[train])
                p = est.predict_proba(X.iloc[test])[:, 1]
                risk[name][test] += p / repeats
                rows.append({"model": name, "fold": k, **{m: f(y[test], p) for m, f in SCORERS.items()}})
                if k < folds and name in record_models:  # kept for the importance of the best one
                    first_repeat.append((name, k, est, test))
    fold_scores = pd.DataFrame(rows)
    n_test = len(y) // folds
    n_train = len(y) - n_test
    table_rows = []
    for name in models:
        f = fold_scores[fold_scores["model"] == name]
        row = {"model": name}
        for m in SCORERS:  # ROC-AUC, PR-AUC and Brier lie in [0, 1]
            row[m], row[f"{m}_lo"], row[f"{m}_hi"] = corrected_interval(f[m], n_train, n_test, (0.0, 1.0))
        table_rows.append(row)
    table = pd.DataFrame(table_rows)
    ranked = table.sort_values("roc_auc", ascending=False, kind="stable")["model"].tolist()
    best, runner_up = ranked[0], ranked[1]
    wide = fold_scores.pivot(index="fold", columns="model", values="roc_auc")
    margin = corrected_interval(wide[best] - wide[runner_up], n_train, n_test, (-1.0, 1.0))
    best_record = max(record_models, key=lambda m: table.set_index("model").loc[m, "roc_auc"])
    imp = _importance(first_repeat, best_record, X.drop(columns="text", errors="ignore"), y, importance_repeats, seed)
    calib = [{"model": name, "predicted": p, "observed": o} for name in models
             for o, p in zip(*calibration_curve(y, risk[name], n_bins=10, strategy="quantile"))]
    why = "model scores across cross-validation folds"
    return ModelComparison(not_personal(table, why), not_personal(fold_scores, why),
                           pd.DataFrame(risk), y, best, runner_up, margin,
                           not_personal(imp, "permutation importance of attributes"),
                           not_personal(pd.DataFrame(calib), "calibration by decile of risk (10% of people each)"),
                           folds, repeats, seed, float(y.mean()), text if with_text else "")
