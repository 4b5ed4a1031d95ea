r"""Did it work? Programme evaluation on the kit's own records (notebook 09).

A programmes table says who received what and when (:func:`read_programmes`); an outcome
becomes a unit x period panel from the kit's one timeline (:func:`outcome_panel`); the
guards run first and say what they dropped (:func:`design`); then the effect is estimated by
the staggered-robust imputation estimator with the saturated event study beside it, and
two-way fixed effects shown as the biased baseline (:func:`estimate`), a placebo start is
tried on the pre-period (:func:`placebo`), and, with one treated unit, a synthetic control
with placebo-in-space inference (:func:`synthetic_control`). The private modules, one
concern each: ``_panel``, ``_design``, ``_estimates``, ``_synthetic``.
"""

from ..data.programmes import ProgrammesMapping, is_built_in, read_programmes
from ._design import MIN_PRE_PERIODS, Design, design
from ._estimates import (
    FEW_CLUSTERS,
    Estimates,
    estimate,
    imputation,
    imputation_by_period,
    imputation_weights,
    placebo,
    saturated,
    twfe,
    wild_bootstrap,
)
from ._panel import OUTCOMES, outcome_panel
from ._synthetic import SyntheticControl, synthetic_control, synthetic_weights

__all__ = ["FEW_CLUSTERS", "MIN_PRE_PERIODS", "OUTCOMES", "Design", "Estimates", "ProgrammesMapping", "design",
           "estimate", "imputation", "is_built_in", "imputation_by_period", "imputation_weights", "outcome_panel", "placebo",
           "read_programmes", "saturated", "synthetic_control", "synthetic_weights", "SyntheticControl", "twfe",
           "wild_bootstrap"]
