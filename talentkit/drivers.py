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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test, proportional_hazard_test
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_val_predict,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from .datasets import Dataset
from .errors import ParameterError
from .markup import plot_label
from .privacy import (
    MIN_GROUP,
    SUPPRESSED,
    grouped,
    mark,
    nested_in,
    not_personal,
    pseudonym,
    suppress,
)
from .stats import Z95, add_proportion, add_rate, corrected_interval
from .tenure import DAYS_PER_MONTH, TenureCurves
from .textclf import embed, tfidf_vectorizer

# Columns that are never attributes: the contract's ids, dates and what happens at exit.
NOT_ATTRIBUTES = ("employee_id", "hire_date", "exit_date", "tenure_months")
EXIT_FIELDS = ("exit_type", "regretted")  # the contract's fields filled in at exit
# Words that mark a column as a consequence of leaving (matched on the name's words).
LEAK_WORDS = {"exit", "exited", "exiting", "termination", "terminated", "terminate", "separation", "separated",
              "resignation", "resigned", "severance", "notice", "rehire", "rehireable", "offboarding",
              "regretted", "regrettable", "departure", "departed", "leaving", "attrition", "turnover"}
LEAK_NAMES = {"status", "employment status", "employee status", "reason", "last day", "end date"}
LEAK_AUC = 0.95  # one attribute alone predicting leaving this well is almost surely recorded at exit
MAX_LEVELS = 30  # a category with more levels is screened out of the models: group it first
BINS = 5  # numbers are screened in quintile bins
FEW_VALUES = 8  # a number with at most this many values is screened by value
MODELS = ("logistic", "gradient boosting")


def _words(name: str) -> list[str]:
    """A column name's words: ``YearsSinceExit`` -> years, since, exit; ``exit_type`` -> exit, type."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def leak_reason(name: str) -> str | None:
    """Why a column looks like a consequence of leaving (its name), or ``None``."""
    words = _words(name)
    hit = sorted(set(words) & LEAK_WORDS)
    if hit:
        return f"its name says it is recorded at or after leaving ('{hit[0]}')"
    if " ".join(words) in LEAK_NAMES:
        return "its name says it is an employment status or a reason, known only once someone has left"
    return None


@dataclass
class DriverData:
    """The people a drivers analysis looks at, with their attributes and outcomes.

    ``X``: one column per attribute (categories as pandas ``category``, numbers as float);
    ``months`` and ``left``: tenure and whether it ended by ``as_of`` (every spell, for the
    Cox model and the log-rank tests); ``entry``: the tenure at which a spell comes under
    observation (see :func:`prepare`); ``window``: the rows the screening and prediction
    use, with ``y`` (left within the horizon) and ``tenure_at_start``; ``kinds``: each
    attribute's kind; ``excluded``: attributes left out, with the reason; ``text``: each
    row's texts joined (empty when none or not asked); ``groups``: every people column a
    fairness or risk table may group by, whether or not the models see it (a protected
    attribute is often kept out of the models and still checked)."""

    X: pd.DataFrame
    months: pd.Series
    left: pd.Series
    entry: pd.Series
    window: pd.Series
    y: pd.Series
    tenure_at_start: pd.Series
    ids: pd.Series
    kinds: dict[str, str]
    excluded: dict[str, str]
    form: str
    as_of: pd.Timestamp
    horizon_months: int
    generated_ids: bool = False
    observed_from: pd.Timestamp | None = None
    text: pd.Series | None = None
    text_task: str = ""
    notes: list[str] = field(default_factory=list)
    groups: pd.DataFrame | None = None  # every column a table may group by, model input or not

    @property
    def attributes(self) -> list[str]:
        return list(self.X.columns)

    def features(self, with_tenure: bool = True, with_text: bool = False) -> pd.DataFrame:
        """The model inputs of the window's rows: the attributes, tenure at the window's start
        (``tenure_months``) and, when asked, the texts."""
        X = self.X[self.window].copy()
        if with_tenure:
            X["tenure_months"] = self.tenure_at_start[self.window].astype(float)
        if with_text:
            X["text"] = (self.text if self.text is not None else pd.Series("", index=self.X.index))[self.window]
        return X.reset_index(drop=True)

    def outcome(self) -> np.ndarray:
        """Left within the horizon, for the window's rows (1 = left)."""
        return self.y[self.window].astype(int).to_numpy()


def _kind(ds: Dataset, name: str) -> str:
    spec = ds.attributes.get(name)
    if spec is not None:
        return spec["kind"]
    return "number" if pd.api.types.is_numeric_dtype(ds.people[name]) else "category"


def _as_attribute(values: pd.Series, kind: str, order: list | None) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").astype(float)
    if kind == "ordinal" and order:
        return pd.Categorical(values.astype("string").astype(object).where(values.notna(), None),
                              categories=order, ordered=True)
    text = values.astype("string").fillna("(missing)").astype(object)
    return pd.Categorical(text, categories=sorted(text.unique(), key=str))


