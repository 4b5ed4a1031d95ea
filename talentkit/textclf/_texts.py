"""Texts for the text models: reading them, grouped splits and folds, thresholds and scores,
the TF-IDF baseline, and estimates by group."""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn import metrics as skm
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline

from ..core.errors import ParameterError, TextDataError
from ..core.results import record_data
from ._labelrule import DEFAULT_POSITIVE, label_by_rule, outcome  # noqa: F401 (DEFAULT_POSITIVE: the face)

if TYPE_CHECKING:
    from ..data.datasets import Dataset

TEXT_FILE_SUFFIXES = (".csv", ".csv.gz", ".tsv")  # a file of texts rather than a dataset

GROUP_COLUMNS = ("employee_id", "candidate_id")


class FinetuneConfig(BaseModel):
    """Everything a fine-tuning run needs; every field has a working default."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    data: str = "synthetic"  # dataset (its texts table) or a CSV file of texts
    mapping: str | None = None  # the dataset's mapping file (YAML): its columns, form, dates, bad rows
    encoding: str | None = None  # the files' text encoding when not UTF-8 (cp1252...); None: UTF-8
    columns: dict | None = None  # your column names -> the names used here (e.g. {"Review": "text"})
    as_of: str | None = None  # a dataset's texts as they stood on this day; None: all
    label_rule: str | list | None = None  # "Rating <= 2", or the label values meaning yes; None: positive_label
    task: str | None = "retention"  # rows of this task only (texts table's task column); None: all rows
    text_column: str = "text"
    label_column: str = "label"
    positive_label: str | None = None  # the label that means "yes"; None: stayed / accepted by task
    group_column: str | None = None  # never split one group's texts; None: employee_id/candidate_id if present
    model: str = "minilm"  # minilm (shipped offline), a Hugging Face name, or a local folder
    # None: chosen from the data (choose_settings says how and why); a value given wins
    epochs: int | None = Field(None, ge=1)  # None: early stopping on dev, at most max_epochs
    max_epochs: int = Field(6, ge=1)
    batch_size: int | None = Field(None, ge=1)  # None: 16 under 2,000 training texts, else 32
    learning_rate: float | None = Field(None, gt=0)  # None: by model size (Devlin et al. 2019)
    max_length: int | None = Field(None, ge=8)  # None: the 95th percentile of token lengths
    weight_decay: float = 0.01
    warmup: float = Field(0.1, ge=0, lt=1)  # fraction of the steps
    early_stopping_patience: int = Field(2, ge=1)
    lora: bool = False  # train LoRA adapters (peft) instead of every weight
    lora_rank: int = Field(8, ge=1)
    class_weights: Literal["auto", "none", "balanced"] = "auto"  # auto: balanced when a class is under 40%
    threshold_rule: str = "f1"  # f1, or recall:0.8 (highest threshold reaching that recall on dev)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    bf16: bool | None = None  # None: on where bfloat16 is native (a CUDA GPU that has it, a CPU with AMX)
    seed: int = 0
    dev_size: float = 0.15
    test_size: float = 0.15
    max_train_samples: int | None = None  # subsample the training split (quick runs)
    report_to: str = "none"  # passed to the Trainer: none, tensorboard, ...
    progress: bool = True
    logging_steps: int = 10

    @field_validator("task", "positive_label", "group_column", "max_train_samples", "epochs", "batch_size",
                     "learning_rate", "max_length", "encoding", "columns", "as_of", "label_rule", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        # a notebook parameter left empty ("" or 0) means "not given"
        return None if value in ("", 0, {}, []) and value is not False else value

    @field_validator("bf16", mode="before")
    @classmethod
    def _precision_in_words(cls, value):
        # the notebooks' mixed_precision: auto, on or off
        words = {"auto": None, "": None, "on": True, "off": False}
        if isinstance(value, str):
            if value.strip().lower() not in words:
                raise ParameterError(f"mixed_precision {value!r}: use auto (bfloat16 where it is native), on or off")
            return words[value.strip().lower()]
        return value

    def texts_available(self) -> bool:
        """Whether there are texts to read: a file of texts (read now, so that a file that
        cannot be read fails the run with its real error and fix, never a skipped section), or
        a dataset with a texts table."""
        if is_text_file(self.data):
            read_text_file(self)
            return True
        ds = texts_dataset(self)
        return ds is not None and ds.texts is not None


# --------------------------------------------------------------------------- data


def is_text_file(source: str) -> bool:
    """Whether ``source`` is a file of texts (CSV, Parquet...) rather than a dataset."""
    return str(source).lower().endswith(TEXT_FILE_SUFFIXES) and Path(source).is_file()


_LOADED: dict[tuple, "Dataset"] = {}  # the last dataset read, by its configuration and its files' state


def _files_state(source: str | None) -> tuple:
    """Name, size and modification time of each file under ``source`` (a folder or a file)."""
    root = Path(source or "")
    if not source or not root.exists():
        return ()
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    return tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)


def texts_dataset(cfg: FinetuneConfig) -> "Dataset | None":
    """The dataset whose texts table ``cfg`` reads, or ``None`` for a file of texts. Read once
    while its files stay as they were (02 asks four times); callers only read it."""
    from ..data.datasets import load

    if is_text_file(cfg.data):
        return None
    key = (str(cfg.data), cfg.mapping, repr(cfg.columns), cfg.encoding, str(cfg.as_of),
           _files_state(cfg.data), _files_state(cfg.mapping))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load(cfg.data, mapping=cfg.mapping or None, columns=cfg.columns or None,
                            encoding=cfg.encoding or None, as_of=cfg.as_of or None)
    return _LOADED[key]


def read_text_file(cfg: FinetuneConfig) -> pd.DataFrame:
    """A file of texts as read (its encoding, its columns renamed by ``cfg.columns``); a
    :class:`TextDataError` naming the file and the fix when it cannot be read."""
    from ..data.schema import read_table_file

    df, problems = read_table_file(Path(cfg.data), cfg.encoding or None)
    if problems or df is None:
        raise TextDataError("; ".join(str(p) for p in problems) or f"{cfg.data}: cannot be read")
    return df.rename(columns={str(k): str(v) for k, v in (cfg.columns or {}).items()})


def load_texts(cfg: FinetuneConfig) -> pd.DataFrame:
    """Rows with ``text``, ``y`` (1 = positive label), ``group`` and the original label.

    ``cfg.data`` is a CSV file of texts, or a dataset (folder or built-in) whose ``texts``
    table is used. Clear errors for a missing column, empty texts, one class, or labels
    that are not two values.
    """
    source = cfg.data
    if is_text_file(source):
        df, name = read_text_file(cfg), Path(source).name
    else:
        ds = texts_dataset(cfg)
        if ds is None or ds.texts is None:
            raise TextDataError(f"{source}: the dataset has no texts table; add texts.csv or give a CSV of texts")
        df, name = ds.texts, f"{source} (texts)"
    rule_column = label_by_rule(df, cfg.label_rule, name)[0] if cfg.label_rule is not None else ""
    label_column = rule_column or cfg.label_column
    for col in (cfg.text_column, label_column):
        if col not in df.columns:
            close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise TextDataError(f"{name}: no column '{col}'{hint} Columns: {', '.join(map(str, df.columns))}. "
                                f"Name yours with text_column / label_column")
    if cfg.task and "task" in df.columns:
        df = df[df["task"] == cfg.task]
        if df.empty:
            raise TextDataError(f"{name}: no rows of task '{cfg.task}'; set task to one in the data or to None")
    text = df[cfg.text_column].astype("string").str.strip()
    keep = text.notna() & (text != "")
    if not keep.any():
        raise TextDataError(f"{name}: column '{cfg.text_column}' holds no text")
    df, text, empty = df[keep], text[keep], int((~keep).sum())
    labels = df[label_column].astype("string").str.strip()
    keep, y, positive = outcome(df, labels, cfg.label_rule, cfg.positive_label, cfg.task, cfg.label_column, name)
    return _texts_frame(cfg, df[keep], text[keep], labels[keep], y[keep], positive, source, empty)


def _texts_frame(cfg: FinetuneConfig, df, text, labels, y, positive: str, source, empty: int) -> pd.DataFrame:
    """The rows a ladder reads: ``text``, ``label``, ``y``, ``group`` (a writer's texts stay
    in one fold), the writer's ids and region where the data has them."""
    group_col = cfg.group_column or next((c for c in GROUP_COLUMNS if c in df.columns and df[c].notna().any()), None)
    groups = (df[group_col].astype("string").fillna("") if group_col else pd.Series("", index=df.index))
    out = pd.DataFrame({"text": text.to_numpy(), "label": labels.to_numpy(), "y": y.astype(int).to_numpy(),
                        "group": groups.to_numpy()})
    # rows without a group are their own group
    blank = out["group"] == ""
    out.loc[blank, "group"] = [f"_row{i}" for i in np.flatnonzero(blank)]
    for col in ("region", "employee_id", "candidate_id"):
        if col in df.columns:
            out[col] = df[col].to_numpy()
    out.attrs["positive_label"] = positive
    out.attrs["empty_texts"] = empty  # left out: said in the report's first lines (summaries.ladder_setup)
    record_data(str(source), {"texts": len(out), "empty_texts_left_out": empty})
    return out.reset_index(drop=True)


