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
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

MIN_GROUP = 5
SMALLEST_WITHOUT_CONSENT = 3  # min_group below this needs allow_small_groups
SUPPRESSED = "suppressed"  # boolean column added to every grouped output
SALT_ENV = "TALENTKIT_SALT"
SALT_FILE_ENV = "TALENTKIT_SALT_FILE"  # where the per-user salt is kept (default ~/.config/talentkit/salt)


class SmallGroupError(ValueError):
    """An analysis was asked about one group smaller than ``min_group``: it is not published."""


def check_min_group(min_group, allow_small_groups: bool = False) -> int:
    """``min_group`` as given, when it is a whole number of at least 3 (or 1–2 with
    ``allow_small_groups``); anything else is an error that says how to fix it. Every
    notebook calls this on its parameters before it shows a number."""
    min_group = _check_suppress_threshold(min_group)
    if min_group < SMALLEST_WITHOUT_CONSENT and not allow_small_groups:
        raise ValueError(f"min_group = {min_group} shows groups of {min_group} people, which can identify them; "
                         f"use at least {SMALLEST_WITHOUT_CONSENT}, or set allow_small_groups: true where the "
                         "readers may see individual-level data (the report then says so at the top)")
    return int(min_group)


def require_group(n: int, min_group: int, what: str) -> None:
    """Stop an analysis of one group (``what``, e.g. "region 'XS'") with ``n`` people when
    ``n < min_group``: its figures would describe identifiable people."""
    if n < min_group:
        raise SmallGroupError(f"{what} has fewer than {min_group} people (min_group); its figures are not shown. "
                              f"Choose a larger group, or widen the selection (period, cohort, regions)")


def _check_suppress_threshold(min_group) -> int:
    if isinstance(min_group, bool) or not isinstance(min_group, (int, np.integer)) or min_group < 1:
        raise ValueError(f"min_group must be a whole number of at least 1, not {min_group!r} "
                         "(0 or less would silently turn suppression off)")
    return int(min_group)


def suppress(table: pd.DataFrame, group_cols: list[str], min_group: int = MIN_GROUP,
             n_col: str = "n") -> pd.DataFrame:
    """Hide the measures of groups with fewer than ``min_group`` people, plus complements.

    ``group_cols`` are the keys; every other numeric column is a measure. Blocks for the
    complementary rule are the rows sharing all keys but the last.
    """
    min_group = _check_suppress_threshold(min_group)
    out = table.copy()
    if min_group == 1 or out.empty:
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


def suppress_matrix(matrix: pd.DataFrame, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Which cells of a count matrix (rows × columns, e.g. from-unit × to-unit) to hide: a
    mask, true where hidden.

    A cell counting 1 to ``min_group - 1`` is hidden (a zero reveals no one). Then, until
    nothing changes, every row and every column with exactly one hidden cell hides its
    smallest visible cell too, so neither row, column nor grand totals give a hidden cell
    back by subtraction (complementary suppression by rows and columns).
    """
    min_group = _check_suppress_threshold(min_group)
    values = matrix.to_numpy(dtype=float)
    hidden = (values > 0) & (values < min_group)
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):  # rows, then columns
            lines = hidden if axis == 1 else hidden.T
            vals = values if axis == 1 else values.T
            for i in np.flatnonzero(lines.sum(axis=1) == 1):
                visible = np.flatnonzero(~lines[i])
                if len(visible):
                    j = visible[np.argmin(vals[i, visible])]
                    lines[i, j] = True  # a view: writes through to hidden
                    changed = True
    return pd.DataFrame(hidden, index=matrix.index, columns=matrix.columns)


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


def user_salt_file() -> Path:
    """Where this user's random salt is kept: ``TALENTKIT_SALT_FILE``, else
    ``$XDG_CONFIG_HOME/talentkit/salt`` (``~/.config/talentkit/salt``)."""
    if os.environ.get(SALT_FILE_ENV):
        return Path(os.environ[SALT_FILE_ENV])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "talentkit" / "salt"


def salt_source() -> str:
    """Which secret salts the pseudonyms: ``TALENTKIT_SALT`` or this user's salt file."""
    if os.environ.get(SALT_ENV):
        return f"the secret in {SALT_ENV}"
    return "a random secret kept for this user (set TALENTKIT_SALT to share pseudonyms across users)"


def secret_salt() -> str:
    """The salt for pseudonyms: ``TALENTKIT_SALT`` when set, else a random 256-bit secret made
    once per user and kept in :func:`user_salt_file` (readable by its owner only). Without a
    secret, anyone could hash every possible id and reverse the pseudonyms."""
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    path = user_salt_file()
    try:
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 32:
            return value
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(32)
    tmp = path.with_name(f".salt-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    try:
        os.link(tmp, path)  # first writer wins when two kernels start at once
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink(missing_ok=True)
    return value


def pseudonym(ids: pd.Series, salt: str | None = None) -> pd.Series:
    """Stable pseudonyms: ``P-`` and 10 hex digits of SHA-256 of a secret salt and the id.

    The salt is ``salt`` when given, else :func:`secret_salt` (``TALENTKIT_SALT`` or this
    user's random secret). The same salt gives the same pseudonyms across runs.
    """
    key = salt if salt is not None else secret_salt()
    if not key:
        raise ValueError("a pseudonym needs a non-empty secret salt")
    return ids.astype(str).map(lambda v: "P-" + hashlib.sha256(f"{key}:{v}".encode()).hexdigest()[:10])


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
    """:func:`display_table` without the row numbers, for a notebook or report. Every cell,
    index label and header is escaped as HTML (a pandas ``Styler`` does not escape by
    default) and long labels are shortened: no value from the data becomes markup."""
    from .markup import short

    shown = display_table(table, min_group, digits)
    for col in shown.columns:
        if shown[col].dtype == object:
            shown[col] = shown[col].map(lambda v: short(v) if isinstance(v, str) else v)
    if not isinstance(shown.index, pd.RangeIndex):
        shown.index = shown.index.map(lambda v: short(v) if isinstance(v, str) else v)
    shown.columns = [short(c) if isinstance(c, str) else c for c in shown.columns]
    style = (shown.style.format(escape="html")
             .format_index(escape="html", axis=0).format_index(escape="html", axis=1))
    return style.hide(axis="index") if isinstance(shown.index, pd.RangeIndex) else style
