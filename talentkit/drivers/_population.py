"""Who a drivers analysis counts, with which attributes: :func:`prepare` and :class:`DriverData`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core import pooling
from ..core.dates import DAYS_PER_MONTH
from ..core.errors import ParameterError
from ..core.privacy import MIN_GROUP
from ..data.datasets import Dataset
from ..spells import Spells, spells
from ._leakage import identifier_like, leak_reason, separating

# Columns that are never attributes: the contract's ids, dates and what happens at exit.
NOT_ATTRIBUTES = ("employee_id", "hire_date", "exit_date", "tenure_months")
EXIT_FIELDS = ("exit_type", "regretted")  # the contract's fields filled in at exit
MAX_LEVELS = pooling.MAX_LEVELS  # a category with more levels enters pooled (talentkit.core.pooling)


@dataclass
class DriverData:
    """The people a drivers analysis looks at, with their attributes and outcomes.

    ``X``: one column per attribute (categories as pandas ``category``, numbers as float);
    ``spells``: every tenure spell to ``as_of`` (:class:`talentkit.spells.Spells`: ``months``,
    ``left``, ``entry``), for the Cox model and the log-rank tests; ``window``: the rows the
    screening and prediction use, with ``y`` (left within the horizon) and
    ``tenure_at_start``; ``kinds``: each attribute's kind; ``excluded``: attributes left out,
    with the reason; ``text``: each row's texts joined (empty when none or not asked);
    ``groups``: every people column a fairness or risk table may group by, whether or not the
    models see it (a protected attribute is often kept out of the models and still checked)."""

    X: pd.DataFrame
    spells: Spells
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
    text: pd.Series | None = None
    text_task: str = ""
    notes: list[str] = field(default_factory=list)
    groups: pd.DataFrame | None = None  # every column a table may group by, model input or not
    pooled: dict = field(default_factory=dict)  # attribute -> talentkit.core.pooling.Pooling, where levels were pooled

    @property
    def attributes(self) -> list[str]:
        return list(self.X.columns)

    @property
    def months(self) -> pd.Series:
        """Each spell's tenure in months (lifelines' ``durations``)."""
        return self.spells.months

    @property
    def left(self) -> pd.Series:
        """Whether each spell ended by leaving by ``as_of`` (lifelines' ``event_observed``)."""
        return self.spells.left

    @property
    def entry(self) -> pd.Series:
        """The tenure at which each spell came under observation (lifelines' ``entry``)."""
        return self.spells.entry

    @property
    def observed_from(self) -> pd.Timestamp | None:
        return self.spells.observed_from

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


def prepare(ds: Dataset, attributes: list[str] | None = None, horizon_months: int = 12,
            text_task: str = "", max_levels: int = MAX_LEVELS, min_group: int = MIN_GROUP) -> DriverData:
    """The people and attributes of a drivers analysis (see :mod:`talentkit.drivers` on who
    is counted), in four steps: choose the attributes, build the spells and the window, type
    the attributes, join the texts.

    Parameters
    ----------
    ds : Dataset
        An event history or a snapshot export.
    attributes : list of str, optional
        People columns to consider; empty: every usable one. A named column that is a
        consequence of leaving, or absent, is refused with a :class:`ParameterError`.
    horizon_months : int
        The window: people employed ``horizon_months`` before the data's ``as_of`` (the day
        ``load`` cut it at), and who of them left by then (an event history; a snapshot's
        flag is its outcome).
    text_task : str
        Join each person's texts of that task (e.g. ``retention``) as ``text``.
    max_levels : int
        A category with more levels keeps its ``max_levels`` largest and pools the rest into
        "Other (k levels)" (:func:`talentkit.core.pooling.pool_levels`), in the models
        and in every table by group. The rule counts people, never outcomes, so it leaks
        nothing: pooling before the folds are drawn is the same as pooling inside each. An
        ordinal with more levels enters as its rank (1 for the lowest level).
    min_group : int
        The report's gate: the note on a pooled level counts its people only when at least
        this many (the pooled row is hidden otherwise, and its count would give it back).

    Returns
    -------
    DriverData
        The attributes, the spells (delayed entry for an event history:
        :mod:`talentkit.spells`), the window and its outcome, and what was left out and why.
    """
    if not isinstance(horizon_months, (int, np.integer)) or isinstance(horizon_months, bool) or horizon_months < 1:
        raise ParameterError(f"horizon_months must be a whole number of months of at least 1, not {horizon_months!r}")
    pooling.check_max_levels(max_levels)
    chosen, excluded = _choose_attributes(ds.people, attributes, ds.personal_columns())
    data = _spells_and_window(ds, int(horizon_months), excluded)
    p = ds.people.loc[data.X.index]
    _type_attributes(data, ds, p, chosen, max_levels, min_group)
    keys = ds.group_keys() + [n for n, described in ds.attributes.items() if described["kind"] == "number" and ds.has(n)]
    data.groups = p[[k for k in dict.fromkeys(keys) if k not in NOT_ATTRIBUTES]].copy()
    for c in data.groups:  # a table by group shows the same pooled levels as the models
        if c in data.pooled:
            data.groups[c] = pooling.apply_pooling(data.groups[c], data.pooled[c])
        elif _kind(ds, c) == "category":
            data.groups[c] = pooling.pool_levels(data.groups[c], max_levels)[0]
    if text_task and ds.texts is None:
        data.notes.append(f"text_task is {text_task!r}, but the data has no texts: the record is modelled alone")
    elif text_task:
        data.text, data.text_task = person_texts(ds, text_task, p["employee_id"]), text_task
    _check_both_outcomes(data)
    for c, why in separating(data.X[data.window], data.kinds, data.outcome()).items():
        data.excluded[c] = why
        data.X = data.X.drop(columns=c)
        del data.kinds[c]
    if not data.kinds:
        raise ParameterError("no usable attribute: " + "; ".join(f"{k}: {v}" for k, v in data.excluded.items())
                             if data.excluded else "the people table has no attribute besides ids and dates")
    return data


def _choose_attributes(p: pd.DataFrame, attributes: list[str] | None,
                       personal: list[str]) -> tuple[list[str], dict[str, str]]:
    """The attributes to consider and those left out by name, with why. A personal column
    (a name, a contact, a date of birth, an id) is never one, even when asked for."""
    usable = [c for c in p.columns if c not in NOT_ATTRIBUTES + EXIT_FIELDS and c not in personal]
    excluded: dict[str, str] = {c: "personal data (a name, contact, date of birth or id): never analysed"
                                for c in personal}
    if attributes:
        asked_personal = [a for a in attributes if a in personal]
        if asked_personal:
            raise ParameterError(f"attributes: {', '.join(map(repr, asked_personal))} hold personal data (names, "
                                 "contacts, dates of birth or ids) and are never analysed; remove them, or, if the "
                                 "mapping read one wrongly, say its kind in the mapping (attributes: {Column: "
                                 "category})")
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
        return [a for a in attributes if a not in NOT_ATTRIBUTES], excluded
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
    return chosen, excluded


def _spells_and_window(ds: Dataset, horizon_months: int, excluded: dict[str, str]) -> DriverData:
    """The spells to ``as_of`` and the window's rows: on a snapshot everyone, its flag the
    outcome; on an event history the people employed ``horizon_months`` before ``as_of``,
    and whether they left by it."""
    s = spells(ds)
    p = ds.people.loc[s.months.index]
    if ds.form == "snapshot":
        if "tenure_months" in p:  # the export's own tenure
            s = Spells(p["tenure_months"].astype(float), s.left, s.entry, s.groups, s.as_of, s.form)
        window, y, tenure_at_start = pd.Series(True, index=p.index), s.left, s.months
    else:
        start = s.as_of - pd.DateOffset(months=horizon_months)
        window = (p["hire_date"] <= start) & ~(p["exit_date"].notna() & (p["exit_date"] <= start))
        y = s.left & (p["exit_date"] > start)
        tenure_at_start = (start - p["hire_date"]).dt.days / DAYS_PER_MONTH
    return DriverData(X=pd.DataFrame(index=p.index), spells=s, window=window.astype(bool), y=y.astype(bool),
                      tenure_at_start=tenure_at_start.astype(float), ids=p["employee_id"], kinds={},
                      excluded=excluded, form=ds.form, as_of=s.as_of, horizon_months=horizon_months,
                      generated_ids=ds.generated_ids)


def _kind(ds: Dataset, name: str) -> str:
    described = ds.attributes.get(name)
    if described is not None:
        return described["kind"]
    return "number" if pd.api.types.is_numeric_dtype(ds.people[name]) else "category"


def _as_attribute(values: pd.Series, kind: str, order: list | None) -> pd.Series:
    if kind == "number":
        return pd.to_numeric(values, errors="coerce").astype(float)
    if kind == "ordinal" and order:
        return pd.Categorical(values.astype("string").astype(object).where(values.notna(), None),
                              categories=order, ordered=True)
    text = values.astype("string").fillna("(missing)").astype(object)
    return pd.Categorical(text, categories=sorted(text.unique(), key=str))


def _type_attributes(data: DriverData, ds: Dataset, p: pd.DataFrame, chosen: list[str], max_levels: int,
                     min_group: int = MIN_GROUP) -> None:
    """Each chosen attribute typed into ``data.X``, or left out with why (mostly missing, one
    value, an id); a category of many levels pooled, an ordinal of many levels as its rank."""
    for c in chosen:
        kind = _kind(ds, c)
        s = pd.Series(_as_attribute(p[c], kind, ds.attributes.get(c, {}).get("order")), index=p.index)
        share_missing = float(s.isna().mean()) if kind == "number" else float((s.astype(object) == "(missing)").mean())
        levels = s.nunique(dropna=True)
        if share_missing > 0.5:
            data.excluded[c] = f"{share_missing:.0%} missing"
        elif levels < 2:
            data.excluded[c] = "one value only"
        elif kind != "number" and levels > 0.5 * len(s):
            data.excluded[c] = "a different value for almost everyone (an id or free text)"
        elif kind == "number" and identifier_like(s):
            data.excluded[c] = ("a different whole number for everyone (an id such as a badge number): "
                                "a driver 'per standard deviation' of it would mean nothing")
        else:
            if kind == "ordinal" and levels > max_levels:
                s, kind = pd.Series(s.cat.codes.where(s.notna(), np.nan) + 1.0, index=s.index), "number"
                data.notes.append(f"{c} has {levels} ordered levels: it enters the models as its rank (1 for "
                                  "the lowest), a hazard ratio per standard deviation of rank")
            elif kind == "category" and levels > max_levels:
                s, data.pooled[c] = _pooled(s, max_levels, c)
                data.notes.append(data.pooled[c].sentence(min_group))
            data.X[c] = s
            data.kinds[c] = kind


def _pooled(s: pd.Series, max_levels: int, column: str) -> tuple[pd.Series, "pooling.Pooling"]:
    """A many-level category pooled by :func:`talentkit.core.pooling.pooling_rule`, counted on
    every spell (people only: no outcome), as a category whose pooled level sorts last."""
    pooled, rule = pooling.pool_levels(s.astype(object).rename(column), max_levels)
    return pd.Series(pd.Categorical(pooled, categories=sorted(rule.kept, key=str) + [rule.label]),
                     index=s.index), rule


def _check_both_outcomes(data: DriverData) -> None:
    """A model of leaving needs leavers and stayers in the window; say how to get both."""
    if data.window.sum() > 0 and data.y[data.window].nunique() == 2:
        return
    who = "left" if not data.y[data.window].any() else "stayed"
    if data.form == "snapshot":  # as_of and the horizon do not move a snapshot's flag
        raise ParameterError(f"nobody in this snapshot export {who} ({int(data.window.sum()):,} people): its "
                             "flag column gives everyone the same value, and a model of leaving needs both. "
                             "Check the flag's values (left_values: and stayed_values: in the mapping's "
                             "snapshot: section), or use an export that holds leavers and stayers")
    raise ParameterError(f"nobody {who} among the {int(data.window.sum()):,} people of the window: a model of "
                         "leaving needs both. Choose another as_of or horizon_months")


def person_texts(ds: Dataset, task: str, ids: pd.Series) -> pd.Series:
    """Each person's texts of ``task`` joined by a space (empty for a person with none), in
    the order of ``ids``."""
    texts = ds.texts
    if texts is None or "employee_id" not in texts:
        raise ParameterError(f"text_task: {task!r} was asked, but the data has no texts table with employee_id; "
                             "set text_task to '' or add texts")
    t = texts[(texts["task"] == task) & texts["employee_id"].notna()] if "task" in texts else \
        texts[texts["employee_id"].notna()]
    if t.empty:
        raise ParameterError(f"text_task: no texts of task {task!r}; the tasks present are "
                             f"{', '.join(sorted(texts['task'].dropna().unique()))}")
    joined = t.groupby("employee_id", sort=False)["text"].agg(lambda s: " ".join(map(str, s)))
    return ids.map(joined).fillna("").astype(str)
