"""Privacy: small-group suppression and pseudonyms. One argument, ``min_group``, carries it.

A grouped table has a column ``n``: the distinct people a group's figures are about.
A group with ``n < min_group`` has every measure set to missing (shown as ``<5``).
Where exactly one group of a block would be suppressed, the next smallest group of that
block is suppressed too (complementary suppression), so the hidden figures cannot be
recovered by subtracting the shown groups from a total.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd

MIN_GROUP = 5
SUPPRESSED = "suppressed"  # boolean column added to every grouped output


def suppress(table: pd.DataFrame, group_cols: list[str], min_group: int = MIN_GROUP,
             n_col: str = "n") -> pd.DataFrame:
    """Hide the measures of groups with fewer than ``min_group`` people, plus complements.

    ``group_cols`` are the keys; every other numeric column is a measure. Blocks for the
    complementary rule are the rows sharing all keys but the last.
    """
    out = table.copy()
    if min_group is None or min_group <= 1 or out.empty:
        out[SUPPRESSED] = False
        return out
    small = out[n_col].fillna(0) < min_group
    if group_cols and len(out) > 1:
        blocks = out.groupby(group_cols[:-1], dropna=False, sort=False) if len(group_cols) > 1 else [(None, out)]
        for _, block in blocks:
            hidden = small[block.index]
            if hidden.sum() == 1 and len(block) > 1:
                rest = block.loc[~hidden, n_col].sort_values(kind="stable")
                small[rest.index[0]] = True
    measures = [c for c in out.columns if c not in group_cols and pd.api.types.is_numeric_dtype(out[c])]
    out[measures] = out[measures].astype(float)
    out.loc[small, measures] = np.nan
    out[SUPPRESSED] = small
    return out


def display_table(table: pd.DataFrame, min_group: int = MIN_GROUP, digits: int = 3) -> pd.DataFrame:
    """A table for a report: suppressed cells read ``<min_group``, numbers are rounded.

    Suppressed rows are those flagged in the ``suppressed`` column, or, when a selection of
    columns left it out, those whose ``n`` is missing (``n`` is missing only when suppressed).
    """
    shown = table.drop(columns=[SUPPRESSED], errors="ignore").copy()
    if SUPPRESSED in table:
        mask = table[SUPPRESSED].astype(bool)
    elif "n" in table:
        mask = table["n"].isna()
    else:
        mask = pd.Series(False, index=table.index)
    for col in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[col]) and not pd.api.types.is_bool_dtype(shown[col]):
            values = shown[col]
            whole = values.dropna().apply(lambda v: float(v).is_integer()).all()
            text = values.map(lambda v: "" if pd.isna(v) else (f"{int(v)}" if whole else f"{v:.{digits}g}"))
            text[mask & values.isna()] = f"<{min_group}"
            shown[col] = text
    return shown


def pseudonym(ids: pd.Series, salt: str | None = None) -> pd.Series:
    """Stable salted pseudonyms (``P-`` and 10 hex digits of SHA-256 of salt and id).

    The salt defaults to ``TALENTKIT_SALT`` from the environment; set it per organisation so
    pseudonyms cannot be matched across exports.
    """
    salt = salt if salt is not None else os.environ.get("TALENTKIT_SALT", "talentkit")
    return ids.astype(str).map(lambda v: "P-" + hashlib.sha256(f"{salt}:{v}".encode()).hexdigest()[:10])


def mask_ids(table: pd.DataFrame, show_ids: bool = False, salt: str | None = None) -> pd.DataFrame:
    """Replace every id column (``*_id``) with pseudonyms unless ``show_ids``."""
    if show_ids:
        return table
    out = table.copy()
    for col in out.columns:
        if str(col).endswith("_id"):
            out[col] = pseudonym(out[col], salt)
    return out


def styled(table: pd.DataFrame, min_group: int = MIN_GROUP, digits: int = 3):
    """:func:`display_table` without the row numbers, for a notebook or report."""
    shown = display_table(table, min_group, digits)
    return shown.style.hide(axis="index") if isinstance(shown.index, pd.RangeIndex) else shown.style
