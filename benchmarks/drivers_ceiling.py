"""How close do the flight-risk models come to the best possible on the built-in company?

The synthetic generator knows each person's true leaving hazard (region turnover × skill ×
pay band × level × manager quality of the team × tenure). Ranked by that hazard, people who
left within the 12-month window are told from stayers with a ROC-AUC that no model of the
record can beat on average: the ceiling. This script prints the kit's cross-validated
ROC-AUC of each record model (talentkit.drivers.compare_models, 5 folds × 2 repeats, the
notebook's defaults), the ceiling, their ratio, and the wall-clock time of each step.

Usage: .venv/bin/python benchmarks/drivers_ceiling.py [--data synthetic] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.metrics import roc_auc_score

import talentkit as tk
from talentkit import drivers
from talentkit.data import synth


def ceiling(ds, people, seed: int) -> float:
    """ROC-AUC of the generator's own hazard on the window's people."""
    p = ds.people.set_index("employee_id").loc[people.ids[people.window]]
    rng = np.random.default_rng(seed)
    teams = [f"{r} {t}" for r in synth.REGIONS for t in synth.REGIONS[r]["teams"]]
    quality = dict(zip(teams, rng.normal(0, 1, len(teams))))  # the generator's first draw
    years = people.tenure_at_start[people.window].to_numpy() / 12
    tenure = np.where(years < 1, 0.8, np.where(years < 3, 1.3, 0.9))
    hazard = (p["region"].map(lambda r: synth.REGIONS[r]["turnover"]) * p["skill"].map(synth.SKILL_HAZARD)
              * p["pay_band"].map(synth.PAY_HAZARD) * p["level"].map(dict(zip(synth.LEVELS, synth.LEVEL_HAZARD)))
              * np.exp(-synth.MANAGER_EFFECT * p["team"].map(quality))).to_numpy() * tenure
    return float(roc_auc_score(people.outcome(), hazard))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="default", choices=["small", "default"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    ds = tk.load(f"synthetic:{args.size}:{args.seed}")
    people = drivers.prepare(ds)
    t1 = time.perf_counter()
    result = drivers.compare_models(people)
    t2 = time.perf_counter()
    best = ceiling(ds, people, args.seed)
    print(f"people in the window: {int(people.window.sum()):,}, left: {int(people.outcome().sum()):,}")
    print(f"ceiling (the generator's own hazard): ROC-AUC {best:.3f}")
    for name in drivers.MODELS:
        auc = result.auc(name)
        print(f"{name:>18}: cross-validated ROC-AUC {auc:.3f}  ratio to the ceiling {auc / best:.3f}")
    print(f"load and prepare {t1 - t0:.1f} s; cross-validation {t2 - t1:.1f} s")


if __name__ == "__main__":
    main()