def prepare(ds: Dataset, attributes: list[str] | None = None, horizon_months: int = 12, as_of=None,
            text_task: str = "") -> DriverData:
    """The people and attributes of a drivers analysis (see the module's notes on who is
    counted). ``attributes`` empty: every usable people column; a named column that is a
    consequence of leaving, or absent, is refused with a :class:`ParameterError`.
    ``text_task``: join each person's texts of that task (e.g. ``retention``) as ``text``.

    An event history is observed from its first recorded exit (``observed_from``): nobody
    who left before that day is in it, so a person hired earlier enters the tenure models
    at the tenure they had then (``entry``; delayed entry, or left truncation). Counting
    their earlier years as time at risk would make early tenure look safer than it is
    (Klein and Moeschberger, *Survival Analysis*, 2003, ch. 3)."""
    if not isinstance(horizon_months, (int, np.integer)) or isinstance(horizon_months, bool) or horizon_months < 1:
        raise ParameterError(f"horizon_months must be a whole number of months of at least 1, not {horizon_months!r}")
    p = ds.people
    as_of = pd.Timestamp(as_of) if as_of not in (None, "") else ds.as_of
    usable = [c for c in p.columns if c not in NOT_ATTRIBUTES + EXIT_FIELDS]
    excluded: dict[str, str] = {}
    if attributes:
        unknown = [a for a in attributes if a not in p.columns]
        if unknown:
            raise ParameterError(f"attributes: {', '.join(map(repr, unknown))} not in the people table; "
                                 f"choose from {', '.join(usable)}")
        leaks = {a: leak_reason(a) or "it is filled in when someone leaves" for a in attributes
                 if a in EXIT_FIELDS + ("exit_date",) or leak_reason(a)}
        if leaks:
            raise ParameterError("attributes: " + "; ".join(f"'{a}' is a consequence of leaving: {why}" for a, why
                                                             in leaks.items())
                                 + ". A model given it would 'predict' leaving from its own record; remove it")
        chosen = [a for a in attributes if a not in NOT_ATTRIBUTES]
    else:
        for c in EXIT_FIELDS:
            if c in p.columns and p[c].notna().any():
                excluded[c] = "recorded at exit (a consequence of leaving)"
        chosen = []
        for c in usable:
            why = leak_reason(c)
            if why:
                excluded[c] = why
            else:
                chosen.append(c)

    # who is counted: spells to as_of, and the window's rows
    hired = p["hire_date"] <= as_of
    p = p[hired]
    left = p["exit_date"].notna() & (p["exit_date"] <= as_of)
    end = p["exit_date"].where(left, as_of)
    months = (end - p["hire_date"]).dt.days / DAYS_PER_MONTH
    entry = pd.Series(0.0, index=p.index)
    observed_from = None
    if ds.form == "snapshot":
        if "tenure_months" in p:
            months = p["tenure_months"].astype(float)
        window = pd.Series(True, index=p.index)
        y = left
        tenure_at_start = months
    else:
        start = as_of - pd.DateOffset(months=int(horizon_months))
        window = (p["hire_date"] <= start) & ~(p["exit_date"].notna() & (p["exit_date"] <= start))
        y = left & (p["exit_date"] > start)
        tenure_at_start = (start - p["hire_date"]).dt.days / DAYS_PER_MONTH
        if left.any():
            observed_from = p.loc[left, "exit_date"].min()
            entry = ((observed_from - p["hire_date"]).dt.days / DAYS_PER_MONTH).clip(lower=0)

    X = pd.DataFrame(index=p.index)
    kinds = {}
    for c in chosen:
        kind = _kind(ds, c)
        values = _as_attribute(p[c], kind, ds.attributes.get(c, {}).get("order"))
        s = pd.Series(values, index=p.index)
        share_missing = float(s.isna().mean()) if kind == "number" else float((s.astype(object) == "(missing)").mean())
        levels = s.nunique(dropna=True)
        if share_missing > 0.5:
            excluded[c] = f"{share_missing:.0%} missing"
        elif levels < 2:
            excluded[c] = "one value only"
        elif kind != "number" and levels > MAX_LEVELS:
            excluded[c] = f"{levels} levels (more than {MAX_LEVELS}): group them into fewer, then name it"
        elif kind != "number" and levels > 0.5 * len(s):
            excluded[c] = "a different value for almost everyone (an id or free text)"
        elif kind == "number" and _identifier_like(s):
            excluded[c] = ("a different whole number for everyone (an id such as a badge number): "
                           "a driver 'per standard deviation' of it would mean nothing")
        else:
            X[c] = s
            kinds[c] = kind
    data = DriverData(X=X, months=months.astype(float), left=left.astype(bool), entry=entry.astype(float),
                      window=window.astype(bool),
                      y=y.astype(bool), tenure_at_start=tenure_at_start.astype(float), ids=p["employee_id"],
                      kinds=kinds, excluded=excluded, form=ds.form, as_of=as_of, horizon_months=int(horizon_months),
                      generated_ids=ds.generated_ids, observed_from=observed_from)
    keys = ds.group_keys() + [n for n, spec in ds.attributes.items() if spec["kind"] == "number" and ds.has(n)]
    data.groups = p[[k for k in dict.fromkeys(keys) if k not in NOT_ATTRIBUTES]]
    if text_task and ds.texts is None:
        data.notes.append(f"text_task is {text_task!r}, but the data has no texts: the record is modelled alone")
    elif text_task:
        data.text, data.text_task = person_texts(ds, text_task, p["employee_id"]), text_task
    if data.window.sum() == 0 or data.y[data.window].nunique() < 2:
        who = "left" if not data.y[data.window].any() else "stayed"
        if ds.form == "snapshot":  # as_of and the horizon do not move a snapshot's flag
            raise ParameterError(f"nobody in this snapshot export {who} ({int(data.window.sum()):,} people): its "
                                 "flag column gives everyone the same value, and a model of leaving needs both. "
                                 "Check the flag's values (left_values: and stayed_values: in the mapping's "
                                 "snapshot: section), or use an export that holds leavers and stayers")
        raise ParameterError(f"nobody {who} among the {int(data.window.sum()):,} people of the window: a model of "
                             "leaving needs both. Choose another as_of or horizon_months")
    _drop_separating(data)
    if not kinds:
        raise ParameterError("no usable attribute: " + "; ".join(f"{k}: {v}" for k, v in excluded.items())
                             if excluded else "the people table has no attribute besides ids and dates")
    return data


def _identifier_like(values: pd.Series, smallest: int = 20) -> bool:
    """A number column that is a different whole number on every row (at least ``smallest``
    rows): a badge or payroll number, not a measurement."""
    v = values.dropna()
    return len(v) >= smallest and bool((v % 1 == 0).all()) and v.nunique() == len(v)


def _drop_separating(data: DriverData) -> None:
    """Leave out any attribute that alone predicts leaving almost perfectly (see LEAK_AUC):
    by its values, or by where it is blank (a field left empty for leavers, or filled in only
    at exit, tells them apart as surely as a value does)."""
    y = data.outcome()
    X = data.X[data.window]
    for c in list(data.X.columns):
        x = X[c]
        blank = (x.isna() if data.kinds[c] == "number" else x.astype(object) == "(missing)").to_numpy(bool)
        scores = []
        if 0 < blank.sum() < len(blank):
            scores.append(("where it is blank", roc_auc_score(y, blank.astype(float))))
        code = x.astype(float) if data.kinds[c] == "number" else _level_rates(x, y)
        if code.notna().sum() >= 2:
            scores.append(("", roc_auc_score(y, code.fillna(code.median()))))
        for how, auc in scores:
            if max(auc, 1 - auc) >= LEAK_AUC:
                data.excluded[c] = (f"alone it tells leavers from stayers almost perfectly{' ' + how if how else ''} "
                                    f"(ROC-AUC {max(auc, 1 - auc):.2f}): a field filled in (or emptied) at exit "
                                    "looks like this")
                data.X = data.X.drop(columns=c)
                del data.kinds[c]
                break