class GroupedFolds(StratifiedGroupKFold):
    """scikit-learn's ``StratifiedGroupKFold`` giving the very same folds, faster.

    Its greedy search puts each group into the fold that keeps the class shares most even:
    for every candidate fold it adds the group, takes the standard deviation of each class's
    share across folds, and scores the mean. The parent does that one candidate at a time
    (0.45 ms a group at 7 folds: 7 s of the ladder's 29 on the built-in texts); this does all
    candidates in one array operation, with the same arithmetic in the same order and the
    same tie rule (``numpy.isclose``, then the smaller fold), so the choices are identical
    (``tests/test_textclf.py`` compares them with scikit-learn's on random data)."""

    def _find_best_fold(self, y_counts_per_fold, y_cnt, group_y_counts):
        k = self.n_splits
        proposed = np.repeat(y_counts_per_fold[None], k, axis=0)
        proposed[np.arange(k), np.arange(k)] += group_y_counts
        evals = np.mean(np.std(proposed / y_cnt.reshape(1, 1, -1), axis=1), axis=1).tolist()
        samples = np.sum(y_counts_per_fold, axis=1).tolist()
        best_fold, min_eval, min_samples = None, np.inf, np.inf
        for i in range(k):
            close = math.isfinite(min_eval) and abs(evals[i] - min_eval) <= 1e-8 + 1e-5 * abs(min_eval)
            if evals[i] < min_eval or (close and samples[i] < min_samples):
                best_fold, min_eval, min_samples = i, evals[i], samples[i]
        return best_fold


