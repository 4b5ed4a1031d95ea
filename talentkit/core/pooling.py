r"""Many levels, pooled with a rule; a hierarchy of units rolled up.

A large organisation has hundreds of units and dozens of ranks. A table or a figure of 184
rows does not read, and a model given 184 one-hot columns of a few people each learns
noise. The rule (:func:`pool_levels`): a category with more than ``max_levels`` levels
keeps its ``max_levels`` largest (by people; ties by name) and pools the rest into one
level, ``"Other (k levels)"`` (never its count of people, which a hidden row would give back). The
rule counts people only, never outcomes, so
pooling before a model is fitted leaks nothing of what the model predicts.

"Other" is a group like any other: it is suppressed under ``min_group`` and takes part in
complementary suppression (:func:`talentkit.core.privacy.suppress` runs on the pooled table).
Its counts are the sums of the levels it pools, so nothing is lost from a total.

A mapping may give a **hierarchy** of people columns (``hierarchy: {team: department,
department: division}``): each child value belongs to exactly one parent value
(:func:`check_hierarchy`, which names the file, row and column of a value with two
parents), and a table at a parent level is the exact roll-up of its children
(:func:`parent_of`): the parent of a move's unit is looked up the same way, so a person's
department on any day is their team's department.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .errors import ParameterError, Problem

MAX_LEVELS = 25  # levels shown before the rest are pooled into "Other (k levels)"
SMALL_COUNT = 5  # the kit's default min_group: a pooled count under it is not said (privacy.MIN_GROUP)
OTHER = "Other"


@dataclass
class Pooling:
    """What :func:`pool_levels` did: the levels ``kept`` and ``pooled``, the pooled level's
    ``label`` (empty when nothing was pooled) and the people it holds."""

    column: str
    kept: list = field(default_factory=list)
    pooled: list = field(default_factory=list)
    label: str = ""
    people: int = 0

    @property
    def applied(self) -> bool:
        return bool(self.pooled)

    def sentence(self, min_group: int = SMALL_COUNT) -> str:
        """One line for a report: what was pooled, and how to see more (empty when nothing).
        The people pooled are counted only when at least ``min_group``: the pooled row itself
        is then hidden, and its count beside it would give it back."""
        if not self.applied:
            return ""
        people = f"{self.people:,} people" if self.people >= min_group else f"fewer than {min_group} people"
        return (f"{self.column} has {len(self.kept) + len(self.pooled)} levels: the {len(self.kept)} largest are "
                f"shown and the other {len(self.pooled)} ({people}) are pooled into "
                f"\u201c{self.label}\u201d (raise max_levels to show more)")


def is_pooled(values) -> "np.ndarray | bool":
    """Whether each value (or one value) is a pooled level's label, ``"Other (k levels)"``."""
    if isinstance(values, str):
        return values.startswith(OTHER + " (")
    return pd.Series(values).astype(str).str.startswith(OTHER + " (").to_numpy()


def natural(value) -> tuple:
    """A sort key that reads the numbers in a name as numbers: ``2`` before ``10``, ``L2``
    before ``L10``, ``Unit 9`` before ``Unit 10``; text otherwise as written."""
    parts = re.split(r"(\d+)", str(value))
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in parts if p != "")


def other_last(value) -> tuple:
    """A sort key: levels by name (numbers in names as numbers, :func:`natural`), the pooled
    level last."""
    return is_pooled(str(value)), natural(value)


def check_max_levels(max_levels) -> int:
    if isinstance(max_levels, bool) or not isinstance(max_levels, int) or max_levels < 2:
        raise ParameterError(f"max_levels must be a whole number of at least 2, not {max_levels!r}")
    return max_levels


def pooling_rule(values: pd.Series, max_levels: int = MAX_LEVELS, column: str | None = None) -> Pooling:
    """The levels of ``values`` to keep and to pool: the ``max_levels`` largest by count
    (ties by name) are kept when there are more; missing values are neither."""
    check_max_levels(max_levels)
    counts = values.dropna().astype(str).value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    name = column or str(values.name)
    if len(order) <= max_levels:
        return Pooling(name, kept=[k for k, _ in order])
    kept, rest = order[:max_levels], order[max_levels:]
    people = int(sum(n for _, n in rest))
    return Pooling(name, kept=[k for k, _ in kept], pooled=[k for k, _ in rest],
                   label=f"{OTHER} ({len(rest)} level{'s' if len(rest) > 1 else ''})", people=people)


def apply_pooling(values: pd.Series, rule: Pooling) -> pd.Series:
    """``values`` with the pooled levels replaced by the rule's label (others, and missing, kept)."""
    if not rule.applied:
        return values
    text = values.astype("string").astype(object).where(values.notna(), None)
    return text.where(~text.isin(set(rule.pooled)), rule.label)


def pool_levels(values: pd.Series, max_levels: int = MAX_LEVELS) -> tuple[pd.Series, Pooling]:
    """``values`` pooled by the rule (see the module), and what was pooled."""
    rule = pooling_rule(values, max_levels)
    return apply_pooling(values, rule), rule