def _level_rates(x: pd.Series, y: np.ndarray, smallest: int = 10) -> pd.Series:
    """Each row's level leaving rate; levels under ``smallest`` people get the overall rate
    (a level of one person would otherwise 'predict' its own outcome perfectly)."""
    by_level = pd.Series(y, index=x.index).groupby(x.astype(object), observed=True).agg(["mean", "size"])
    rates = by_level["mean"].where(by_level["size"] >= smallest, float(np.mean(y)))
    return x.astype(object).map(rates).astype(float)


def person_texts(ds: Dataset, task: str, ids: pd.Series) -> pd.Series:
    """Each person's texts of ``task`` joined by a space (empty for a person with none), in
    the order of ``ids``."""
    t = ds.texts
    if t is None or "employee_id" not in t:
        raise ParameterError(f"text_task: {task!r} was asked, but the data has no texts table with employee_id; "
                             "set text_task to '' or add texts")
    t = t[(t["task"] == task) & t["employee_id"].notna()] if "task" in t else t[t["employee_id"].notna()]
    if t.empty:
        raise ParameterError(f"text_task: no texts of task {task!r}; the tasks present are "
                             f"{', '.join(sorted(ds.texts['task'].dropna().unique()))}")
    joined = t.groupby("employee_id", sort=False)["text"].agg(lambda s: " ".join(map(str, s)))
    return ids.map(joined).fillna("").astype(str)


# --------------------------------------------------------------------------- screening

def binned(x: pd.Series, kind: str) -> pd.Series:
    """An attribute as screening levels: categories as they are; a number with at most
    :data:`FEW_VALUES` values by value, else in quintile bins labelled by the values they
    hold (``30–39`` for whole numbers; ``lo–hi``, lower end excluded, else), the outer
    two open (``≤ 29``, ``≥ 60``): see :func:`_bin_labels`."""
    if kind != "number":
        return x.astype(object) if not isinstance(x.dtype, pd.CategoricalDtype) else x
    values = x.dropna().unique()
    if len(values) <= FEW_VALUES:
        order = sorted(values)
        return pd.Categorical(x.map(lambda v: _number(v) if pd.notna(v) else "(missing)"),
                              categories=[_number(v) for v in order] + (["(missing)"] if x.isna().any() else []),
                              ordered=True)
    bins, edges = pd.qcut(x, BINS, duplicates="drop", retbins=True)
    out = bins.cat.rename_categories(_bin_labels(edges, x))
    if x.isna().any():
        out = out.cat.add_categories("(missing)").fillna("(missing)")
    return out


def _bin_labels(edges, x: pd.Series) -> list[str]:
    """Labels of ``pd.qcut`` bins (right-closed) by the values they hold, with open outer
    edges: the lowest bin is ``≤ its top`` and the highest ``> its bottom`` (``≥`` for
    whole numbers), so no label prints the column's smallest or largest value (the top
    earner's pay, the oldest person's age). Inner edges are quantiles, not one person's."""
    whole = bool((x.dropna() % 1 == 0).all())
    labels = []
    last = len(edges) - 2
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        first = np.floor(lo) + 1 if whole else lo
        top = np.floor(hi) if whole else hi
        if last == 0:
            labels.append("all values")
        elif i == 0:
            labels.append(f"≤ {_number(top)}")
        elif i == last:
            labels.append(f"≥ {_number(first)}" if whole else f"> {_number(lo)}")
        else:
            dash = " to " if min(first, top) < 0 else "–"
            labels.append(_number(top) if first == top else f"{_number(first)}{dash}{_number(top)}")
    return labels


def _number(v) -> str:
    if not isinstance(v, (int, float, np.integer, np.floating)):
        return str(v)
    return f"{v:.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


def woe_iv(leavers, stayers) -> tuple[np.ndarray, float]:
    r"""Weight of evidence per level and the information value of the attribute.

    .. math:: \mathrm{WoE}_i = \ln\frac{d_i / D}{s_i / S}, \qquad
              \mathrm{IV} = \sum_i \left(\frac{d_i}{D} - \frac{s_i}{S}\right)\mathrm{WoE}_i

    with :math:`d_i, s_i` the leavers and stayers at level :math:`i` and :math:`D, S` their
    totals (Siddiqi, *Credit Risk Scorecards*, 2006; vivainsights ``create_IV``). A level
    with no leavers or no stayers gets 0.5 added to both its counts, so its WoE is finite.
    Positive WoE: more leaving than average. IV under 0.02 is not predictive, 0.02–0.1
    weak, 0.1–0.3 medium, 0.3–0.5 strong, above 0.5 suspiciously strong."""
    d = np.asarray(leavers, dtype=float)
    s = np.asarray(stayers, dtype=float)
    zero = (d == 0) | (s == 0)
    d, s = np.where(zero, d + 0.5, d), np.where(zero, s + 0.5, s)
    dist_d, dist_s = d / d.sum(), s / s.sum()
    woe = np.log(dist_d / dist_s)
    return woe, float(((dist_d - dist_s) * woe).sum())


def iv_strength(iv: float) -> str:
    """Siddiqi's reading of an information value."""
    if not np.isfinite(iv):
        return ""
    for bound, word in ((0.02, "not predictive"), (0.1, "weak"), (0.3, "medium"), (0.5, "strong")):
        if iv < bound:
            return word
    return "suspiciously strong"


def odds_ratio(a, b, c, d) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Odds ratio of a 2×2 table (``a`` leavers and ``b`` stayers at a level, ``c`` and ``d``
    at the reference) with Woolf's 95% interval,
    :math:`\exp(\ln OR \pm z\sqrt{1/a + 1/b + 1/c + 1/d})`; 0.5 is added to every cell of a
    table with a zero (Haldane–Anscombe)."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(zero, v + 0.5, v) for v in (a, b, c, d))
    log_or = np.log(a * d / (b * c))
    half = Z95 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return np.exp(log_or), np.exp(log_or - half), np.exp(log_or + half)


@dataclass
class Screening:
    """The screening of every attribute: ``table`` (one row an attribute, ranked by
    information value) and ``levels`` (one row a level); both passed the gate with
    ``min_group``."""

    table: pd.DataFrame
    levels: pd.DataFrame
    min_group: int

    def top(self, k: int = 3) -> list[str]:
        """The ``k`` attributes with the highest information value."""
        return self.table["attribute"].head(k).tolist()

    def levels_of(self, k: int = 3) -> pd.DataFrame:
        """The level rows of the ``k`` strongest attributes, strongest first."""
        top = self.top(k)
        rows = self.levels[self.levels["attribute"].isin(top)]
        return rows.iloc[np.argsort([top.index(a) for a in rows["attribute"]], kind="stable")].reset_index(drop=True)


