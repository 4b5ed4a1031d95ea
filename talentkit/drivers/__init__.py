r"""Why people leave: drivers and flight risk, on event histories and snapshot exports alike.

Four steps, each on libraries the field uses:

1. **Screening** (:func:`screen`): per candidate attribute, the leaving rate by level with
   Wilson intervals, weight of evidence and information value (numbers in quintile bins),
   the odds ratio of each level against the largest one (Woolf interval) and the log-rank
   test of the tenure curves (lifelines).
2. **Explanation**: a Cox proportional-hazards model on tenure with censoring
   (:func:`cox`, lifelines ``CoxPHFitter``) with its proportional-hazards check and
   concordance; the leaving hazard by tenure band (:func:`hazard_by_tenure`); a penalised
   logistic model of leaving within the horizon (:func:`odds_ratios`, scikit-learn).
3. **Prediction** (:func:`compare_models`): a logistic and a gradient-boosted model, both
   calibrated (``CalibratedClassifierCV``), compared by repeated stratified
   cross-validation, with permutation importance on the held-out folds. Where people wrote
   texts, a text score is cross-fitted (:class:`CrossFittedTextScore`) and the record
   alone, the text alone and both are compared on the same folds.
4. **Fairness and risk by group** (:func:`fairness`, :func:`risk_by_group`): flag rates,
   their ratios with bootstrap intervals, calibration by group; never by person unless
   ``show_ids`` (:func:`highest_risk`, pseudonyms only).

**Who is counted.** On a snapshot export, everyone in it: ``left`` is its flag, tenure its
tenure. On an event history, the screening and the prediction look at the people employed
at ``as_of - horizon_months`` and ask who left by ``as_of``; the Cox model and the log-rank
tests use every tenure spell up to ``as_of``, leavers' as completed, the rest censored.
Attributes are the people table's (for an event history, as on the last day a person was
employed).

**Leakage.** Attributes that are consequences of leaving (exit type, exit interview fields,
time since exit...) are refused when named and left out otherwise (:data:`LEAK_WORDS`); so
is any attribute that predicts leaving almost perfectly on its own (ROC-AUC at least
:data:`LEAK_AUC`), which is what a field filled in at exit looks like.

The package's modules, one concern each behind this one face: ``_population`` (who is
counted, the spells and the window), ``_leakage`` (the guards), ``_screening``,
``_explanation`` (Cox and logistic), ``_prediction`` (the compared models) and ``_groups``
(risk by group, fairness).
"""

from ._explanation import CLOCK_RHO, CoxResult, clocks, cox, design, implied, odds_ratios
from ._groups import fairness, highest_risk, risk_by_group
from ._leakage import LEAK_AUC, LEAK_NAMES, LEAK_WORDS, leak_reason
from ._population import EXIT_FIELDS, MAX_LEVELS, NOT_ATTRIBUTES, DriverData, person_texts, prepare
from ._prediction import (
    MODELS,
    SCORERS,
    CrossFittedTextScore,
    ModelComparison,
    SentenceEmbedding,
    compare_models,
    pipelines,
    text_model,
)
from ._screening import (
    BINS,
    FEW_VALUES,
    Screening,
    binned,
    from_hire,
    hazard_by_tenure,
    iv_strength,
    km_by,
    km_top,
    odds_ratio,
    screen,
    woe_iv,
)

__all__ = ["BINS", "CLOCK_RHO", "EXIT_FIELDS", "FEW_VALUES", "LEAK_AUC", "LEAK_NAMES", "LEAK_WORDS", "MAX_LEVELS",
           "MODELS", "NOT_ATTRIBUTES", "SCORERS", "CoxResult", "CrossFittedTextScore", "DriverData",
           "ModelComparison", "Screening", "SentenceEmbedding", "binned", "clocks", "compare_models", "cox", "design",
           "fairness", "from_hire", "hazard_by_tenure", "highest_risk", "implied", "iv_strength", "km_by", "km_top",
           "leak_reason", "odds_ratio", "odds_ratios", "person_texts", "pipelines", "prepare", "risk_by_group",
           "screen", "text_model", "woe_iv"]
