"""Fine-tune a transformer to tell, from text, who will accept an offer or stay.

Built on the ecosystem's own pieces: transformers' ``Trainer`` (with accelerate) and
``DataCollatorWithPadding`` (dynamic padding), ``EarlyStoppingCallback``, peft for LoRA,
scikit-learn metrics. The decision threshold is tuned on the dev split (best F1, or a
target recall) and then frozen; a TF-IDF + logistic-regression baseline is scored on the
same test split. Settings left unset adapt to the data (:func:`choose_settings`): tokens
kept from the length distribution, epochs by early stopping, the learning rate by model
size. :mod:`talentkit.ladder` compares this model with cheaper ones on the same folds.

Run outside a notebook (and so under ``torchrun`` or ``accelerate launch``)::

    python -m talentkit finetune --config params/finetune.yaml [--out outputs/finetune]

The config's keys are :class:`FinetuneConfig`'s fields.

The package's modules, one concern each behind this one face: ``_texts`` (reading texts,
grouped splits and folds, thresholds and scores, TF-IDF, estimates by group), ``_models``
(which model a name means and whether it loads here, embeddings, the device),
``_resampled`` (every score on many bootstrap resamples at once), ``_settings`` (the
fine-tune's settings chosen from the data) and ``_transformer``
(fine-tuning with the Trainer, saving and loading).
"""

from ..core.errors import ModelLoadError, TextDataError
from ._estimates import estimates_by_group, estimates_linked
from ._models import (
    bf16_native,
    choose_device,
    embed,
    load_model,
    model_source,
    quiet,
    resolve_model,
)
from ._resampled import RESAMPLE_METRICS, draw_counts, paired_bootstrap, resampled_scores, weighted_roc_auc
from ._settings import (
    Settings,
    choose_settings,
    learning_rate_for,
    max_length_for,
    token_lengths,
    token_limit,
)
from ._texts import (
    CJK,
    DEFAULT_POSITIVE,
    GROUP_COLUMNS,
    LETTER,
    TEXT_FILE_SUFFIXES,
    FinetuneConfig,
    GroupedFolds,
    is_text_file,
    language_of,
    load_texts,
    scores,
    shared_terms,
    split,
    texts_dataset,
    tfidf_baseline,
    tfidf_classifier,
    tfidf_vectorizer,
    tune_threshold,
)
from ._transformer import (
    EncodedTexts,
    FittedTransformer,
    TextClassifier,
    class_weights,
    finetune,
    fit_transformer,
    make_trainer,
    output_dir,
    predict_proba,
    save_classifier,
)

__all__ = ["ModelLoadError", "TextDataError", "CJK", "DEFAULT_POSITIVE", "EncodedTexts", "FinetuneConfig", "FittedTransformer", "GROUP_COLUMNS", "GroupedFolds", "LETTER", "Settings", "TEXT_FILE_SUFFIXES", "TextClassifier", "bf16_native", "choose_device", "choose_settings", "class_weights", "embed", "estimates_by_group", "estimates_linked", "finetune", "fit_transformer", "is_text_file", "language_of", "learning_rate_for", "load_model", "load_texts", "make_trainer", "max_length_for", "model_source", "output_dir", "predict_proba", "paired_bootstrap", "quiet", "RESAMPLE_METRICS", "draw_counts", "resampled_scores", "resolve_model", "save_classifier", "scores", "shared_terms", "split", "tfidf_baseline", "tfidf_classifier", "texts_dataset", "tfidf_vectorizer", "token_lengths", "token_limit", "tune_threshold", "weighted_roc_auc"]
