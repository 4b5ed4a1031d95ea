"""02's paired bootstrap: every resample scored at once from draw counts, against scoring each
resampled set of texts with scikit-learn's six metrics (the split evaluation's former way).

Both give the same numbers (``tests/test_resampled.py``); this prints their time for 1,000
resamples of the test texts of three models, and the ratio. The scikit-learn way is timed on
``--slow-resamples`` resamples and scaled to 1,000 (its cost is the same for each).
Goal: well under a second per model.

Usage: .venv/bin/python benchmarks/bootstrap_speed.py [--texts 900 3000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from talentkit.core.stats import percentile_bootstrap
from talentkit.textclf import RESAMPLE_METRICS, paired_bootstrap, scores

MODELS = ("tfidf", "embed", "setfit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, nargs="+", default=[900, 3000], help="test texts (15 % of all)")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--slow-resamples", type=int, default=40)
    args = parser.parse_args()
    print(f"{'test texts':>10} {'draw counts s':>14} {'per model s':>12} {'scikit-learn s':>15} {'ratio':>7}")
    for n in args.texts:
        rng = np.random.default_rng(0)
        y = (rng.random(n) < 0.2).astype(int)
        probas = {m: np.clip(0.3 * y + rng.random(n) * 0.7, 0, 1) for m in MODELS}
        t = time.perf_counter()
        paired_bootstrap(y, probas, dict.fromkeys(MODELS, 0.5), args.resamples, seed=0)
        fast = time.perf_counter() - t

        def scored(idx):
            return [scores(y[idx], probas[m][idx], 0.5)[k] for m in MODELS for k in RESAMPLE_METRICS]

        t = time.perf_counter()
        percentile_bootstrap(scored, n, args.slow_resamples, seed=0)
        slow = (time.perf_counter() - t) * args.resamples / args.slow_resamples
        print(f"{n:>10,} {fast:>14.2f} {fast / len(MODELS):>12.2f} {slow:>15.1f} {slow / fast:>7.0f}", flush=True)


if __name__ == "__main__":
    main()
