"""The fine-tune's settings left unset, chosen from the data: tokens kept from the length
distribution, the learning rate by model size (:func:`choose_settings`), each with why."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..core.labels import format_number
from ..core.privacy import not_personal
from ._texts import FinetuneConfig


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