@grouped
def screen(data: DriverData, min_group: int = MIN_GROUP) -> Screening:
    """Screen each attribute on its own (see the module notes): per level ``n``, ``leavers``,
    the leaving ``rate`` (Wilson 95%), ``woe``, the ``odds_ratio`` against the largest
    level (Woolf 95%); per attribute its information value (:func:`woe_iv`), the log-rank
    test of tenure by level (spells to ``as_of``) and its strongest shown level. Levels
    under ``min_group`` people are hidden (with complements) and never named as strongest."""
    y = pd.Series(data.outcome())
    X = data.X[data.window].reset_index(drop=True)
    level_rows, rows = [], []
    people = data.X.join(data.groups.drop(columns=[c for c in data.groups if c in data.X]))
    for attr in data.attributes:
        levels = pd.Series(binned(X[attr], data.kinds[attr]))
        counts = pd.crosstab(levels, y).reindex(columns=[0, 1], fill_value=0)
        counts = counts[counts.sum(axis=1) > 0]
        t = pd.DataFrame({"attribute": attr, "level": [str(v) for v in counts.index],
                          "n": counts.sum(axis=1).to_numpy(), "leavers": counts[1].to_numpy()})
        add_proportion(t, "rate", "leavers", "n")
        t["woe"], iv = woe_iv(counts[1], counts[0])
        ref = int(np.argmax(t["n"].to_numpy()))
        a, n = t["leavers"].to_numpy(), t["n"].to_numpy()
        t["odds_ratio"], t["or_lo"], t["or_hi"] = odds_ratio(a, n - a, a[ref], n[ref] - a[ref])
        t = suppress(t, ["attribute", "level"], min_group, nesting=nested_in(people, attr))
        t["reference"] = np.arange(len(t)) == ref  # after the gate: a flag, not a measure to hide
        level_rows.append(t)
        shown = t[~t[SUPPRESSED] & ~t["reference"]]
        strongest = shown.loc[np.abs(np.log(shown["odds_ratio"])).idxmax()] if len(shown) else None
        rows.append({"attribute": attr, "kind": data.kinds[attr], "levels": len(t), "n": int(t["n"].sum()),
                     "information_value": iv, "strength": iv_strength(iv),
                     "logrank_p": _logrank_p(data, attr, min_group),
                     "strongest_level": None if strongest is None else strongest["level"],
                     "vs_level": t.loc[ref, "level"] if not t.loc[ref, SUPPRESSED] else None,
                     "odds_ratio": np.nan if strongest is None else strongest["odds_ratio"],
                     "or_lo": np.nan if strongest is None else strongest["or_lo"],
                     "or_hi": np.nan if strongest is None else strongest["or_hi"]})
    table = pd.DataFrame(rows).sort_values("information_value", ascending=False, kind="stable").reset_index(drop=True)
    levels = pd.concat(level_rows, ignore_index=True)
    return Screening(mark(table, min_group), mark(levels, min_group), min_group)


def from_hire(data: DriverData) -> pd.Series:
    """The spells observed from hire (no delayed entry): those the Kaplan–Meier curves and
    the log-rank tests use, since lifelines' log-rank test has no delayed entry."""
    return data.entry <= 0


def _spell_levels(data: DriverData, attr: str) -> tuple[pd.Series, list[str]]:
    """Every spell's screening level of ``attr`` as text, and the levels in their order."""
    raw = pd.Series(binned(data.X[attr], data.kinds[attr]), index=data.X.index)
    return raw.astype(str), [str(v) for v in raw.dropna().unique()]


def _logrank_p(data: DriverData, attr: str, min_group: int) -> float:
    """Log-rank p-value of tenure by the attribute's levels (those of ``min_group`` or more),
    on the spells observed from hire."""
    levels, _ = _spell_levels(data, attr)
    sizes = levels[from_hire(data)].value_counts()
    keep = levels.isin(sizes[sizes >= min_group].index) & from_hire(data)
    if levels[keep].nunique() < 2:
        return np.nan
    r = multivariate_logrank_test(data.months[keep], levels[keep], data.left[keep])
    return float(r.p_value)


@grouped
def km_by(data: DriverData, attribute: str, min_group: int = MIN_GROUP, max_groups: int = 6) -> TenureCurves:
    """Kaplan–Meier tenure curves by an attribute's screening levels (the spells observed
    from hire, :func:`from_hire`), for the levels of ``min_group`` people or more; a level
    list longer than ``max_groups`` keeps the largest."""
    levels, order = _spell_levels(data, attribute)
    hired = from_hire(data)
    levels, months, left = levels[hired], data.months[hired], data.left[hired]
    sizes = pd.DataFrame({attribute: levels.value_counts().index, "n": levels.value_counts().to_numpy()})
    sizes = suppress(sizes, [attribute], min_group)
    shown = sizes.loc[~sizes[SUPPRESSED], attribute].head(max_groups)
    fitters = {}
    for name in sorted(shown, key=lambda v: order.index(v) if v in order else len(order)):
        rows = levels == name
        fitters[name] = KaplanMeierFitter(label=plot_label(name)).fit(months[rows], left[rows])
    return TenureCurves(fitters, sizes, min_group, attribute)


def km_top(data: DriverData, screening: Screening, k: int = 2, min_group: int = MIN_GROUP) -> list[TenureCurves]:
    """:func:`km_by` for each of the ``k`` strongest attributes of ``screening``."""
    return [km_by(data, attribute, min_group=min_group) for attribute in screening.top(k)]


