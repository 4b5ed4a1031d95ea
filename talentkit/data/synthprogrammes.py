"""The built-in company's two programmes, planted with known effects, and a staggered design
where two-way fixed effects goes wrong.

- **A retention bonus**, paid region by region over a year (IN from January 2023, EU from
  July 2023, SG from January 2024; US and CN never): in a region paying it, each voluntary
  exit after the start is cancelled with probability :data:`BONUS_KEEPS` (the person stays).
  Its true effect on the treated is what the cancelled exits did to their region-months'
  turnover (:func:`plant_programmes` returns it with the data).
- **A training scheme**, given team by team over 2023-2024, with no effect at all.

:func:`staggered_panel` draws a unit x period panel whose effect grows with time since the
start, adopted in three waves: the design in which two-way fixed effects weighs early-treated
units as controls for later ones and is biased, and the imputation estimator is not
(Goodman-Bacon 2021; Borusyak, Jaravel and Spiess 2024). Its truth is the mean effect on the
treated cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BONUS = "retention bonus"
TRAINING = "manager training"
BONUS_STARTS = {"IN": "2023-01-01", "EU": "2023-07-01", "SG": "2024-01-01"}
BONUS_KEEPS = 0.6  # the share of voluntary exits after the start that the bonus cancels
TRAINING_WAVES = ("2023-01-01", "2023-10-01", "2024-07-01")


def plant_programmes(people: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The people with the bonus's cancelled exits (their exit date, type and regret cleared),
    and the programmes table (``unit_column``, ``unit``, ``programme``, ``start``, ``end``)."""
    rng = np.random.default_rng([seed, 49])
    out = people.copy()
    start = out["region"].astype(str).map({k: pd.Timestamp(v) for k, v in BONUS_STARTS.items()})
    after = start.notna() & out["exit_date"].notna() & (out["exit_date"] >= start)
    kept = after & (out["exit_type"].astype(str) == "voluntary") & (rng.random(len(out)) < BONUS_KEEPS)
    out.loc[kept, "exit_date"] = pd.NaT
    out.loc[kept, "exit_type"] = None
    if "regretted" in out:
        out.loc[kept, "regretted"] = False
    teams = sorted(out["team"].dropna().astype(str).unique())
    order = rng.permutation(len(teams))
    rows = [("region", r, BONUS, pd.Timestamp(d), pd.NaT) for r, d in BONUS_STARTS.items()]
    rows += [("team", teams[k], TRAINING, pd.Timestamp(TRAINING_WAVES[i % len(TRAINING_WAVES)]), pd.NaT)
             for i, k in enumerate(order[: 2 * len(teams) // 3])]
    table = pd.DataFrame(rows, columns=["unit_column", "unit", "programme", "start", "end"])
    return out, table


def staggered_panel(units: int = 60, periods: int = 40, seed: int = 0) -> tuple[pd.DataFrame, float]:
    """A panel (``unit``, ``period``, ``start``, ``y``) adopted in three waves (periods 10, 20,
    30; a quarter of the units never), whose effect is 0.15 a period since the start; and the
    true mean effect on the treated cells."""
    rng = np.random.default_rng(seed)
    waves = np.array([10, 20, 30, 0])[np.arange(units) % 4]
    frame = pd.DataFrame({"unit": np.repeat(np.arange(units), periods), "period": np.tile(np.arange(periods), units)})
    frame["start"] = np.repeat(waves, periods)
    since = np.where(frame["start"] > 0, frame["period"] - frame["start"], -1)
    effect = np.where(since >= 0, 0.15 * (since + 1), 0.0)
    frame["y"] = (np.repeat(rng.normal(0, 1, units), periods) + 0.05 * frame["period"] + effect
                  + rng.normal(0, 0.5, len(frame)))
    return frame, float(effect[since >= 0].mean())
