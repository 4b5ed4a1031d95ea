"""Privacy: small-group suppression and pseudonyms. One argument, ``min_group``, carries it.

A grouped table has a column ``n``: the distinct people a group's figures are about.
A group with ``n < min_group`` has every measure set to missing (shown as ``<5``).
Where exactly one group of a block would be suppressed, the next smallest group of that
block is suppressed too (complementary suppression), so the hidden figures cannot be
recovered by subtracting the shown groups from a total. Matrices (from-unit × to-unit) are
suppressed by rows and columns alike (:func:`suppress_matrix`).

**The contract.** Every function that returns a table about groups of people is decorated
with :func:`grouped`: it takes ``min_group`` (default :data:`MIN_GROUP`) and its result
carries the suppression mark (``DataFrame.attrs``, see :func:`mark`), which pandas keeps
through column selection, ``reset_index`` and the like. A result object (a small class
with a ``table``) carries ``min_group`` as an attribute. :func:`talentkit.show.styled`, the figures in
``plots`` and :func:`talentkit.record` refuse a table without the mark, so a grouped
output cannot reach a reader without passing the gate. A table that is not about groups
of people (model scores, a hiring plan) says so with :func:`not_personal`.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ParameterError, PrivacyError, SmallGroupError
from .pooling import is_pooled

MIN_GROUP = 5
SMALLEST_WITHOUT_CONSENT = 3  # min_group below this needs allow_small_groups
SUPPRESSED = "suppressed"  # boolean column added to every grouped output
MARK = "talentkit.privacy"  # key of the suppression mark in DataFrame.attrs
PROTECTING = "talentkit.protecting"  # attrs key: the rows hidden to protect a smaller group (their keys)
SALT_ENV = "TALENTKIT_SALT"
SALT_FILE_ENV = "TALENTKIT_SALT_FILE"  # where the per-user salt is kept (default ~/.config/talentkit/salt)


def check_min_group(min_group, allow_small_groups: bool = False) -> int:
    """``min_group`` as given, when it is a whole number of at least 3 (or 1–2 with
    ``allow_small_groups``); anything else is an error that says how to fix it. Every
    notebook calls this on its parameters before it shows a number."""
    min_group = _check_suppress_threshold(min_group)
    if min_group < SMALLEST_WITHOUT_CONSENT and not allow_small_groups:
        raise ParameterError(f"min_group = {min_group} shows groups of {min_group} people, which can identify them; "
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
        raise ParameterError(f"min_group must be a whole number of at least 1, not {min_group!r} "
                         "(0 or less would silently turn suppression off)")
    return int(min_group)


def nested_in(people: pd.DataFrame, column: str) -> dict[str, pd.Series]:
    """The coarser groupings of ``people`` that ``column`` nests in: for each other text
    column whose value is the same for every person of a ``column`` value (team in region,
    region in market), the map from ``column``'s values to it. :func:`suppress` uses it so
    that a table by ``column`` and one by the coarser grouping, published in one run, do not
    give a hidden group back by subtraction."""
    if people is None or column not in people or people[column].nunique() < 2:
        return {}
    # every test below reads distinct values only: a column's values as text (as they are
    # grouped and shown), each coded once; a million people cost one pass per column
    codes, names = _text_codes(people[column])
    # a pooled level ("Other (k levels)") spans parents: left out of the test, so that the real
    # levels' nesting (and the complements it brings) survives pooling; it has no parent itself
    pooled = np.asarray(is_pooled(names), dtype=bool)
    known = codes >= 0
    known[known] = ~pooled[codes[known]]
    if not known.any():
        return {}
    out = {}
    for other in people.columns:
        # every attribute kind a table may group by: text, categories and yes/no alike (remote = yes
        # minus a team would give a hidden team back); numbers and dates are not groupings
        if other == column or other in ("employee_id", "text") or pd.api.types.is_datetime64_any_dtype(people[other]) \
                or (pd.api.types.is_numeric_dtype(people[other]) and not pd.api.types.is_bool_dtype(people[other])):
            continue
        if _two_parents_early(people[other], codes, known):
            continue  # the common case, found in the first rows without reading the column whole
        other_codes, other_names = _text_codes(people[other])
        both = known & (other_codes >= 0)
        width = len(other_names) + 1
        pairs = pd.unique(codes[both].astype(np.int64) * width + other_codes[both])  # in order of first appearance
        child, parent = pairs // width, pairs % width
        n_parents, n_children = len(np.unique(parent)), len(np.unique(child))
        if not len(pairs) or n_parents < 2 or n_parents >= n_children:
            continue
        if n_children == len(pairs):  # one parent per value: nested
            out[str(other)] = pd.Series(other_names[parent], index=pd.Index(names[child], name=column), name=other)
    return out


EARLY_ROWS = 5000  # rows nested_in reads first: a value with two parents there has two in the whole


def _two_parents_early(other: pd.Series, codes: np.ndarray, known: np.ndarray) -> bool:
    """Whether a value of the column (``codes``, ``known``: not missing or pooled) already has
    two values of ``other`` within the first :data:`EARLY_ROWS` rows, so it nests in nothing."""
    if len(other) <= EARLY_ROWS:
        return False
    head, _ = _text_codes(other.iloc[:EARLY_ROWS])
    both = known[:EARLY_ROWS] & (head >= 0)
    pairs = pd.unique(codes[:EARLY_ROWS][both] * (int(head.max()) + 2) + head[both])
    return len(pairs) > len(np.unique(codes[:EARLY_ROWS][both]))


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code among the distinct values written as text (-1: missing), and those
    texts: two values that read the same are one value, as they are in a table."""
    codes, uniques = pd.factorize(values)
    texts = np.asarray(pd.Index(uniques).astype(str), dtype=object)
    text_codes, distinct = pd.factorize(texts)
    merged = np.where(codes >= 0, text_codes[np.maximum(codes, 0)], -1) if len(texts) else codes
    return merged.astype(np.int64), np.asarray(distinct, dtype=object)