@grouped
def hazard_by_tenure(data: DriverData, bands_months=(0, 12, 36, 60, 120), min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""The leaving hazard by tenure band: leavers in the band over the person-years spent in
    it, :math:`h_b = d_b / E_b` (a year = 12 months), with its exact Poisson 95% interval.
    A spell counts from its ``entry`` (delayed entry) to its end; ``n`` is the people
    observed for some time in the band."""
    edges = list(bands_months) + [np.inf]
    months, left, entry = data.months.to_numpy(), data.left.to_numpy(), data.entry.to_numpy()
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        exposure = np.clip(np.minimum(months, hi) - np.maximum(entry, lo), 0, None)
        rows.append({"tenure": f"{lo / 12:g}–{hi / 12:g} years" if np.isfinite(hi) else f"{lo / 12:g}+ years",
                     "n": int((exposure > 0).sum()), "leavers": int((left & (months > lo) & (months <= hi)).sum()),
                     "person_years": float(exposure.sum() / 12)})
    t = pd.DataFrame(rows)
    add_rate(t, "hazard", "leavers", "person_years")
    return suppress(t, ["tenure"], min_group)


# --------------------------------------------------------------------------- explanation

def implied(data: DriverData) -> dict[str, str]:
    """Categories implied by a finer one (every level of the finer lies within one level of
    the coarser, as each team lies in one region): ``{coarser: finer}``. A model given both
    cannot tell their effects apart."""
    cats = sorted((c for c in data.attributes if data.kinds[c] != "number"),
                  key=lambda c: -data.X[c].nunique())
    out: dict[str, str] = {}
    for i, fine in enumerate(cats):
        for coarse in cats[i + 1:]:
            if coarse not in out and data.X[fine].nunique() > data.X[coarse].nunique() and \
                    data.X.groupby(fine, observed=True)[coarse].nunique().max() == 1:
                out[coarse] = fine
    return out


CLOCK_RHO = 0.8  # a number this correlated with tenure counts time rather than describing a person


def clocks(data: DriverData) -> dict[str, str]:
    """Numbers that keep time with tenure (Spearman correlation with the spell's length of at
    least :data:`CLOCK_RHO`), such as years in the current role or with the current manager
    in a snapshot: measured at the end of each spell, they partly restate its length, so a
    Cox model given them would explain tenure by tenure (its concordance inflated).
    ``{attribute: why}``; the screening and the classifiers still see them."""
    out = {}
    for attr in data.attributes:
        if data.kinds[attr] == "number":
            rho = data.X[attr].astype(float).corr(data.months, method="spearman")
            if np.isfinite(rho) and rho >= CLOCK_RHO:
                out[attr] = f"keeps time with tenure (Spearman {rho:.2f}): it would explain tenure by tenure"
    return out


def design(data: DriverData, min_group: int = MIN_GROUP, rows: pd.Series | None = None,
           leave_out=()) -> tuple[pd.DataFrame, dict]:
    """The numeric design of the attributes (but ``leave_out``): one 0/1 column per category
    level but the most common (levels under ``max(min_group, 10)`` people pooled into
    ``(other)``), numbers standardised (per standard deviation; missing set to the median).
    Returns the frame and each column's ``(attribute, level, n)``."""
    X = data.X if rows is None else data.X[rows]
    out, meta = {}, {}
    small = max(min_group, 10)
    for attr in (a for a in data.attributes if a not in leave_out):
        x = X[attr]
        if data.kinds[attr] == "number":
            v = x.astype(float).fillna(x.median())
            sd = v.std(ddof=0)
            if sd > 0:
                out[attr] = (v - v.mean()) / sd
                meta[attr] = (attr, "per standard deviation", len(v))
            continue
        level = x.astype(object).astype(str)
        sizes = level.value_counts()
        level = level.where(~level.isin(sizes[sizes < small].index), "(other)")
        sizes = level.value_counts()
        ref = sizes.index[0]
        for name in sizes.index[1:]:
            col = f"{attr}={name}"
            out[col] = (level == name).astype(float)
            meta[col] = (attr, f"{name} vs {ref}", int(sizes[name]))
    return pd.DataFrame(out, index=X.index), meta


@dataclass
class CoxResult:
    """A fitted Cox model: ``table`` (hazard ratios with 95% intervals, p-values and the
    proportional-hazards test per covariate), ``concordance``, ``frame`` (the design the
    model was fitted on, with ``months`` and ``left``), ``fitter`` (lifelines), ``penalizer``."""

    table: pd.DataFrame
    concordance: float
    frame: pd.DataFrame
    fitter: CoxPHFitter
    penalizer: float
    min_group: int
    ph_violations: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # attribute -> why the model leaves it out

    def top(self, k: int = 5, alpha: float = 0.05) -> pd.DataFrame:
        """The ``k`` covariates farthest from a hazard ratio of 1 among those with p < ``alpha``."""
        t = self.table[~self.table[SUPPRESSED] & (self.table["p"] < alpha)]
        order = np.abs(np.log(t["hazard_ratio"])).sort_values(ascending=False).index
        return t.loc[order].head(k).reset_index(drop=True)


@grouped
def cox(data: DriverData, penalizer: float = 0.01, min_group: int = MIN_GROUP) -> CoxResult:
    r"""A Cox proportional-hazards model of tenure (lifelines ``CoxPHFitter``):
    :math:`h(t \mid x) = h_0(t)\exp(\beta^\top x)`, fitted by partial likelihood with a small
    ridge ``penalizer`` (stable with many levels). The hazard ratio :math:`e^{\beta_j}` is the
    multiplier of the leaving hazard at any tenure for a level against the reference (or per
    standard deviation of a number). The proportional-hazards check is lifelines'
    ``proportional_hazard_test`` (rank time transform; Grambsch–Therneau): a small p says the
    ratio changes with tenure, and the model's ratio is then an average over tenure.
    Concordance is Harrell's C. Spells enter at their ``entry`` tenure (delayed entry). Left
    out: a category implied by a finer one (:func:`implied`: the finer carries it) and a
    number that keeps time with tenure (:func:`clocks`)."""
    left_out = {a: f"implied by {fine}" for a, fine in implied(data).items()} | clocks(data)
    X, meta = design(data, min_group, leave_out=left_out)
    months = data.months.clip(lower=1e-3)
    frame = X.assign(months=months.to_numpy(), left=data.left.astype(int).to_numpy(),
                     entry=np.minimum(data.entry, months * 0.999).to_numpy())
    fitter = CoxPHFitter(penalizer=penalizer).fit(frame, "months", "left", entry_col="entry")
    s = fitter.summary
    ph = _ph_test(frame, penalizer)
    table = pd.DataFrame({
        "attribute": [meta[c][0] for c in s.index], "level": [meta[c][1] for c in s.index],
        "n": [meta[c][2] for c in s.index], "hazard_ratio": s["exp(coef)"].to_numpy(),
        "hr_lo": s["exp(coef) lower 95%"].to_numpy(), "hr_hi": s["exp(coef) upper 95%"].to_numpy(),
        "p": s["p"].to_numpy(), "ph_p": ph.reindex(s.index).to_numpy()})
    table = suppress(table, ["attribute", "level"], min_group)
    violations = table.loc[~table[SUPPRESSED] & (table["ph_p"] < 0.01), ["attribute", "level"]]
    return CoxResult(table, float(fitter.concordance_index_), frame, fitter, penalizer, min_group,
                     [f"{a} ({lv})" for a, lv in violations.itertuples(index=False)], left_out)


def _ph_test(frame: pd.DataFrame, penalizer: float) -> pd.Series:
    """The proportional-hazards test's p-value per covariate. lifelines computes Schoenfeld
    residuals only without delayed entry, so with delayed entry the test runs on the same
    model refitted to the spells observed from hire."""
    if (frame["entry"] > 0).any():
        frame = frame[frame["entry"] <= 0]
        frame = frame[[c for c in frame.columns if c in ("months", "left") or frame[c].std() > 0]]
    frame = frame.drop(columns="entry", errors="ignore")
    fitter = CoxPHFitter(penalizer=penalizer).fit(frame, "months", "left")
    return proportional_hazard_test(fitter, frame, time_transform="rank").summary["p"]


@grouped
def odds_ratios(data: DriverData, C: float = 1.0, n_boot: int = 200, seed: int = 0,
                min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""A penalised logistic model of leaving within the horizon (the window's rows):
    :math:`\Pr(\text{left}) = \sigma(\beta_0 + \beta^\top x)`, L2 penalty with strength
    :math:`1/C`, on the same design as the Cox model plus tenure at the window's start (per
    standard deviation). ``odds_ratio`` is :math:`e^{\beta_j}`; the penalty shrinks it toward 1,
    so its 95% interval is the bootstrap percentile interval over ``n_boot`` resamples of
    people (refitted each time), not a Wald interval."""
    X, meta = design(data, min_group, data.window, leave_out=implied(data))
    t = data.tenure_at_start[data.window]
    X["tenure_months"] = ((t - t.mean()) / t.std(ddof=0)).to_numpy()
    meta["tenure_months"] = ("tenure", "per standard deviation", len(t))
    y = data.outcome()
    model = LogisticRegression(C=C, max_iter=5000)
    coef = model.fit(X, y).coef_[0]
    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, X.shape[1]))
    values = X.to_numpy()
    for b in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        boot[b] = clone(model).fit(values[i], y[i]).coef_[0] if len(np.unique(y[i])) == 2 else np.nan
    lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    table = pd.DataFrame({"attribute": [meta[c][0] for c in X.columns], "level": [meta[c][1] for c in X.columns],
                          "n": [meta[c][2] for c in X.columns], "odds_ratio": np.exp(coef),
                          "or_lo": np.exp(lo), "or_hi": np.exp(hi)})
    return suppress(table, ["attribute", "level"], min_group)


# --------------------------------------------------------------------------- prediction

class SentenceEmbedding(BaseEstimator, TransformerMixin):
    """Frozen sentence embeddings of a text column (:func:`talentkit.textclf.embed`). Nothing
    is learned from the labels, so it can sit inside cross-validation; each distinct text is
    embedded once per kernel."""

    def __init__(self, model: str = "minilm"):
        self.model = model

    def fit(self, X, y=None) -> "SentenceEmbedding":
        return self

    def transform(self, X) -> np.ndarray:
        texts = _text_values(X)
        new = sorted({t for t in texts if (self.model, t) not in _EMBEDDED})
        if new:
            _EMBEDDED.update({(self.model, t): v for t, v in zip(new, embed(new, self.model))})
        return np.vstack([_EMBEDDED[self.model, t] for t in texts])


_EMBEDDED: dict[tuple[str, str], np.ndarray] = {}


def _text_values(X) -> np.ndarray:
    values = X.iloc[:, 0] if isinstance(X, pd.DataFrame) else np.asarray(X).reshape(len(X), -1)[:, 0]
    return np.asarray(pd.Series(values).fillna("").astype(str))


def text_model(name: str = "tfidf", C: float = 1.0, min_df: int = 2) -> Pipeline:
    """The text model: ``tfidf`` (TF-IDF of words and word pairs, logistic) or a sentence
    encoder (``minilm``, shipped; or a sentence-transformers folder) with a logistic model
    on its frozen embeddings."""
    if name == "tfidf":
        return make_pipeline(tfidf_vectorizer(min_df), LogisticRegression(C=C, max_iter=2000))
    return make_pipeline(SentenceEmbedding(name), LogisticRegression(C=C, max_iter=2000))


class CrossFittedTextScore(BaseEstimator, TransformerMixin):
    r"""A text score as a feature, cross-fitted: a text model (:func:`text_model`) giving the
    log-odds of leaving.

    ``fit_transform`` (what a pipeline calls on its training rows) returns *out-of-fold*
    scores: each training row is scored by a model fitted on the other ``inner_folds - 1``
    parts, so the model that sits on top never learns from a score that has seen its own
    label. ``transform`` (held-out rows) uses the model fitted on all training rows. No row is
    ever scored by a model trained on it (Chernozhukov et al., 2018, on cross-fitting; the
    same scheme as scikit-learn's ``StackingClassifier``)."""

    def __init__(self, model: str = "tfidf", inner_folds: int = 5, C: float = 1.0, min_df: int = 2, seed: int = 0):
        self.model = model
        self.inner_folds = inner_folds
        self.C = C
        self.min_df = min_df  # TF-IDF: words in fewer texts are ignored (1: keep every word)
        self.seed = seed

    def _model(self) -> Pipeline:
        return text_model(self.model, self.C, self.min_df)

    _texts = staticmethod(_text_values)

    def fit(self, X, y) -> "CrossFittedTextScore":
        self.model_ = self._model().fit(self._texts(X), y)
        return self

    def transform(self, X) -> np.ndarray:
        return _logit(self.model_.predict_proba(self._texts(X))[:, 1]).reshape(-1, 1)

    def fit_transform(self, X, y=None, **fit_params) -> np.ndarray:
        texts = self._texts(X)
        self.fit(X, y)
        folds = StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.seed)
        oof = cross_val_predict(self._model(), texts, y, cv=folds, method="predict_proba")[:, 1]
        return _logit(oof).reshape(-1, 1)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array(["text_score"], dtype=object)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def pipelines(data: DriverData, seed: int = 0, with_text: bool = False, text: str = "tfidf") -> dict:
    """The models compared, as scikit-learn estimators on :meth:`DriverData.features`:
    ``logistic`` (one-hot categories, standardised numbers, L2 logistic) and ``gradient
    boosting`` (``HistGradientBoostingClassifier`` with native categories, calibrated by
    ``CalibratedClassifierCV``: sigmoid, 3 folds). A logistic model needs no such step: it is
    fitted on the log-loss, so its probabilities are calibrated by construction, as the
    calibration curves show. With texts: ``text alone`` (the text model ``text``, see
    :func:`text_model`) and ``logistic + text`` (the logistic with the cross-fitted text
    score)."""
    cats = [c for c in data.attributes if data.kinds[c] != "number"]
    nums = [c for c in data.attributes if data.kinds[c] == "number"] + ["tenure_months"]
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    onehot = OneHotEncoder(handle_unknown="ignore", min_frequency=5)

    def logistic(extra=()):
        parts = [("cat", onehot, cats), ("num", numeric, nums), *extra]
        return Pipeline([("x", ColumnTransformer(parts)), ("model", LogisticRegression(C=1.0, max_iter=5000))])

    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan)
    boosted = Pipeline([
        ("x", ColumnTransformer([("cat", ordinal, cats), ("num", "passthrough", nums)])),
        ("model", HistGradientBoostingClassifier(
            categorical_features=list(range(len(cats))), learning_rate=0.1, max_iter=100, max_leaf_nodes=15,
            min_samples_leaf=20, l2_regularization=1.0, early_stopping=False, random_state=seed))])
    models = {"logistic": logistic(),
              "gradient boosting": CalibratedClassifierCV(boosted, method="sigmoid", cv=3)}
    if with_text:
        alone = text_model(text)
        models["text alone"] = Pipeline([("x", ColumnTransformer([("text", alone.steps[0][1], "text")])),
                                         ("model", alone.steps[1][1])])
        models["logistic + text"] = logistic([("text", CrossFittedTextScore(text, seed=seed), ["text"])])
    return models


@dataclass
class ModelComparison:
    """Cross-validated models of leaving within the horizon.

    ``table``: per model the mean ROC-AUC, PR-AUC and Brier score with corrected 95%
    intervals (:func:`corrected_interval`); ``folds``: every fold's scores; ``risk``: each
    window row's out-of-fold risk per model (the mean over repeats); ``y``: the outcomes;
    ``best``, ``runner_up`` and ``margin`` (ROC-AUC difference, with its interval, on the
    same folds); ``importance``: the best record model's permutation importance on held-out
    folds; ``calibration``: observed against predicted risk by decile, per model."""

    table: pd.DataFrame
    folds: pd.DataFrame
    risk: pd.DataFrame
    y: np.ndarray
    best: str
    runner_up: str
    margin: tuple[float, float, float]
    importance: pd.DataFrame
    calibration: pd.DataFrame
    n_splits: int
    repeats: int
    seed: int
    base_rate: float
    text_model: str = ""  # the text model, where texts took part

    def auc(self, model: str) -> float:
        return float(self.table.set_index("model").loc[model, "roc_auc"])

    def record_auc(self) -> float:
        """The best ROC-AUC of the models of the HR record alone."""
        return max(self.auc(m) for m in MODELS)


SCORERS = {"roc_auc": roc_auc_score, "pr_auc": average_precision_score, "brier": brier_score_loss}


def compare_models(data: DriverData, folds: int = 5, repeats: int = 2, seed: int = 0,
                   importance_repeats: int = 5, text: str = "tfidf") -> ModelComparison:
    """Fit and score every model of :func:`pipelines` on the same repeated stratified folds
    (``RepeatedStratifiedKFold(folds, repeats, seed)``). The best model is the one with the
    highest mean ROC-AUC; permutation importance (ROC-AUC drop when one attribute is
    shuffled, ``importance_repeats`` times) is measured for the best model on the record
    alone, on the held-out rows of the first repeat's folds. ``text``: the text model where
    the data has texts (:func:`text_model`)."""
    with_text = data.text is not None
    X = data.features(with_text=with_text)
    y = data.outcome()
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < folds * 2:
        raise ParameterError(f"only {minority} people in the rarer outcome: {folds} folds need at least "
                             f"{folds * 2}. Lower folds, or widen horizon_months")
    models = pipelines(data, seed, with_text, text)
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    risk = {name: np.zeros(len(y)) for name in models}
    rows, first_repeat = [], []
    record_models = [m for m in models if m in MODELS]
    with threadpool_limits(1):  # one thread: sums in the same order on every machine, same numbers
        for k, (train, test) in enumerate(cv.split(X, y)):
            for name, model in models.items():
                est = clone(model).fit(X.iloc[train], y[train])
                p = est.predict_proba(X.iloc[test])[:, 1]
                risk[name][test] += p / repeats
                rows.append({"model": name, "fold": k, **{m: f(y[test], p) for m, f in SCORERS.items()}})
                if k < folds and name in record_models:  # kept for the importance of the best one
                    first_repeat.append((name, k, est, test))
    fold_scores = pd.DataFrame(rows)
    n_test = len(y) // folds
    n_train = len(y) - n_test
    table_rows = []
    for name in models:
        f = fold_scores[fold_scores["model"] == name]
        row = {"model": name}
        for m in SCORERS:  # ROC-AUC, PR-AUC and Brier lie in [0, 1]
            row[m], row[f"{m}_lo"], row[f"{m}_hi"] = corrected_interval(f[m], n_train, n_test, (0.0, 1.0))
        table_rows.append(row)
    table = pd.DataFrame(table_rows)
    ranked = table.sort_values("roc_auc", ascending=False, kind="stable")["model"].tolist()
    best, runner_up = ranked[0], ranked[1]
    wide = fold_scores.pivot(index="fold", columns="model", values="roc_auc")
    margin = corrected_interval(wide[best] - wide[runner_up], n_train, n_test, (-1.0, 1.0))
    best_record = max(record_models, key=lambda m: table.set_index("model").loc[m, "roc_auc"])
    record_X = X.drop(columns="text", errors="ignore")
    importances = []
    for name, k, est, test in first_repeat:
        if name == best_record:
            with threadpool_limits(1):
                imp = permutation_importance(est, record_X.iloc[test], y[test], scoring="roc_auc",
                                             n_repeats=importance_repeats, random_state=seed)
            importances += [{"fold": k, "attribute": c, "importance": v}
                            for c, v in zip(record_X.columns, imp.importances_mean)]
    imp = pd.DataFrame(importances).groupby("attribute", sort=False)["importance"].agg(["mean", "std"])
    imp = imp.rename(columns={"mean": "importance", "std": "across_folds_sd"}).reset_index()
    imp = imp.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    imp.insert(0, "model", best_record)
    calib = []
    for name in models:
        observed, predicted = calibration_curve(y, risk[name], n_bins=10, strategy="quantile")
        calib += [{"model": name, "predicted": p, "observed": o} for p, o in zip(predicted, observed)]
    why = "model scores across cross-validation folds"
    return ModelComparison(not_personal(table, why), not_personal(fold_scores, why),
                           pd.DataFrame(risk), y, best, runner_up, margin,
                           not_personal(imp, "permutation importance of attributes"),
                           not_personal(pd.DataFrame(calib), "calibration by decile of risk (10% of people each)"),
                           folds, repeats, seed, float(y.mean()), text if with_text else "")


# --------------------------------------------------------------------------- groups and fairness

def _group_values(data: DriverData, column: str) -> pd.Series:
    """The window's rows' values of ``column`` (an attribute, or any column a table may group
    by) as groups, a number in quartile bands."""
    others = data.groups if data.groups is not None else pd.DataFrame(index=data.X.index)
    if column not in data.X.columns and column not in others.columns:
        raise ParameterError(f"cannot group by {column!r}: not a people column of this data; choose from "
                             f"{', '.join(dict.fromkeys([*data.attributes, *others.columns]))}")
    source = data.X if column in data.X.columns else others
    x = source.loc[data.window, column].reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        bands, edges = pd.qcut(x, 4, duplicates="drop", retbins=True)
        x = bands.cat.rename_categories(_bin_labels(edges, x))
    return x.astype(object).astype(str)


@grouped
def risk_by_group(result: ModelComparison, data: DriverData, group_by: str, model: str | None = None,
                  min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per group of the window's people: ``n``, ``leavers`` (observed), ``expected`` (the sum
    of out-of-fold risks of the best model, or ``model``), ``mean_risk`` and
    ``observed_over_expected``. A model calibrated for everyone can be off for a group: this
    ratio shows it."""
    g = _group_values(data, group_by)
    risk = result.risk[model or result.best]
    t = pd.DataFrame({group_by: g, "left": result.y, "risk": risk}).groupby(group_by, sort=True).agg(
        n=("left", "size"), leavers=("left", "sum"), expected=("risk", "sum"), mean_risk=("risk", "mean"))
    t = t.reset_index()
    t["observed_over_expected"] = t["leavers"] / t["expected"]
    return suppress(t, [group_by], min_group, nesting=nested_in(data.groups, group_by))


@grouped
def fairness(result: ModelComparison, data: DriverData, protected: str, model: str | None = None,
             flag_share: float | None = None, n_boot: int = 1000, seed: int = 0,
             min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Flight-risk flags and leaving by a protected attribute.

    A person is *flagged* when their out-of-fold risk is among the highest ``flag_share`` of
    the window (default: the share who actually left). Per group: ``n``, ``leaving_rate``,
    ``flag_rate``, ``mean_risk``; and each rate's ratio to the group with the highest flag
    rate (``flag_ratio``, ``leaving_ratio``) with 95% bootstrap percentile intervals
    (``n_boot`` resamples of people). ``four_fifths`` marks a flag ratio under 0.8: the US
    EEOC's rule of thumb for adverse impact (29 CFR 1607.4 D), a screening convention, not a
    statistical test, and for flight risk the flag can be a benefit (a retention offer) or a
    harm. Groups under ``min_group`` are hidden and take no part in the ratios."""
    g = _group_values(data, protected)
    risk = result.risk[model or result.best].to_numpy()
    share = result.base_rate if flag_share is None else float(flag_share)
    if not 0 < share < 1:
        raise ParameterError(f"flag_share must be between 0 and 1, not {flag_share!r}")
    flagged = risk >= np.quantile(risk, 1 - share)
    t = pd.DataFrame({protected: g, "left": result.y, "flagged": flagged, "risk": risk}).groupby(
        protected, sort=True).agg(n=("left", "size"), leavers=("left", "sum"), flagged=("flagged", "sum"),
                                  mean_risk=("risk", "mean")).reset_index()
    t["leaving_rate"] = t["leavers"] / t["n"]
    t["flag_rate"] = t["flagged"] / t["n"]
    t = suppress(t, [protected], min_group, nesting=nested_in(data.groups, protected))
    shown = t.loc[~t[SUPPRESSED], protected].tolist()
    for col in ("flag_ratio", "flag_ratio_lo", "flag_ratio_hi", "leaving_ratio", "leaving_ratio_lo",
                "leaving_ratio_hi"):
        t[col] = np.nan
    t["four_fifths"] = False
    if len(shown) >= 2:
        ref = t.loc[~t[SUPPRESSED]].sort_values("flag_rate", ascending=False, kind="stable")[protected].iloc[0]
        t["reference"] = t[protected] == ref
        code = pd.Categorical(g, categories=shown).codes  # -1: a hidden group
        keep = code >= 0
        code, left, flag = code[keep], result.y[keep].astype(float), flagged[keep].astype(float)
        ref_code = shown.index(ref)
        rng = np.random.default_rng(seed)
        samples = {"flag_ratio": [], "leaving_ratio": []}
        for _ in range(n_boot):
            i = rng.integers(0, len(code), len(code))
            n = np.bincount(code[i], minlength=len(shown)).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.bincount(code[i], flag[i], len(shown)) / n
                lv = np.bincount(code[i], left[i], len(shown)) / n
                samples["flag_ratio"].append(f / f[ref_code])
                samples["leaving_ratio"].append(lv / lv[ref_code])
        at = t[protected].map({v: k for k, v in enumerate(shown)})
        ref_row = t.loc[t["reference"]].iloc[0]
        for name, rate in (("flag_ratio", "flag_rate"), ("leaving_ratio", "leaving_rate")):
            with np.errstate(divide="ignore", invalid="ignore"):
                t[name] = np.where(t[SUPPRESSED], np.nan, t[rate] / ref_row[rate])
            lo, hi = np.nanpercentile(np.array(samples[name]), [2.5, 97.5], axis=0)
            t[f"{name}_lo"] = at.map(lambda k, lo=lo: lo[int(k)] if pd.notna(k) else np.nan)
            t[f"{name}_hi"] = at.map(lambda k, hi=hi: hi[int(k)] if pd.notna(k) else np.nan)
        t["four_fifths"] = ~t[SUPPRESSED] & (t["flag_ratio"] < 0.8)
    return mark(t, min_group)


def highest_risk(result: ModelComparison, data: DriverData, k: int = 20, show_ids: bool = False,
                 salt: str | None = None) -> pd.DataFrame | None:
    """The ``k`` people of the window with the highest out-of-fold risk, as pseudonyms, only
    when ``show_ids`` (else ``None``); never for an export without ids (its row numbers
    would mean nothing and could identify a line of the file)."""
    if not show_ids or data.generated_ids:
        return None
    ids = data.ids[data.window].reset_index(drop=True)
    risk = result.risk[result.best]
    top = risk.sort_values(ascending=False, kind="stable").head(k).index
    return not_personal(pd.DataFrame({"person": pseudonym(ids[top], salt).to_numpy(), "risk": risk[top].to_numpy(),
                                      "left": result.y[top].astype(bool)}),
                        "people as pseudonyms, shown because show_ids is set")
