"""Fine-tuning throughput: talentkit.textclf's Trainer against a bare Trainer and the seed's style.

Same model, data (the synthetic retention texts) and batch size for all three:

* talentkit: the kit's Trainer (dynamic padding, length-grouped batches, early stopping, and
  bfloat16 mixed precision where it is native: a GPU, or a CPU with AMX);
* bare Trainer: transformers' Trainer with its defaults (dynamic padding, random batches);
* the seed's style: every text padded to max_length (128), a plain PyTorch loop.

Prints training samples/s and the ratios, inference samples/s, and peak memory; also the
tokens a training batch holds under each Trainer's batching (their ratio is what dynamic
padding and length-grouped batches can give at most; bfloat16 gives the rest where it is
native, which the first line says, with the processor). On a CUDA
GPU it also prints tokens/s and model FLOPs utilisation (6 · parameters · tokens/s over
the GPU's peak bf16 FLOP/s, ``--peak-tflops``; about 989 for an H100/H200 SXM).
Goal: >= 1.5x the bare Trainer on CPU, >= 3x the seed's style.

Usage: .venv/bin/python benchmarks/finetune_throughput.py [--model minilm] [--steps 30] [--batch 32]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
import time

import numpy as np
import torch
from transformers import Trainer, TrainingArguments, set_seed

from talentkit import textclf


def peak_memory_gb(device: str) -> float:
    if device == "cuda":
        return torch.cuda.max_memory_allocated() / 1024**3
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def padded_tokens(trainer, steps: int) -> float:
    """Mean tokens (padding included) of the first ``steps`` batches ``trainer`` draws."""
    return float(np.mean([batch["input_ids"].numel() for _, batch in zip(range(steps), trainer.get_train_dataloader())]))


def processor(device: str) -> str:
    """The GPU's or the CPU's name."""
    if device == "cuda":
        return torch.cuda.get_device_name()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "a CPU")
    except OSError:
        return "a CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--steps", type=int, default=30, help="training steps timed per variant (after 3 warm-up)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128, help="the seed's padding length, and truncation")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="GPU peak dense bf16 TFLOP/s, for MFU")
    args = parser.parse_args()
    device = textclf.choose_device("auto")
    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()  # the bare Trainer and the seed's loop: GPU only
    kit_bf16 = textclf.bf16_native(device)  # the kit's own choice: also a CPU with AMX
    cfg = textclf.FinetuneConfig(model=args.model, batch_size=args.batch, max_length=args.max_length, progress=False,
                                 device=device, epochs=1)
    parts = textclf.split(textclf.load_texts(cfg))
    train = parts["train"]
    n = args.steps * args.batch
    texts = list(np.resize(train["text"].to_numpy(), n + 3 * args.batch))
    labels = list(np.resize(train["y"].to_numpy(), n + 3 * args.batch))
    rates = {}

    def fresh():
        set_seed(0)
        tok, model = textclf.load_model(args.model)
        return tok, model.to(device)

    with tempfile.TemporaryDirectory() as tmp:
        # talentkit's Trainer
        tok, model = fresh()
        ds = textclf.EncodedTexts(tok, texts, labels, args.max_length)
        # its evaluation and checkpoint at the (partial) epoch's end are part of its cost: a small dev split
        dev = textclf.EncodedTexts(tok, parts["dev"]["text"][:64], parts["dev"]["y"][:64], args.max_length)
        tr = textclf.make_trainer(cfg, model, tok, ds, dev, None, tmp, device, kit_bf16, max_steps=3)
        tr.train()  # warm-up
        tr = textclf.make_trainer(cfg, model, tok, ds, dev, None, tmp, device, kit_bf16, max_steps=args.steps)
        t = time.perf_counter()
        tr.train()
        rates["talentkit"] = n / (time.perf_counter() - t)
        n_tokens = sum(len(ds[i]["input_ids"]) for i in range(n))

        # bare Trainer: defaults, same model, data and batch
        tok, model = fresh()
        bare_args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=args.batch, max_steps=args.steps,
                                      report_to="none", disable_tqdm=True, save_strategy="no", bf16=bf16,
                                      use_cpu=device == "cpu", logging_strategy="no")
        warm = Trainer(model=model, args=dataclasses.replace(bare_args, max_steps=3), train_dataset=ds,
                       processing_class=tok)
        warm.train()
        bare = Trainer(model=model, args=bare_args, train_dataset=ds, processing_class=tok)
        t = time.perf_counter()
        bare.train()
        rates["bare Trainer"] = n / (time.perf_counter() - t)
        batch_tokens = {"talentkit": padded_tokens(tr, args.steps), "bare Trainer": padded_tokens(bare, args.steps)}

    # the seed's style: pad everything to max_length, plain loop
    tok, model = fresh()
    enc = tok(texts, truncation=True, max_length=args.max_length, padding="max_length", return_tensors="pt")
    y = torch.tensor(labels)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5)
    model.train()

    def step(i):
        sl = slice(i * args.batch, (i + 1) * args.batch)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            out = model(input_ids=enc["input_ids"][sl].to(device), attention_mask=enc["attention_mask"][sl].to(device),
                        labels=y[sl].to(device))
        out.loss.backward()
        opt.step()
        opt.zero_grad()

    for i in range(3):
        step(i)
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for i in range(3, 3 + args.steps):
        step(i)
    if device == "cuda":
        torch.cuda.synchronize()
    rates["seed's style (pad to max_length, plain loop)"] = n / (time.perf_counter() - t)

    # inference with the kit's predictor (length-sorted batches, inference mode)
    t = time.perf_counter()
    textclf.predict_proba(model, tok, texts[:n], batch_size=args.batch * 2, max_length=args.max_length, device=device)
    infer = n / (time.perf_counter() - t)

    print(f"model {args.model} on {device} ({processor(device)}; the kit in "
          f"{'bf16' if kit_bf16 else 'fp32: bf16 is not native here'}); batch {args.batch}; "
          f"{args.steps} steps timed; mean tokens per text {n_tokens / n:.1f}")
    for name, r in rates.items():
        print(f"  training {name:<46} {r:8.1f} samples/s")
    print(f"  ratio talentkit / bare Trainer:     {rates['talentkit'] / rates['bare Trainer']:.2f}  (goal >= 1.5)")
    print(f"  tokens per batch, padding included: talentkit {batch_tokens['talentkit']:.0f}, bare Trainer "
          f"{batch_tokens['bare Trainer']:.0f} (ratio {batch_tokens['bare Trainer'] / batch_tokens['talentkit']:.2f}: "
          "what padding and batching alone can give)")
    seed = rates["seed's style (pad to max_length, plain loop)"]
    print(f"  ratio talentkit / seed's style:     {rates['talentkit'] / seed:.2f}  (goal >= 3)")
    print(f"  inference (talentkit predict_proba): {infer:.1f} samples/s")
    print(f"  peak memory: {peak_memory_gb(device):.2f} GB ({'GPU allocated' if device == 'cuda' else 'process RSS'})")
    if device == "cuda":
        params = sum(p.numel() for p in model.parameters())
        tokens_s = rates["talentkit"] * n_tokens / n
        mfu = 6 * params * tokens_s / (args.peak_tflops * 1e12)
        print(f"  tokens/s (talentkit): {tokens_s:,.0f}; MFU {mfu:.1%} of {args.peak_tflops:.0f} TFLOP/s")
        seq_tokens_s = seed * args.max_length
        print(f"  at sequence length {args.max_length} (seed's padding): {seq_tokens_s:,.0f} tokens/s, "
              f"MFU {6 * params * seq_tokens_s / (args.peak_tflops * 1e12):.1%}")


if __name__ == "__main__":
    main()
