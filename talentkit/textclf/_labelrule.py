"""Who is positive: a label rule (``Rating <= 2``, or the label values meaning yes) read the
same way for every text a ladder or fine-tune is given."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from ..core.errors import TextDataError

DEFAULT_POSITIVE = {"retention": "stayed", "attraction": "accepted", "pulse": "stayed"}
RULE = re.compile(r"^\s*(.+?)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$")
COMPARE = {"<=": "__le__", ">=": "__ge__", "==": "__eq__", "!=": "__ne__", "<": "__lt__", ">": "__gt__"}


def label_by_rule(df: pd.DataFrame, rule, name: str) -> tuple[str, pd.Series]:
    """Who is positive by ``label_rule``: a comparison of a column with a value (``Rating <=
    2``: as numbers when both read as numbers, else as text), or a list of the label values
    meaning yes (``[4, 5]`` or ``"4, 5"``: the label column is ``label_column``). Returns the
    rule's column and a Series of 0/1; a :class:`TextDataError` for a rule that names no
    column or gives one class only."""
    match = RULE.match(rule) if isinstance(rule, str) else None
    if match:
        column, op, value = match.groups()
        if column not in df.columns:
            close = difflib.get_close_matches(column, [str(c) for c in df.columns], n=1)
            raise TextDataError(f"{name}: label_rule {rule!r} names no column '{column}'"
                                + (f"; did you mean '{close[0]}'?" if close else "")
                                + f" Columns: {', '.join(map(str, df.columns))}")
        left = pd.to_numeric(df[column].astype("string").str.strip(), errors="coerce")
        right = pd.to_numeric(pd.Series([value.strip("'\" ")]), errors="coerce").iloc[0]
        if left.notna().any() and pd.notna(right):
            y = getattr(left, COMPARE[op])(right) & left.notna()
        else:
            y = getattr(df[column].astype("string").str.strip(), COMPARE[op])(value.strip("'\" ")).fillna(False)
        return column, y.astype(int)
    return "", pd.Series(0, index=df.index)  # a list: read by the caller on label_column


def positive_values(rule) -> list[str]:
    """A ``label_rule`` given as the label values meaning yes: a list, or comma-separated text."""
    values = rule if isinstance(rule, list) else str(rule).split(",")
    return [str(v).strip() for v in values if str(v).strip()]


def outcome(df: pd.DataFrame, labels: pd.Series, rule, positive_label: str | None, task: str | None,
            label_column: str, name: str) -> tuple[pd.Series, pd.Series, str]:
    """Each text's outcome: the rows kept, ``y`` (1 = positive) and what positive means. By
    ``rule`` (:func:`label_by_rule`) when given, on a label column of any number of values;
    else the label column must hold exactly two values, ``positive_label`` (default by
    ``task``: stayed, accepted) one of them. Errors name the file and the fix."""
    if rule is None:
        values = sorted(labels.dropna().unique())
        if len(values) < 2:
            raise TextDataError(f"{name}: column '{label_column}' has one class only ({values}); "
                                "a classifier needs examples of both outcomes")
        if len(values) > 2:
            raise TextDataError(f"{name}: column '{label_column}' has {len(values)} values ({', '.join(values[:8])}); "
                                "it must hold exactly two: map the others before training, or give label_rule "
                                "(Rating <= 2, or the values meaning yes)")
        positive = positive_label or DEFAULT_POSITIVE.get(task or "", None)
        if positive is None or positive not in values:
            raise TextDataError(f"{name}: positive_label {positive!r} is not one of the labels {values}; "
                                "set positive_label to the one that means yes")
        return pd.Series(True, index=labels.index), (labels == positive).astype(int), positive
    column, y = label_by_rule(df, rule, name)
    if not column:  # a list of the values meaning yes
        yes = positive_values(rule)
        unknown = [v for v in yes if v not in set(labels.dropna())]
        if unknown:
            raise TextDataError(f"{name}: label_rule names {unknown}, which column '{label_column}' never holds "
                                f"(it holds {', '.join(sorted(labels.dropna().unique())[:12])})")
        y, described = labels.isin(yes).astype(int), f"{label_column} in {yes}"
    else:
        described = str(rule).strip()
    keep = labels.notna()
    if y[keep].nunique() < 2:
        raise TextDataError(f"{name}: label_rule {described!r} makes every text "
                            f"{'positive' if y[keep].all() else 'negative'}; a classifier needs both outcomes: "
                            "choose a rule that splits the labels")
    return keep, y, described