def split(df: pd.DataFrame, dev_size: float = 0.15, test_size: float = 0.15, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Stratified train/dev/test, grouped so one person's texts never straddle splits."""
    grouped = df["group"].nunique() < len(df)
    idx = np.arange(len(df))
    if grouped:
        def cut(rows, share, s):
            folds = max(2, round(1 / share))
            sgk = GroupedFolds(n_splits=folds, shuffle=True, random_state=s)
            rest, held = next(sgk.split(rows, df["y"].to_numpy()[rows], df["group"].to_numpy()[rows]))
            return rows[rest], rows[held]
        rest, test = cut(idx, test_size, seed)
        train, dev = cut(rest, dev_size / (1 - test_size), seed + 1)
    else:
        rest, test = train_test_split(idx, test_size=test_size, stratify=df["y"], random_state=seed)
        train, dev = train_test_split(rest, test_size=dev_size / (1 - test_size), stratify=df["y"].iloc[rest],
                                      random_state=seed)
    parts = {"train": df.iloc[np.sort(train)], "dev": df.iloc[np.sort(dev)], "test": df.iloc[np.sort(test)]}
    for name, part in parts.items():
        if part["y"].nunique() < 2:
            raise TextDataError(f"the {name} split has one class only: too few texts of the rarer label "
                                f"({int(df['y'].sum())} positive of {len(df)})")
    return {k: v.reset_index(drop=True) for k, v in parts.items()}


# --------------------------------------------------------------------------- metrics


def tune_threshold(y, p, rule: str = "f1") -> float:
    """The decision threshold from dev: best F1 (``f1``) or the highest threshold whose recall
    reaches a target (``recall:0.8``)."""
    y, p = np.asarray(y), np.asarray(p)
    precision, recall, thresholds = skm.precision_recall_curve(y, p)
    precision, recall = precision[:-1], recall[:-1]
    if rule == "f1":
        with np.errstate(divide="ignore", invalid="ignore"):
            f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
        return float(thresholds[int(np.argmax(f1))])
    if rule.startswith("recall:"):
        target = float(rule.split(":", 1)[1])
        ok = np.flatnonzero(recall >= target)
        return float(thresholds[ok.max()]) if len(ok) else float(thresholds.min())
    raise ParameterError(f"threshold_rule {rule!r}: use f1 or recall:<target>, e.g. recall:0.8")


def scores(y, p, threshold: float) -> dict:
    """Accuracy, precision, recall, F1 at ``threshold``; ROC-AUC and PR-AUC; the confusion matrix."""
    y, p = np.asarray(y), np.asarray(p)
    pred = (p >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return {"accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred, zero_division=0),
            "recall": skm.recall_score(y, pred, zero_division=0), "f1": skm.f1_score(y, pred, zero_division=0),
            "roc_auc": skm.roc_auc_score(y, p), "pr_auc": skm.average_precision_score(y, p),
            "threshold": float(threshold), "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
            "n": int(len(y))}


CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Chinese characters (and kanji)
LETTER = re.compile(r"[^\W\d_]")


def language_of(texts) -> str:
    """``zh`` when at least a fifth of the letters in ``texts`` are Chinese characters
    (mixed Chinese/English text included), else ``en`` (any language written with spaces)."""
    sample = " ".join(map(str, list(texts)[:2000]))
    letters = len(LETTER.findall(sample))
    return "zh" if letters and len(CJK.findall(sample)) / letters >= 0.2 else "en"


def tfidf_vectorizer(min_df: int = 1, language: str = "en") -> TfidfVectorizer:
    """The kit's TF-IDF, sublinear term frequency, terms in fewer than ``min_df`` texts
    ignored. ``en``: words and word pairs. ``zh``: character 1-3-grams, since Chinese has no
    spaces between words; they also catch the English words of mixed text."""
    if language == "zh":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=min_df, sublinear_tf=True)
    return TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True)


