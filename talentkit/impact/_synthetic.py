r"""One treated unit: a synthetic control with placebo-in-space inference, said as such.

With a single treated unit, a difference in differences compares it with the average control,
and its interval rests on one cluster. The synthetic control (Abadie, Diamond and Hainmueller
2010) instead weighs the never-treated units, :math:`w \ge 0`, :math:`\sum w = 1`, to match
the treated unit's outcome before the start (least squares, scipy's SLSQP), and reads the
effect as the mean gap after it. Inference is by placebos in space: every control in turn is
treated as if it had started, and the treated unit's ratio of post- to pre-start RMSPE is
ranked among theirs; :math:`p = \text{rank}/(J + 1)`, the smallest possible being
:math:`1/(J + 1)`. Written here: pyfixest has no synthetic control.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..core import privacy
from ._design import Design


def synthetic_weights(treated_pre: np.ndarray, controls_pre: np.ndarray) -> np.ndarray:
    """The simplex weights of the controls (columns) whose mix best matches the treated unit's
    pre-start outcomes in least squares."""
    k = controls_pre.shape[1]

    def loss(w: np.ndarray) -> float:
        return float(np.sum((treated_pre - controls_pre @ w) ** 2))

    fit = minimize(loss, np.full(k, 1 / k), method="SLSQP", bounds=[(0, 1)] * k,
                   constraints=[{"type": "eq", "fun": lambda w: np.sum(w) - 1}], options={"ftol": 1e-12, "maxiter": 500})
    return np.clip(fit.x, 0, 1) / np.clip(fit.x, 0, 1).sum()


def _gap(y: pd.DataFrame, unit: str, controls: list[str], start: int) -> tuple[float, float, np.ndarray]:
    """The mean post-start gap of ``unit`` against its synthetic control, its post/pre RMSPE ratio, the weights."""
    pre, post = y.index < start, y.index >= start
    w = synthetic_weights(y.loc[pre, unit].to_numpy(), y.loc[pre, controls].to_numpy())
    gap = y[unit].to_numpy() - y[controls].to_numpy() @ w
    rmspe = np.sqrt(np.mean(gap[pre] ** 2)), np.sqrt(np.mean(gap[post] ** 2))
    return float(gap[post].mean()), float(rmspe[1] / rmspe[0]) if rmspe[0] > 0 else np.inf, w


@dataclass
class SyntheticControl:
    """The treated unit, its effect (mean post-start gap), the placebo-in-space p-value, the
    controls' weights and every placebo's ratio."""

    unit: str
    effect: float
    p_value: float
    weights: pd.DataFrame
    placebos: pd.DataFrame
    min_group: int


@privacy.grouped
def synthetic_control(design: Design, min_group: int = privacy.MIN_GROUP) -> SyntheticControl | None:
    """The synthetic control of the module when exactly one unit was treated; ``None`` otherwise."""
    treated = design.treated_units
    if len(treated) != 1:
        return None
    p = design.panel
    y = p.pivot_table(index="t", columns="unit", values="y")
    unit, start = treated[0], int(p.loc[p["unit"] == treated[0], "start"].iloc[0])
    controls = sorted(p.loc[p["start"] == 0, "unit"].unique())
    effect, ratio, w = _gap(y, unit, controls, start)
    placebos = [(c, _gap(y, c, [d for d in controls if d != c], start)[1]) for c in controls if len(controls) > 2]
    ratios = pd.DataFrame(placebos, columns=["unit", "ratio"])
    p_value = (1 + int((ratios["ratio"] >= ratio).sum())) / (len(ratios) + 1)
    weights = pd.DataFrame({"unit": controls, "weight": w}).sort_values("weight", ascending=False)
    return SyntheticControl(unit, effect, p_value, privacy.not_personal(weights.reset_index(drop=True),
                            "weights of units whose cohorts passed the gate"),
                            privacy.not_personal(ratios, "each control's placebo ratio"), min_group)