def units_of_enough_people(units: pd.Series, people: pd.Series, min_group: int) -> set:
    """The values of ``units`` held by at least ``min_group`` distinct ``people`` (two aligned
    Series: each row a person in a unit). A matrix or graph of units keeps only these, in its
    rows and its columns alike: a unit of fewer people is absent, never a row of one person's
    ties (shown as "<min_group" or not)."""
    sizes = pd.DataFrame({"unit": units.to_numpy(), "person": people.to_numpy()}).dropna() \
        .drop_duplicates().groupby("unit")["person"].size()
    return set(sizes.index[sizes >= min_group])


def _hide_smallest(small: pd.Series, n: pd.Series, rows) -> bool:
    visible = n[rows][~small[rows]].sort_values(kind="stable")
    if visible.empty:
        return False
    small[visible.index[0]] = True
    return True


def _complements(small: pd.Series, n: pd.Series, keys: pd.Series, nesting: dict[str, pd.Series],
                 min_group: int) -> None:
    """Complementary suppression in one block, to a fixed point: no block, and no parent of a
    nested grouping, holds exactly one hidden group; and a parent that its own table would
    hide (fewer than min_group, or its complement) has a hidden group, so its visible parts do
    not add up to it."""
    changed = True
    while changed:
        changed = False
        if small.sum() == 1 and len(small) > 1:
            changed |= _hide_smallest(small, n, small.index)
        for parent_of in nesting.values():
            parent = keys.astype(str).map(parent_of)
            if parent.isna().all():
                continue
            for _, rows in parent.groupby(parent, sort=True).groups.items():
                if small[rows].sum() == 1 and len(rows) > 1:
                    changed |= _hide_smallest(small, n, rows)
            parent_n = n.groupby(parent).sum()
            parent_small = parent_n < min_group
            if parent_small.sum() == 1 and len(parent_small) > 1:
                parent_small[parent_n[~parent_small].sort_values(kind="stable").index[0]] = True
            for value in parent_small[parent_small].index:
                rows = parent.index[parent == value]
                if not small[rows].any():
                    changed |= _hide_smallest(small, n, rows)


