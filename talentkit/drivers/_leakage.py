"""Leakage guards: attributes that are consequences of leaving, by their name or by how
well they alone tell leavers from stayers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ..data.personal import name_words

# Words that mark a column as a consequence of leaving (matched on the name's words).
LEAK_WORDS = {"exit", "exited", "exiting", "termination", "terminated", "terminate", "separation", "separated",
              "resignation", "resigned", "severance", "notice", "rehire", "rehireable", "offboarding",
              "regretted", "regrettable", "departure", "departed", "leaving", "attrition", "turnover"}
LEAK_NAMES = {"status", "employment status", "employee status", "reason", "last day", "end date"}
LEAK_AUC = 0.95  # one attribute alone predicting leaving this well is almost surely recorded at exit


def leak_reason(name: str) -> str | None:
    """Why a column looks like a consequence of leaving (its name), or ``None``."""
    words = name_words(name)
    hit = sorted(set(words) & LEAK_WORDS)
    if hit:
        return f"its name says it is recorded at or after leaving ('{hit[0]}')"
    if " ".join(words) in LEAK_NAMES:
        return "its name says it is an employment status or a reason, known only once someone has left"
    return None


def identifier_like(values: pd.Series, smallest: int = 20) -> bool:
    """A number column that is a different whole number on every row (at least ``smallest``
    rows): a badge or payroll number, not a measurement."""
    v = values.dropna()
    return len(v) >= smallest and bool((v % 1 == 0).all()) and v.nunique() == len(v)


def separating(X: pd.DataFrame, kinds: dict[str, str], y: np.ndarray) -> dict[str, str]:
    """The attributes of ``X`` that alone predict ``y`` almost perfectly (ROC-AUC at least
    :data:`LEAK_AUC`), with why: by their values, or by where they are blank (a field left
    empty for leavers, or filled in only at exit, tells them apart as surely as a value does)."""
    out = {}
    for c in X.columns:
        x = X[c]
        blank = (x.isna() if kinds[c] == "number" else x.astype(object) == "(missing)").to_numpy(bool)
        scores = []
        if 0 < blank.sum() < len(blank):
            scores.append(("where it is blank", roc_auc_score(y, blank.astype(float))))
        code = x.astype(float) if kinds[c] == "number" else _level_rates(x, y)
        if code.notna().sum() >= 2:
            scores.append(("", roc_auc_score(y, code.fillna(code.median()))))
        for how, auc in scores:
            if max(auc, 1 - auc) >= LEAK_AUC:
                out[c] = (f"alone it tells leavers from stayers almost perfectly{' ' + how if how else ''} "
                          f"(ROC-AUC {max(auc, 1 - auc):.2f}): a field filled in (or emptied) at exit looks like this")
                break
    return out


def _level_rates(x: pd.Series, y: np.ndarray, smallest: int = 10) -> pd.Series:
    """Each row's level leaving rate; levels under ``smallest`` people get the overall rate
    (a level of one person would otherwise 'predict' its own outcome perfectly)."""
    by_level = pd.Series(y, index=x.index).groupby(x.astype(object), observed=True).agg(["mean", "size"])
    rates = by_level["mean"].where(by_level["size"] >= smallest, float(np.mean(y)))
    return x.astype(object).map(rates).astype(float)
