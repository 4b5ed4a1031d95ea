"""Which text model should score our texts? A ladder of models compared on the same folds.

The rungs, cheapest first (:data:`RUNGS`): TF-IDF + logistic regression (the baseline);
frozen sentence embeddings + logistic regression; SetFit (contrastive fine-tuning of the
sentence encoder, made for few labels; Tunstall et al. 2022); the full fine-tune of a
transformer (:func:`talentkit.textclf.fit_transformer`); LoRA adapters (Hu et al. 2021)
for larger models. Every rung is fitted on the same training rows, picks its decision
threshold on the same dev rows, and is scored on the same held-out rows.

Small sets (under ``cv_below`` texts) are judged by repeated, stratified, grouped k-fold
cross-validation: one person's texts never sit on both sides of a fold. Each metric's
interval and each rung's **paired** difference from the baseline use Nadeau and Bengio's
corrected resampled t (:func:`talentkit.core.stats.corrected_interval`), on the fold-wise
values. Larger sets use one grouped test split, with intervals from a paired bootstrap of
the test texts. The verdict ("better", "no clear difference", "worse") is read from the
paired interval, never from the point estimates. The winner is the best-scoring rung
clearly better than the baseline, or the baseline when none is: a costlier model has to
earn its place.

``rungs="auto"`` runs the rungs whose estimated run time (timed on this machine, on a
sample of the texts) fits ``time_budget``; a list given by the user is run as given.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from .core.errors import ParameterError, TextDataError, require_extra
from .core.privacy import MIN_GROUP, not_personal
from .core.stats import corrected_interval
from .textclf import (
    RESAMPLE_METRICS,
    FinetuneConfig,
    GroupedFolds,
    TextClassifier,
    choose_device,
    embed,
    fit_transformer,
    language_of,
    load_model,
    load_texts,
    max_length_for,
    paired_bootstrap,
    quiet,
    save_classifier,
    scores,
    tfidf_classifier,
    token_lengths,
    token_limit,
    tune_threshold,
)

RUNGS = {  # name -> what it is, cheapest first
    "tfidf": "TF-IDF + logistic",
    "embed": "sentence embeddings + logistic",
    "setfit": "SetFit",
    "lora": "LoRA fine-tune",
    "finetune": "full fine-tune",
}
BASELINE = "tfidf"
METRICS = RESAMPLE_METRICS  # the scores of every evaluation, folds and bootstrap alike (one tuple, one order)
LORA_MIN_WEIGHTS = 100e6  # auto ladders try LoRA only for models this large (bert-base and up)


class LadderConfig(FinetuneConfig):
    """A :class:`~talentkit.textclf.FinetuneConfig` (data, columns, the transformer and its
    settings) and how the ladder is run."""

    rungs: str = "auto"  # comma-separated names from RUNGS, or auto: those that fit time_budget
    embedding_model: str = "minilm"  # encoder of the embed and setfit rungs: minilm, a folder or a hub name
    evaluation: Literal["auto", "cv", "split"] = "auto"  # auto: cv while the baseline's folds fit (choose_evaluation)
    folds: int = Field(5, ge=2)
    repeats: int = Field(2, ge=1)
    cv_below: int = Field(3000, ge=0)
    time_budget: float = Field(300, gt=0)  # seconds the auto ladder may take on this machine
    rank_by: Literal["f1", "roc_auc"] = "f1"
    bootstrap: int = Field(1000, ge=100)  # resamples for the split evaluation's intervals
    setfit_pairs: int = Field(2000, ge=8)  # sentence pairs SetFit trains its encoder on, per fit
    max_texts: int | None = None  # use a stratified sample of this many texts (quick runs); None: all
    min_group: int = Field(MIN_GROUP, ge=1)  # TF-IDF keeps terms at least this many writers use

    @field_validator("max_texts", mode="before")
    @classmethod
    def _zero_is_all(cls, value):
        return None if value in ("", 0) else value

    def rung_names(self) -> list[str] | None:
        """The rungs asked for, in ladder order, or ``None`` for auto."""
        if self.rungs.strip() in ("", "auto"):
            return None
        names = [r.strip() for r in self.rungs.split(",") if r.strip()]
        unknown = [r for r in names if r not in RUNGS]
        if unknown:
            raise ParameterError(f"model_ladder: unknown rung(s) {', '.join(unknown)}; use auto or a comma-separated "
                                 f"list of {', '.join(RUNGS)}")
        return [r for r in RUNGS if r in names]


# --------------------------------------------------------------------------- rungs


class BaseRung(ABC):
    """One shape for every rung: ``fit(train, dev)`` (frames with ``text`` and ``y``),
    ``predict_proba(texts)``, ``settings()`` (name -> (value, why)), ``save(folder)``. A
    scikit-learn rung saves its fitted ``saved`` attribute with joblib."""

    name = ""
    saved: tuple[str, str] = ("", "")  # attribute, file
    threshold: float = 0.5  # set by the final fit (fit_final), saved with the model
    positive_label: str = "1"

    def __init__(self, cfg: LadderConfig):
        self.cfg = cfg

    @abstractmethod
    def fit(self, train: pd.DataFrame, dev: pd.DataFrame) -> "BaseRung": ...

    @abstractmethod
    def predict_proba(self, texts) -> np.ndarray: ...

    def settings(self) -> dict[str, tuple[str, str]]:
        """Each setting the rung chose: name -> (value, why)."""
        return {}

    def save(self, folder: Path) -> None:
        import joblib

        joblib.dump(getattr(self, self.saved[0]), folder / self.saved[1])


class TfidfRung(BaseRung):
    """TF-IDF (words, or characters for Chinese) + logistic regression, balanced classes."""

    name, saved = "tfidf", ("pipe", "pipeline.joblib")

    def fit(self, train: pd.DataFrame, dev: pd.DataFrame) -> "TfidfRung":
        # only terms min_group writers use: the saved model's vocabulary names nobody
        self.pipe = tfidf_classifier(train["text"], train["y"], self.cfg.seed, groups=train["group"],
                                     min_writers=self.cfg.min_group)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return self.pipe.predict_proba(list(texts))[:, 1]

    def settings(self) -> dict[str, tuple[str, str]]:
        if self.pipe[0].analyzer == "char":
            out = {"terms": ("characters 1-3", "the texts are Chinese, written without spaces between words")}
        else:
            out = {"terms": ("words and word pairs", "the texts are written with spaces between words")}
        if self.pipe.kept_terms:
            kept, total = self.pipe.kept_terms
            out["terms kept"] = (f"{kept:,} of {total:,}", f"those used by at least {self.cfg.min_group} writers: a "
                                 "rarer term (a name, an id number) never enters the model or its saved copy")
        return out


class EmbeddingRung(BaseRung):
    """Frozen sentence embeddings (:func:`talentkit.textclf.embed`) + logistic regression.
    A text's vector never changes, so each text is encoded once for all folds."""

    name, saved = "embed", ("clf", "head.joblib")

    def __init__(self, cfg: LadderConfig):
        super().__init__(cfg)
        self.cache: dict[str, np.ndarray] = {}

    def vectors(self, texts) -> np.ndarray:
        texts = list(texts)
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if new:
            self.cache.update(zip(new, embed(new, self.cfg.embedding_model)))
        return np.stack([self.cache[t] for t in texts])

    def fit(self, train: pd.DataFrame, dev: pd.DataFrame) -> "EmbeddingRung":
        self.clf = LogisticRegression(max_iter=2000, class_weight="balanced", random_state=self.cfg.seed)
        self.clf.fit(self.vectors(train["text"]), train["y"])
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return self.clf.predict_proba(self.vectors(texts))[:, 1]

    def settings(self) -> dict[str, tuple[str, str]]:
        return {"encoder": (self.cfg.embedding_model, "embedding_model: frozen, mean-pooled, unit length")}