def suppress(table: pd.DataFrame, group_cols: list[str], min_group: int = MIN_GROUP, n_col: str = "n", *,
             people: pd.DataFrame | None = None, column: str | None = None,
             not_nested: str | None = None) -> pd.DataFrame:
    """Hide the measures of groups with fewer than ``min_group`` people, plus complements.

    ``group_cols`` are the keys; every other numeric column is a measure. Blocks for the
    complementary rule are the rows sharing all keys but the last.

    ``people`` is the table the groups are drawn from (one row a person or a spell): the
    groupings the last key's ``column`` (default: the last key itself) nests in are found
    there (:func:`nested_in`), and the rule extends across the tables of a run: within each
    coarser group no single hidden part, and a coarser group its own table hides never wholly
    visible in its parts (the secondary suppression statistical agencies apply to linked
    tables; see the README's "Safety"). A table whose groups are not a grouping of people
    (years, tenure bands, a model's contrasts) says why in ``not_nested``; one of the two is
    required, so no caller can forget the nesting.
    """
    min_group = _check_suppress_threshold(min_group)
    if group_cols and (people is None) == (not not_nested):
        raise PrivacyError("suppress needs the people its groups are drawn from (people=...), or, for groups "
                           "that are no grouping of people, not_nested='why'" if people is None else
                           "suppress takes people=... or not_nested=..., not both")
    nesting = nested_in(people, column or group_cols[-1]) if people is not None and group_cols else {}
    out = table.copy()
    if min_group == 1 or out.empty:
        out[SUPPRESSED] = False
        return mark(out, min_group)
    small = out[n_col].fillna(0) < min_group
    if group_cols and len(out) > 1:
        blocks = out.groupby(group_cols[:-1], dropna=False, sort=False) if len(group_cols) > 1 else [(None, out)]
        n = out[n_col].fillna(0)
        for _, block in blocks:
            hidden = small[block.index].copy()
            _complements(hidden, n[block.index], block[group_cols[-1]], nesting, min_group)
            small[block.index] = hidden
    protecting = small & ~(out[n_col].fillna(0) < min_group)
    _hide(out, small, group_cols)
    out.attrs[PROTECTING] = {"keys": list(group_cols), "rows": [_key(out.loc[i, group_cols]) for i in
                                                                out.index[protecting]]} if group_cols else {}
    return mark(out, min_group)


def _key(values) -> list[str]:
    return [str(v) for v in np.atleast_1d(np.asarray(values, dtype=object))]


def _hide(out: pd.DataFrame, rows: pd.Series, group_cols: list[str]) -> None:
    """Set every measure of ``rows`` missing, words too (a hidden group's largest community or
    strongest level is a figure about it), and flag them (in place)."""
    others = [c for c in out.columns if c not in group_cols and c != SUPPRESSED and not pd.api.types.is_bool_dtype(out[c])]
    measures = [c for c in others if pd.api.types.is_numeric_dtype(out[c])]
    out[measures] = out[measures].astype(float)
    out.loc[rows, measures] = np.nan
    for col in (c for c in others if c not in measures and rows.any()):
        out[col] = out[col].astype(object)
        out.loc[rows, col] = None
    out[SUPPRESSED] = (out[SUPPRESSED].astype(bool) | rows) if SUPPRESSED in out else rows.astype(bool)


def protecting_rows(table: pd.DataFrame) -> pd.Series:
    """Rows hidden to protect a smaller group (complementary suppression), not for being
    small themselves: their group holds at least ``min_group`` people, and a report says so
    ("hidden") rather than "<min_group", which would be false."""
    info = table.attrs.get(PROTECTING) or {}
    keys = [k for k in info.get("keys", []) if k in table.columns]
    if not info.get("rows") or len(keys) != len(info.get("keys", [])):
        return pd.Series(False, index=table.index)
    wanted = {tuple(r) for r in info["rows"]}
    return pd.Series([tuple(_key(table.loc[i, keys])) in wanted for i in table.index], index=table.index)


def concat_gated(parts: list[pd.DataFrame], keys: list[str], min_group: int) -> pd.DataFrame:
    """Gated tables stacked into one (e.g. one per column), marked, with each part's rows
    hidden to protect a smaller group still known as such, by ``keys``."""
    rows = [_key(part.loc[i, keys]) for part in parts for i in part.index[protecting_rows(part)]]
    out = pd.concat(parts, ignore_index=True)
    out.attrs[PROTECTING] = {"keys": list(keys), "rows": rows}
    return mark(out, min_group)


