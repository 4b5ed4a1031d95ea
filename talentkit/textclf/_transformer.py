"""Fine-tuning a transformer (transformers' Trainer with accelerate; LoRA through peft),
settings that adapt to the data, saving and loading the fitted classifier."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from sklearn import metrics as skm

from ..core.errors import ModelLoadError, require_extra
from ._models import bf16_native, choose_device, load_model, quiet
from ._settings import Settings, choose_settings
from ._texts import FinetuneConfig, load_texts, scores, split, tfidf_baseline, tune_threshold


class EncodedTexts:
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
    require_extra("text", "a transformer's scores")
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
                 device: str, bf16: bool, max_steps: int = -1, settings: Settings | None = None) -> Any:
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
    model: Any
    tok: Any
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
    require_extra("text", "fine-tuning a transformer")
    from transformers import set_seed

    device = choose_device(cfg.device)
    bf16 = cfg.bf16 if cfg.bf16 is not None else bf16_native(device)
    set_seed(cfg.seed)  # before the model is built: the new classifier head starts the same
    tok, model = load_model(cfg.model)
    settings = choose_settings(cfg, tok, model, train["text"])
    if cfg.lora:
        model = _with_lora(model, cfg.lora_rank)
    train_ds = EncodedTexts(tok, train["text"], train["y"], settings.max_length)
    dev_ds = EncodedTexts(tok, dev["text"], dev["y"], settings.max_length)
    weights = class_weights(train["y"], cfg.class_weights)
    trainer = make_trainer(cfg, model, tok, train_ds, dev_ds, weights, checkpoints, device, bf16, settings=settings)
    started = time.time()
    train_out = trainer.train()
    seconds = time.time() - started
    # mixed precision leaves the model's forward wrapped in bfloat16 autocast (accelerate): unwrapped,
    # it predicts in float32 here exactly as it will once saved and loaded
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    model = model.merge_and_unload() if cfg.lora else model
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


def output_dir(name: str = "finetune") -> Path:
    """Where a fine-tuning run saves its model: ``<job folder>/<name>`` in a batch job, else
    ``outputs/finetune-by-hand/<name>`` in the project (found from the working folder, so a
    notebook opened from ``notebooks/`` writes there too)."""
    from ..core.results import job_dir

    job = job_dir()
    if job is not None:
        return job / name
    here = Path.cwd()
    project = next((d for d in (here, *here.parents) if (d / "params").is_dir() and (d / "notebooks").is_dir()), here)
    return project / "outputs" / "finetune-by-hand" / name