class SetFitRung(BaseRung):
    """SetFit (setfit): the sentence encoder fine-tuned on pairs of same/different-label
    texts (cosine loss), then a logistic head on its embeddings."""

    name = "setfit"

    def fit(self, train: pd.DataFrame, dev: pd.DataFrame) -> "SetFitRung":
        require_extra("text", "the SetFit rung")
        import datasets
        import setfit
        from setfit import SetFitModel, Trainer, TrainingArguments

        from .textclf import model_source

        datasets.disable_progress_bars()  # its "Map" bars would land in the report
        setfit.logging.set_verbosity_error()

        path, offline, _ = model_source(self.cfg.embedding_model)
        self.iterations = max(1, round(self.cfg.setfit_pairs / (2 * len(train))))
        model = SetFitModel.from_pretrained(path, local_files_only=offline,
                                            device="cpu" if self.cfg.device == "cpu" else None)
        with tempfile.TemporaryDirectory(prefix="talentkit-setfit-") as tmp:
            args = TrainingArguments(batch_size=16, num_epochs=1, num_iterations=self.iterations, seed=self.cfg.seed,
                                     report_to="none", show_progress_bar=False, save_strategy="no",
                                     logging_strategy="no", output_dir=tmp)
            data = datasets.Dataset.from_dict({"text": list(train["text"]), "label": [int(v) for v in train["y"]]})
            trainer = Trainer(model=model, args=args, train_dataset=data)
            _drop_printer(trainer)
            trainer.train()
        self.model = model
        return self

    def predict_proba(self, texts) -> np.ndarray:
        proba = self.model.predict_proba(list(texts), show_progress_bar=False)
        return np.asarray(proba, dtype=float)[:, 1]

    def settings(self) -> dict[str, tuple[str, str]]:
        return {"encoder": (self.cfg.embedding_model, "embedding_model"),
                "pairs": (f"{2 * self.iterations} per text, 1 epoch",
                          f"about {self.cfg.setfit_pairs:,} pairs a fit (setfit_pairs), for a bounded run time")}

    def save(self, folder: Path) -> None:
        self.model.save_pretrained(str(folder / "setfit"))