def hide_residuals(table: pd.DataFrame, named: pd.Series, values: pd.Series, nesting: dict[str, pd.Series],
                   min_group: int, n_col: str = "n") -> None:
    """Complementary suppression against totals a reader knows (in place): the people of the
    whole column, and of each coarser group it nests in, that are not in a visible row naming
    one value (hidden rows, pooled rows such as "Other" or "(k other values)") must be none or
    at least ``min_group``; else the total less the visible rows would describe a small group.
    ``named``: each row's single value, missing for a pooled row; ``values``: every person's
    value of the column. The rows hidden here are marked as protecting (:func:`protecting_rows`)."""
    values = values.astype("string").fillna("(empty)")
    before = table[SUPPRESSED].astype(bool).copy()
    parents = {"": pd.Series("", index=values.unique())} | dict(nesting)
    changed = True
    while changed:
        changed = False
        visible = ~table[SUPPRESSED].astype(bool) & named.notna()
        for parent_of in parents.values():
            totals = values.map(parent_of.astype(str)).value_counts()
            row_parent = named.astype("string").map(parent_of.astype(str))
            for parent, total in totals.items():
                rows = visible & (row_parent == parent)
                residual = total - table.loc[rows, n_col].sum()
                if 0 < residual < min_group and rows.any():
                    table.loc[table.loc[rows, n_col].astype(float).idxmin(), SUPPRESSED] = True
                    changed = True
            if changed:
                break
    newly = table[SUPPRESSED].astype(bool) & ~before
    if newly.any():
        _hide(table, newly, [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])])
        info = table.attrs.get(PROTECTING) or {"keys": [], "rows": []}
        keys = info.get("keys") or [c for c in table.columns if table[c].dtype == object and c != SUPPRESSED]
        table.attrs[PROTECTING] = {"keys": keys, "rows": info.get("rows", []) +
                                   [_key(table.loc[i, keys]) for i in table.index[newly]]}


def mark(table, min_group: int):
    """Mark ``table`` (a DataFrame or Series) as having passed the suppression gate with
    ``min_group``; returns it. Every grouped output ends here (through :func:`suppress`,
    :func:`suppress_matrix_values` or directly when a function hides by its own rule)."""
    table.attrs[MARK] = {"min_group": _check_suppress_threshold(min_group)}
    return table


def not_personal(table, why: str):
    """Mark ``table`` as not describing groups of people (``why``: e.g. "model scores on the
    test split"), so it may be shown and recorded as it is; returns it."""
    table.attrs[MARK] = {"not_personal": str(why)}
    return table


def marked_min_group(obj) -> int | None:
    """The ``min_group`` a table or result passed the gate with; ``None`` when not marked (or
    marked as not about people)."""
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        return obj.attrs.get(MARK, {}).get("min_group")
    value = getattr(obj, "min_group", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def is_marked(obj) -> bool:
    """Whether a table or result passed the gate, or is marked as not about people."""
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        return MARK in obj.attrs
    return marked_min_group(obj) is not None


def require_marked(obj, what: str) -> None:
    """Refuse (:class:`PrivacyError`) a table or result without the suppression mark."""
    if not is_marked(obj):
        raise PrivacyError(f"{what}: this table has not passed the small-group gate. Make it with a talentkit "
                           "function that takes min_group (its result carries the mark), pass it through "
                           "talentkit.core.privacy.suppress(table, group_cols, min_group), or, when it does not "
                           "describe groups of people, mark it with talentkit.core.privacy.not_personal(table, why)")


def grouped(func):
    """Declare ``func`` a producer of grouped output: it must take ``min_group`` (checked at
    import), and every result it returns must carry the suppression mark (checked at each
    call, so a new analysis cannot leak by forgetting the gate). The declared functions are
    listed in :data:`GROUPED` for the tests."""
    if "min_group" not in inspect.signature(func).parameters:
        raise TypeError(f"{func.__module__}.{func.__qualname__} returns grouped output and must take min_group")

    @functools.wraps(func)
    def gated(*args, **kwargs):
        result = func(*args, **kwargs)
        if result is not None:
            require_marked(result, f"{func.__module__}.{func.__qualname__}")
        return result

    GROUPED.append(gated)
    return gated


GROUPED: list = []  # every function declared with @grouped


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


def suppress_matrix_values(values: pd.DataFrame, min_group: int = MIN_GROUP, counts: pd.DataFrame | None = None,
                           small_rows=None) -> pd.DataFrame:
    """``values`` (e.g. transition probabilities) with the cells hidden (NaN) that
    :func:`suppress_matrix` hides in ``counts`` (default: ``values`` are the counts), and
    whole rows where ``small_rows`` is true (a unit whose few people a row would describe).
    The result carries the suppression mark."""
    counts = values if counts is None else counts
    hidden = suppress_matrix(counts, min_group).to_numpy()
    if small_rows is not None:
        hidden = hidden | np.asarray(small_rows, dtype=bool)[:, None]
    return mark(values.astype(float).mask(hidden), min_group)




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
        raise ParameterError("a pseudonym needs a non-empty secret salt")
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