def shared_terms(texts, groups, min_writers: int, language: str = "en") -> tuple[list[str], int]:
    """The terms of :func:`tfidf_vectorizer` that at least ``min_writers`` writers use (a
    writer is a value of ``groups``), and how many terms there were. A term fewer people write
    (a colleague's full name, an id number, a rare misspelling) would point at them from
    inside a saved model's vocabulary."""
    from scipy import sparse

    vec = tfidf_vectorizer(language=language)
    used = vec.fit_transform(list(texts)) > 0
    codes, _ = pd.factorize(pd.Series(list(groups)).astype(str))
    by_writer = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                                  shape=(codes.max() + 1, len(codes)))
    writers = np.asarray(((by_writer @ used.astype(float)) > 0).sum(axis=0)).ravel()
    terms = vec.get_feature_names_out()
    return [str(t) for t in terms[writers >= min_writers]], len(terms)


def tfidf_classifier(texts, y, seed: int = 0, groups=None, min_writers: int = 1) -> Pipeline:
    """TF-IDF (:func:`tfidf_vectorizer`, in the texts' language) + logistic regression with
    balanced classes, fitted on ``texts`` and ``y``; with ``groups``, on the terms at least
    ``min_writers`` writers use (:func:`shared_terms`). The pipeline's ``kept_terms`` says how
    many terms of how many were kept."""
    language = language_of(texts)
    vec, kept = tfidf_vectorizer(language=language), None
    if groups is not None and min_writers > 1:
        terms, total = shared_terms(texts, groups, min_writers, language)
        if not terms:
            raise TextDataError(f"no term of the texts is used by {min_writers} writers or more: a model could only "
                                "learn words that point at a few people. Add texts, or lower min_group")
        vec.set_params(vocabulary=terms)
        kept = (len(terms), total)
    clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed)
    pipe = make_pipeline(vec, clf).fit(list(texts), y)
    pipe.kept_terms = kept
    return pipe


def tfidf_baseline(parts: dict[str, pd.DataFrame], rule: str = "f1", seed: int = 0) -> dict:
    """TF-IDF + logistic regression (:func:`tfidf_classifier`), threshold tuned on dev, scored on test."""
    pipe = tfidf_classifier(parts["train"]["text"], parts["train"]["y"], seed)
    p_dev = pipe.predict_proba(list(parts["dev"]["text"]))[:, 1]
    p_test = pipe.predict_proba(list(parts["test"]["text"]))[:, 1]
    threshold = tune_threshold(parts["dev"]["y"], p_dev, rule)
    return {"dev": scores(parts["dev"]["y"], p_dev, threshold), "test": scores(parts["test"]["y"], p_test, threshold),
            "test_proba": p_test}