def _drop_printer(trainer) -> None:
    """SetFit prints its log lines through the inner Trainer's printer: keep reports clean."""
    from transformers import PrinterCallback, ProgressCallback

    inner = getattr(trainer, "st_trainer", None) or getattr(trainer, "trainer", None)
    for t in (trainer, inner) if inner is not None else (trainer,):
        for cb in (PrinterCallback, ProgressCallback):
            try:
                t.remove_callback(cb)
            except (AttributeError, ValueError):
                pass


class TransformerRung(BaseRung):
    """The transformer ``cfg.model`` fine-tuned in full, or through LoRA adapters."""

    def __init__(self, cfg: LadderConfig, lora: bool = False):
        self.cfg = cfg.model_copy(update={"lora": lora})
        self.name = "lora" if lora else "finetune"

    def fit(self, train: pd.DataFrame, dev: pd.DataFrame) -> "TransformerRung":
        with tempfile.TemporaryDirectory(prefix="talentkit-ft-") as tmp:
            self.fitted = fit_transformer(self.cfg, train, dev, tmp)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return self.fitted.predict_proba(texts)

    def settings(self) -> dict[str, tuple[str, str]]:
        st = self.fitted.settings
        out = {"model": (self.cfg.model, "the model parameter")}
        out.update({r["setting"]: (r["value"], r["why"]) for r in st.table().to_dict("records")})
        out["epochs run"] = (f"{self.fitted.epochs_run:g}", "in the last fit")
        why = "mixed_precision" if self.cfg.bf16 is not None else "auto: bfloat16 is native here" if self.fitted.bf16 \
            else "auto: bfloat16 is not native here"
        out["precision"] = ("bfloat16 mixed" if self.fitted.bf16 else "float32", why)
        return out

    def save(self, folder: Path) -> None:
        save_classifier(self.fitted, folder, self.threshold, self.cfg.threshold_rule, self.positive_label)


def make_rung(name: str, cfg: LadderConfig) -> BaseRung:
    """A fresh, unfitted rung by name (see :data:`RUNGS`)."""
    if name in ("finetune", "lora"):
        return TransformerRung(cfg, lora=name == "lora")
    kinds: dict[str, type[TfidfRung | EmbeddingRung | SetFitRung]] = {"tfidf": TfidfRung, "embed": EmbeddingRung,
                                                                       "setfit": SetFitRung}
    return kinds[name](cfg)


# --------------------------------------------------------------------------- folds


