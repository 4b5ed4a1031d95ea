"""Estimates by group: the rate a text model gives a group beside the rate observed, each
text placed in its writer's group from the dataset, through the privacy gate."""

from __future__ import annotations

import pandas as pd

from ..core.privacy import MIN_GROUP, grouped, suppress
from ..core.stats import add_proportion
from ._texts import TEXT_FILE_SUFFIXES, FinetuneConfig, texts_dataset


@grouped
def estimates_by_group(frame: pd.DataFrame, group_by: str, proba: str = "p", observed: str = "y",
                       min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Model-based rate (mean predicted probability) beside the observed rate, per group,
    with small-group suppression (``n`` = distinct people where ids are given, else texts)."""
    who = "employee_id" if "employee_id" in frame and frame["employee_id"].notna().any() else None
    g = frame.groupby(group_by, dropna=True)
    t = pd.DataFrame({"texts": g.size(), "positive": g[observed].sum(), "model_rate": g[proba].mean()})
    t["n"] = g[who].nunique() if who else t["texts"]
    t = t.reset_index()
    add_proportion(t, "observed_rate", "positive", "texts")
    t["gap"] = t["model_rate"] - t["observed_rate"]
    return suppress(t, [group_by], min_group, people=frame)


@grouped
def estimates_linked(scored: pd.DataFrame, data: str, group_by: str = "region", proba: str = "p",
                     min_group: int = MIN_GROUP, mapping: str | None = None,
                     cfg: FinetuneConfig | None = None) -> pd.DataFrame | None:
    """:func:`estimates_by_group` on scored texts (columns ``y``, ``proba`` and an id), each
    text given its writer's ``group_by`` from the dataset ``data`` (people for employee
    texts, candidates for candidate texts). ``None`` when the texts cannot be linked to a
    group (a CSV of texts, or no ids). ``mapping``: the dataset's mapping file; ``cfg``: the
    run's configuration, whose dataset (encoding, columns, as_of) is read instead."""
    from ..data.datasets import load

    if str(data).lower().endswith(TEXT_FILE_SUFFIXES):
        return None
    ds = texts_dataset(cfg) if cfg is not None else load(data, mapping=mapping or None)
    if ds is None:  # a file of texts, said above
        return None
    links = [("employee_id", ds.people), ("candidate_id", ds.candidates)]
    for id_col, table in links:
        if id_col in scored and scored[id_col].notna().any() and table is not None and group_by in table:
            groups = scored[id_col].map(table.drop_duplicates(id_col).set_index(id_col)[group_by])
            return estimates_by_group(scored.assign(**{group_by: groups}), group_by, proba=proba, min_group=min_group)
    return None