def pooled_dataset(ds, column: str, max_levels: int = MAX_LEVELS):
    """``ds`` with ``column`` pooled by the rule, in the people table and in the moves'
    ``from_``/``to_`` columns alike (a person in a pooled unit on any day is in "Other"), and
    the :class:`Pooling`. Counted on the people table (each person once, at their latest
    record). Nothing to pool: ``ds`` itself."""
    if column not in ds.people:
        return ds, Pooling(column)
    rule = pooling_rule(ds.people[column], max_levels, column)
    if not rule.applied:
        return ds, rule
    people = ds.people.copy()
    people[column] = apply_pooling(people[column], rule)
    moves = ds.moves
    if moves is not None and any(f"{end}_{column}" in moves for end in ("from", "to")):
        moves = moves.copy()
        for end in ("from", "to"):
            if f"{end}_{column}" in moves:
                moves[f"{end}_{column}"] = apply_pooling(moves[f"{end}_{column}"], rule)
    return replace(ds, people=people, moves=moves), rule


def check_hierarchy(people: pd.DataFrame, hierarchy: dict, where: str = "people") -> list[Problem]:
    """Problems of a hierarchy (child column -> parent column) on the people table: a column
    that is absent, a cycle, or a child value under two parents (file, row, column named)."""
    problems = []
    for child, parent in hierarchy.items():
        if str(child) == str(parent):
            problems.append(Problem(where, f"hierarchy: {child} -> {parent} names one column as its own parent",
                                    "write each finer column under its coarser one (team: department)",
                                    column=str(child)))
            continue
        missing = [c for c in (child, parent) if c not in people]
        if missing:
            problems.append(Problem(where, f"hierarchy: {child} -> {parent}: no column {', '.join(missing)} in the "
                                    "people table", "map the column under columns:, or remove it from hierarchy:",
                                    column=missing[0]))
            continue
        seen = people[[child, parent]].dropna()
        parents = seen.groupby(child, sort=True)[parent].nunique()
        for value in parents[parents > 1].index[:5]:
            rows = seen[seen[child] == value]
            first = rows[rows[parent] != rows[parent].iloc[0]].index[0]
            problems.append(Problem(where, f"hierarchy: {child} {value!r} is under more than one {parent} "
                                    f"({', '.join(map(repr, sorted(rows[parent].astype(str).unique())[:3]))})",
                                    f"give each {child} one {parent}, or remove {child}: {parent} from hierarchy:",
                                    row=int(first), column=parent, value=str(rows[parent].loc[first])))
    if problems:
        return problems
    node, path = next(iter(hierarchy)), []  # not empty: checked above
    while node in hierarchy and node not in path:
        path.append(node)
        node = hierarchy[node]
    if node in path:
        problems.append(Problem(where, f"hierarchy: {' -> '.join([*path, node])} is a cycle",
                                "write each level once, from the finest to the coarsest"))
    return problems


def parent_of(people: pd.DataFrame, child: str, parent: str) -> dict:
    """Each ``child`` value's one ``parent`` value (a hierarchy checked by :func:`check_hierarchy`)."""
    seen = people[[child, parent]].dropna().drop_duplicates(child)
    return dict(zip(seen[child].astype(str), seen[parent]))


def levels_above(hierarchy: dict, column: str) -> list[str]:
    """The coarser columns of ``column``, nearest first (``team`` -> ``[department, division]``)."""
    out = []
    while column in hierarchy and hierarchy[column] not in out:
        column = hierarchy[column]
        out.append(column)
    return out


def with_parent_moves(moves: pd.DataFrame | None, people: pd.DataFrame, hierarchy: dict) -> pd.DataFrame | None:
    """``moves`` with ``from_``/``to_`` columns for each parent level of the hierarchy whose
    child has them, looked up from the child (so a roll-up is exact on every day)."""
    if moves is None or not hierarchy:
        return moves
    out = moves.copy()
    for child in hierarchy:
        for parent in levels_above(hierarchy, child):
            lookup = parent_of(people, child, parent)
            for end in ("from", "to"):
                if f"{end}_{child}" in out and f"{end}_{parent}" not in out:
                    out[f"{end}_{parent}"] = out[f"{end}_{child}"].astype("string").astype(object).map(lookup)
    return out


def unplaced(moves: pd.DataFrame | None, hierarchy: dict, where: str = "moves") -> list[Problem]:
    """Warnings for units that only the moves name (a team nobody is in now), whose parent no
    person's row gives: on the days a person was there, a table at the parent level counts
    them in their current parent instead."""
    found = []
    for child in hierarchy:
        for parent in levels_above(hierarchy, child)[:1]:
            for end in ("from", "to"):
                a, b = f"{end}_{child}", f"{end}_{parent}"
                if moves is None or a not in moves or b not in moves:
                    continue
                lost = moves.loc[moves[a].notna() & moves[b].isna(), a].astype(str).unique()
                if len(lost):
                    found.append(Problem(where, f"hierarchy: {len(lost)} {child} value(s) in the moves' {a} have no "
                                         f"{parent} in the people table ({', '.join(map(repr, sorted(lost)[:3]))})",
                                         f"tables by {parent} count those days in each person's current {parent}; "
                                         f"to place them, give the people table a row in each such {child}"))
    return found