def dev_cut(df: pd.DataFrame, rows: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``rows`` split into fit and dev rows (about ``share`` dev), stratified and grouped."""
    y, groups = df["y"].to_numpy()[rows], df["group"].to_numpy()[rows]
    # a few writers: as many parts as writers (each writer's texts stay on one side)
    splitter = GroupedFolds(max(2, min(round(1 / share), len(set(groups)))), shuffle=True, random_state=seed)
    fit, dev = next(splitter.split(rows, y, groups))
    return np.sort(rows[fit]), np.sort(rows[dev])


def _check_writers(groups: np.ndarray, parts: int, evaluation: str) -> None:
    """Texts of one writer never go to two folds: there must be more writers than parts (a
    test part, and dev rows cut from the rest)."""
    writers = len(set(groups))
    if writers >= parts + 1:
        return
    what = f"{parts} folds" if evaluation == "cv" else "a test split"
    if writers < 3:
        raise TextDataError(f"the texts come from {writers} writer{'s' if writers > 1 else ''} (group_column): a "
                            f"model judged on a writer it was trained on learns the writer, not the outcome, and "
                            f"{what} needs at least {parts + 1}. Set group_column to the column naming each "
                            "text's writer (or to another grouping), or add texts of other writers")
    raise TextDataError(f"the texts come from {writers} writers (group_column), too few for {what} with dev rows "
                        f"(each writer's texts stay in one part): lower folds to {writers - 1} or fewer, or add "
                        "texts of other writers")


def fold_indices(df: pd.DataFrame, evaluation: str, folds: int = 5, repeats: int = 2, seed: int = 0,
                 test_size: float = 0.15, dev_size: float = 0.15) -> list[dict]:
    """The (fit, dev, test) rows of every fold, shared by every rung: ``cv`` gives ``repeats``
    × ``folds`` grouped, stratified folds (reshuffled each repeat); ``split`` one test split.
    Each fold's training rows give up about ``dev_size`` to dev (threshold and epochs)."""
    y, groups = df["y"].to_numpy(), df["group"].to_numpy()
    grouped = len(set(groups)) < len(groups)
    _check_writers(groups, folds if evaluation == "cv" else max(2, round(1 / test_size)), evaluation)
    out = []
    if evaluation == "cv":
        for r in range(repeats):
            kind = GroupedFolds if grouped else StratifiedKFold
            splitter = kind(folds, shuffle=True, random_state=seed + r)
            for k, (train, test) in enumerate(splitter.split(np.zeros(len(df)), y, groups if grouped else None)):
                fit, dev = dev_cut(df, train, dev_size, seed + 100 + r)
                out.append({"repeat": r, "fold": k, "fit": fit, "dev": dev, "test": np.sort(test)})
    else:
        splitter = GroupedFolds(max(2, round(1 / test_size)), shuffle=True, random_state=seed)
        train, test = next(splitter.split(np.zeros(len(df)), y, groups))
        fit, dev = dev_cut(df, train, dev_size / (1 - test_size), seed + 1)
        out.append({"repeat": 0, "fold": 0, "fit": fit, "dev": dev, "test": np.sort(test)})
    for f in out:
        for part in ("fit", "dev", "test"):
            if len(np.unique(y[f[part]])) < 2:
                raise TextDataError(f"a {part} part of the folds has one class only: {int(y.sum())} positive of "
                                    f"{len(y)} texts is too few for {folds} folds; lower folds or add texts")
    return out


# --------------------------------------------------------------------------- time plan


PLAN_TEXTS = 128  # texts an encoder's speed is timed on (a transformer's: half of them, in batches of 32)


def _seconds_per_text(model_name: str, texts: list[str], max_length: int | None, encoder: bool,
                      device: str = "auto") -> tuple[float, int]:
    """Seconds one forward pass takes per text on this machine, timed on a sample after a
    warm-up (:data:`PLAN_TEXTS`: on 32 texts the estimate moved by half from run to run), and
    the model's number of weights (0 for an encoder, which is not fine-tuned in full)."""
    import torch

    if encoder:
        sample = texts[:PLAN_TEXTS]
        embed(sample[:8], model_name)  # load, warm up
        started = time.perf_counter()
        embed(sample, model_name)
        return (time.perf_counter() - started) / len(sample), 0
    sample = texts[:PLAN_TEXTS // 2]
    tok, model = load_model(model_name)
    model.to(choose_device(device)).eval()
    if not max_length:  # as the fine-tune will choose it
        max_length = max_length_for(token_lengths(tok, sample), token_limit(tok, model))[0]
    batches = [tok(sample[i:i + 32], truncation=True, max_length=max_length, padding=True,
                   return_tensors="pt").to(model.device) for i in range(0, len(sample), 32)]
    with torch.inference_mode():
        model(**{k: v[:4] for k, v in batches[0].items()})
        started = time.perf_counter()
        for enc in batches:
            model(**enc)
    weights = sum(p.numel() for p in model.parameters())
    return (time.perf_counter() - started) / len(sample), weights


CV_SHARE_OF_BUDGET = 0.5  # above cv_below texts, cross-validation is kept while the baseline's folds fit this share


def baseline_seconds(n_texts: int, fits: int) -> float:
    """The TF-IDF baseline's estimated time for ``fits`` fits on ``n_texts`` texts (measured:
    five folds of 7,000 reviews took about 20 s on 2 cores)."""
    return 1 + 2e-4 * n_texts * fits


def choose_evaluation(cfg: LadderConfig, n_texts: int) -> str:
    """``cv`` or ``split``: as asked; auto: cross-validation under ``cv_below`` texts, and above
    it too while the baseline over every fold (folds x repeats, plus the winner's refit) fits
    :data:`CV_SHARE_OF_BUDGET` of ``time_budget`` (one 15 % split judges by an interval about
    twice as wide); else one grouped test split."""
    if cfg.evaluation != "auto":
        return cfg.evaluation
    if n_texts < cfg.cv_below:
        return "cv"
    fits = cfg.folds * cfg.repeats + 1
    return "cv" if baseline_seconds(n_texts, fits) <= CV_SHARE_OF_BUDGET * cfg.time_budget else "split"


def plan(df: pd.DataFrame, cfg: LadderConfig, n_fits: int) -> pd.DataFrame:
    """Each rung's estimated run time here (``n_fits`` fits plus the winner's refit), and
    whether it runs: as asked, or (auto) cheapest first while the total fits ``time_budget``.
    A training step costs about three forward passes (forward and backward)."""
    asked = cfg.rung_names()
    texts = df["text"].sample(min(len(df), PLAN_TEXTS), random_state=cfg.seed).tolist()
    n_train = len(df) * (1 - 1 / cfg.folds) * 0.85 if n_fits > 1 else len(df) * 0.7
    fits = n_fits + 1
    need_encoder = asked is None or {"embed", "setfit"} & set(asked)
    need_model = asked is None or {"finetune", "lora"} & set(asked)
    enc_s = _seconds_per_text(cfg.embedding_model, texts, None, encoder=True)[0] if need_encoder else np.nan
    model_s, weights = (_seconds_per_text(cfg.model, texts, cfg.max_length, False, cfg.device) if need_model
                        else (np.nan, 0))
    epochs = cfg.epochs or min(cfg.max_epochs, 4)  # early stopping with patience 2 rarely ends before epoch 3
    cost = {
        "tfidf": baseline_seconds(len(df), fits),
        "embed": 2 + enc_s * len(df),
        "setfit": fits * (cfg.setfit_pairs * 2 * 3 * enc_s + enc_s * len(df) * 0.3),
        "finetune": fits * (epochs * n_train * 3 * model_s + len(df) * 0.3 * model_s),
    }
    cost["lora"] = 0.75 * cost["finetune"]  # the frozen weights need no gradient of their own
    rows, total = [], 0.0
    for name in RUNGS:
        est = float(cost[name])
        if asked is not None:
            run = name in asked
            why = "asked for" + (f"; over the {cfg.time_budget:.0f} s budget" if run and total + est > cfg.time_budget
                                 else "") if run else "not asked for"
        elif name == "lora" and weights < LORA_MIN_WEIGHTS:
            run, why = False, f"{cfg.model} has {weights / 1e6:.0f} M weights; LoRA pays off from about 100 M"
        else:
            run = name == BASELINE or total + est <= cfg.time_budget
            why = "the baseline, always run" if name == BASELINE else (
                "fits the time budget" if run else
                f"its estimated {est:,.0f} s would pass the {cfg.time_budget:,.0f} s budget ({total:,.0f} s planned before it)")
        total += est if run else 0
        rows.append({"rung": name, "model": RUNGS[name], "estimated_seconds": est, "runs": run, "why": why})
    return not_personal(pd.DataFrame(rows), "run-time estimates of text models, no data")


# --------------------------------------------------------------------------- the ladder


def verdict(lo: float, hi: float) -> str:
    """``better`` when the whole interval of (rung - baseline) is above 0, ``worse`` when it
    is below, else ``no clear difference``."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no clear difference"
    return "better" if lo > 0 else "worse" if hi < 0 else "no clear difference"


@dataclass
class LadderResult:
    """What :func:`run` found.

    ``folds``: each rung's scores on each fold (held-out rows, threshold from dev);
    ``table``: per rung the mean and 95% interval of each metric, the paired difference from
    the baseline on the same folds with its interval and verdict, and the rank; ``plan``:
    the time plan (each rung's estimated and, once run, actual seconds, with its winner's
    refit); ``winner``; ``oof``: the first repeat's held-out probability of every
    rung for every text (with ``y``, ``group`` and any id or region column);
    ``settings``: what each rung ran with and why (as fitted on the last fold)."""

    folds: pd.DataFrame
    table: pd.DataFrame
    plan: pd.DataFrame
    winner: str
    evaluation: str
    oof: pd.DataFrame
    settings: dict[str, dict[str, tuple[str, str]]]
    positive_label: str
    n_texts: int
    n_groups: int
    language: str
    positive_share: float
    seconds: float
    rank_by: str
    saved: Path | None = None
    winner_threshold: float | None = None
    empty_texts: int = 0  # rows whose text was blank, left out
    time_budget: float | None = None  # the budget the plan kept to (auto) or stated (a list)
    auto: bool = True  # the rungs chosen by the plan, not named by the user

    @property
    def all_yes_f1(self) -> float:
        """F1 of flagging every text positive: :math:`2s/(1+s)` for a positive share :math:`s`."""
        return 2 * self.positive_share / (1 + self.positive_share)

    def row(self, rung: str) -> pd.Series:
        return self.table.set_index("rung").loc[rung]

    def examples(self) -> pd.DataFrame:
        """Texts with their label and the winner's held-out probability (raw text: personal)."""
        return self.oof[["text", "label", f"p_{self.winner}"]].rename(columns={f"p_{self.winner}": "p"})

    def settings_table(self) -> pd.DataFrame:
        rows = [{"model": RUNGS[r], "setting": k, "value": v, "why": why}
                for r, s in self.settings.items() for k, (v, why) in s.items()]
        return not_personal(pd.DataFrame(rows, columns=["model", "setting", "value", "why"]), "model settings, no data")

    def record(self) -> dict:
        """Headline numbers: each rung's F1 and ROC-AUC with intervals, its paired F1
        difference from the baseline and verdict; the winner."""
        out = {"winner": self.winner, "evaluation": self.evaluation, "n_texts": self.n_texts}
        for _, r in self.table.iterrows():
            for m in ("f1", "f1_lo", "f1_hi", "roc_auc", "roc_auc_lo", "roc_auc_hi", "diff_f1", "diff_f1_lo",
                      "diff_f1_hi", "seconds"):
                out[f"{r['rung']}_{m}"] = float(r[m])
            out[f"{r['rung']}_verdict"] = r["verdict"]
        return out


def _interval_table(folds: pd.DataFrame, names: list[str], n_train: int, n_test: int) -> pd.DataFrame:
    """Mean and corrected interval of every metric, and of the paired difference from the
    baseline, over the folds."""
    rows = []
    base = folds[folds["rung"] == BASELINE].set_index(["repeat", "fold"])
    for name in names:
        f = folds[folds["rung"] == name].set_index(["repeat", "fold"])
        row = {"rung": name, "model": RUNGS[name], "seconds": float(f["seconds"].sum())}
        for m in METRICS:  # scores lie in [0, 1], differences in [-1, 1]: the t interval is clipped to them
            row[m], row[f"{m}_lo"], row[f"{m}_hi"] = corrected_interval(f[m], n_train, n_test, (0.0, 1.0))
        for m in ("f1", "roc_auc"):
            diff = (f[m] - base[m].reindex(f.index)).to_numpy()
            row[f"diff_{m}"], row[f"diff_{m}_lo"], row[f"diff_{m}_hi"] = corrected_interval(diff, n_train, n_test,
                                                                                             (-1.0, 1.0))
        rows.append(row)
    return pd.DataFrame(rows)


def _bootstrap_table(folds: pd.DataFrame, names: list[str], y: np.ndarray, probas: dict, thresholds: dict,
                     resamples: int, seed: int) -> pd.DataFrame:
    """Split evaluation: percentile intervals from a paired bootstrap of the test texts (the
    same resampled texts for every rung), every resample scored at once from its draw counts
    (:func:`talentkit.textclf.paired_bootstrap`)."""
    draws = paired_bootstrap(y, {n: probas[n] for n in names}, thresholds, resamples, seed)
    base = folds[folds["rung"] == BASELINE].iloc[0]
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a metric missing in every resample: nan
        for name in names:
            f = folds[folds["rung"] == name].iloc[0]
            row = {"rung": name, "model": RUNGS[name], "seconds": float(f["seconds"])}
            for m in METRICS:
                row[m] = float(f[m])
                row[f"{m}_lo"], row[f"{m}_hi"] = np.nanpercentile(draws[name][m], [2.5, 97.5])
            for m in ("f1", "roc_auc"):
                row[f"diff_{m}"] = float(f[m] - base[m])
                row[f"diff_{m}_lo"], row[f"diff_{m}_hi"] = np.nanpercentile(draws[name][m] - draws[BASELINE][m],
                                                                            [2.5, 97.5])
            rows.append(row)
    return pd.DataFrame(rows)


def _over_budget(cfg: LadderConfig, the_plan: pd.DataFrame, name: str, started: float) -> str | None:
    """Why an auto ladder stops before rung ``name``, or ``None`` to run it: its estimate,
    scaled by how far the rungs run so far overran theirs (never scaled down), would take the
    time spent past ``time_budget``. A ladder given as a list runs as given."""
    if cfg.rung_names() is not None or name == BASELINE:
        return None
    done = the_plan[the_plan["actual_seconds"].notna()]
    overrun = max(1.0, float(done["actual_seconds"].sum() / max(done["estimated_seconds"].sum(), 1e-9)))
    estimate = float(the_plan.set_index("rung").at[name, "estimated_seconds"]) * overrun
    spent = time.time() - started
    if spent + estimate <= cfg.time_budget:
        return None
    scaled = f", {overrun:.1f}× its plan as the models before it took" if overrun > 1.0 else ""
    return (f"stopped in the run: {spent:.0f} s spent, and its {estimate:.0f} s{scaled} would pass the "
            f"{cfg.time_budget:.0f} s budget")


def _fit_rungs(cfg: LadderConfig, df: pd.DataFrame, parts: list[dict], the_plan: pd.DataFrame, started: float):
    """Fit and score each planned rung on every fold, cheapest first; a rung the budget no
    longer allows is marked not run in ``the_plan`` (:func:`_over_budget`), and each rung
    run gets its ``actual_seconds``. Returns the fold rows, settings, held-out
    probabilities, and the last fold's probabilities and thresholds."""
    the_plan["actual_seconds"] = np.nan
    names = the_plan.loc[the_plan["runs"], "rung"].tolist()
    if BASELINE not in names:
        names = [BASELINE] + names  # every verdict is read against it
    y = df["y"].to_numpy()
    rows, settings, oof, probas, thresholds = [], {}, df.copy(), {}, {}
    for name in names:
        at = the_plan.index[the_plan["rung"] == name][0]
        stop = _over_budget(cfg, the_plan, name, started)
        if stop:
            the_plan.loc[at, ["runs", "why"]] = [False, stop]
            continue
        if not the_plan.at[at, "runs"]:
            the_plan.loc[at, ["runs", "why"]] = [True, "the baseline every verdict is read against"]
        rung, t_rung = make_rung(name, cfg), time.time()
        for part in parts:
            t0 = time.time()
            rung.fit(df.iloc[part["fit"]], df.iloc[part["dev"]])
            threshold = tune_threshold(y[part["dev"]], rung.predict_proba(df["text"].iloc[part["dev"]]),
                                       cfg.threshold_rule)
            p = rung.predict_proba(df["text"].iloc[part["test"]])
            s = scores(y[part["test"]], p, threshold)
            rows.append({"rung": name, "repeat": part["repeat"], "fold": part["fold"], "n_test": len(part["test"]),
                         **{m: s[m] for m in METRICS}, "threshold": threshold, "seconds": time.time() - t0})
            if part["repeat"] == 0:
                oof.loc[part["test"], f"p_{name}"] = p
            probas[name], thresholds[name] = p, threshold
        the_plan.loc[at, "actual_seconds"] = time.time() - t_rung
        settings[name] = rung.settings()
    return rows, settings, oof, probas, thresholds


def run(cfg: LadderConfig, out_dir: str | Path | None = None, df: pd.DataFrame | None = None) -> LadderResult:
    """Run the ladder on ``cfg.data`` (or on ``df``, columns ``text``, ``y``, ``group``):
    plan the rungs, fit and score each on the same folds, rank, read the verdicts, refit the
    winner on all texts and save it in ``out_dir/winner`` (see :func:`load_scorer`)."""
    with quiet(not cfg.progress):
        return _run(cfg, out_dir, df)


def _run(cfg: LadderConfig, out_dir: str | Path | None, df: pd.DataFrame | None) -> LadderResult:
    started = time.time()
    df = load_texts(cfg) if df is None else df.reset_index(drop=True)
    positive, empty = df.attrs.get("positive_label", "1"), int(df.attrs.get("empty_texts", 0))
    if cfg.max_texts and len(df) > cfg.max_texts:
        df = df.groupby("y", group_keys=False).sample(frac=cfg.max_texts / len(df), random_state=cfg.seed)
        df = df.sort_index().reset_index(drop=True)
    evaluation = choose_evaluation(cfg, len(df))
    parts = fold_indices(df, evaluation, cfg.folds, cfg.repeats, cfg.seed, cfg.test_size, cfg.dev_size)
    the_plan = plan(df, cfg, len(parts))
    rows, settings, oof, probas, thresholds = _fit_rungs(cfg, df, parts, the_plan, started)
    names = the_plan.loc[the_plan["runs"], "rung"].tolist()
    y = df["y"].to_numpy()
    folds = pd.DataFrame(rows)
    if evaluation == "cv":
        n_test = int(np.mean([len(p["test"]) for p in parts]))
        table = _interval_table(folds, names, len(df) - n_test, n_test)
        label = f"{cfg.folds}-fold cross-validation" + (f", repeated {cfg.repeats} times" if cfg.repeats > 1 else "")
    else:
        table = _bootstrap_table(folds, names, y[parts[0]["test"]], probas, thresholds, cfg.bootstrap, cfg.seed)
        oof = oof.loc[parts[0]["test"]]
        label = "one test split, intervals by paired bootstrap"
    table["verdict"] = ["baseline" if r == BASELINE else verdict(lo, hi)
                        for r, lo, hi in zip(table["rung"], table[f"diff_{cfg.rank_by}_lo"],
                                             table[f"diff_{cfg.rank_by}_hi"])]
    table = table.sort_values([cfg.rank_by, "roc_auc"], ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    better = table[table["verdict"] == "better"]
    winner = better["rung"].iloc[0] if len(better) else BASELINE
    share = float(y.mean())
    result = LadderResult(
        folds=not_personal(folds, "scores of text models per fold, no data"),
        table=not_personal(table, "scores of text models, no data"), plan=the_plan, winner=winner,
        evaluation=label, oof=oof, settings=settings, positive_label=positive, n_texts=len(df),
        n_groups=int(df["group"].nunique()), language=language_of(df["text"]),
        positive_share=share, seconds=0.0, rank_by=cfg.rank_by, empty_texts=empty, time_budget=cfg.time_budget,
        auto=cfg.rung_names() is None)
    if out_dir is not None:
        t_refit = time.time()
        result.saved, result.winner_threshold = _save_winner(cfg, df, winner, Path(out_dir) / "winner", positive)
        the_plan.loc[the_plan["rung"] == winner, "actual_seconds"] += time.time() - t_refit  # planned with it
    result.seconds = time.time() - started
    return result


def save_winner(cfg: LadderConfig, df: pd.DataFrame, name: str, folder: Path, positive: str) -> tuple[Path, float]:
    """Refit rung ``name`` on all texts (dev rows held back to freeze the threshold) and
    save it with ``ladder.json``, for :func:`load_scorer`."""
    with quiet(not cfg.progress):
        return _save_winner(cfg, df, name, folder, positive)


def _save_winner(cfg: LadderConfig, df: pd.DataFrame, name: str, folder: Path, positive: str) -> tuple[Path, float]:
    folder.mkdir(parents=True, exist_ok=True)
    fit, dev = dev_cut(df, np.arange(len(df)), cfg.dev_size, cfg.seed)
    rung = make_rung(name, cfg).fit(df.iloc[fit], df.iloc[dev])
    threshold = tune_threshold(df["y"].to_numpy()[dev], rung.predict_proba(df["text"].iloc[dev]), cfg.threshold_rule)
    rung.threshold, rung.positive_label = threshold, positive
    rung.save(folder)
    info = {"rung": name, "model": RUNGS[name], "threshold": threshold, "rule": cfg.threshold_rule,
            "positive_label": positive, "embedding_model": cfg.embedding_model,
            "settings": {k: v for k, (v, _) in rung.settings().items()}}
    (folder / "ladder.json").write_text(json.dumps(info, indent=1))
    return folder, threshold


class TextScorer:
    """A saved winner: ``predict_proba(texts)`` and ``predict(texts)`` at its frozen threshold."""

    def __init__(self, folder: str | Path):
        import joblib

        folder = Path(folder)
        info_file = folder / "ladder.json"
        if not info_file.is_file():
            raise TextDataError(f"{folder}: no ladder.json; give the 'winner' folder a ladder run saved")
        self.info = json.loads(info_file.read_text())
        self.threshold, self.rung = self.info["threshold"], self.info["rung"]
        self.positive_label = self.info["positive_label"]
        if self.rung == "tfidf":
            pipe = joblib.load(folder / "pipeline.joblib")
            self._proba = lambda texts: pipe.predict_proba(list(texts))[:, 1]
        elif self.rung == "embed":
            head, model = joblib.load(folder / "head.joblib"), self.info["embedding_model"]
            self._proba = lambda texts: head.predict_proba(embed(list(texts), model))[:, 1]
        elif self.rung == "setfit":
            from setfit import SetFitModel

            model = SetFitModel.from_pretrained(str(folder / "setfit"), local_files_only=True)
            self._proba = lambda texts: np.asarray(model.predict_proba(list(texts), show_progress_bar=False))[:, 1]
        else:
            clf = TextClassifier.load(folder, device="auto")
            self._proba = clf.predict_proba

    def predict_proba(self, texts) -> np.ndarray:
        return np.asarray(self._proba(texts), dtype=float)

    def predict(self, texts) -> np.ndarray:
        return (self.predict_proba(texts) >= self.threshold).astype(int)


def load_scorer(folder: str | Path) -> TextScorer:
    """The winner a ladder run saved in ``folder``, ready to score new texts."""
    return TextScorer(folder)


__all__ = ["RUNGS", "BASELINE", "LadderConfig", "LadderResult", "run", "plan", "fold_indices", "verdict",
           "load_scorer", "TextScorer"]
