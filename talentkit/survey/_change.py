"""What changed since the last wave: each item's favourable share then and now, for
everyone or by group, called a change only beyond noise (the two-proportion test the kit's
comparison of runs uses, :func:`talentkit.core.stats.proportion_difference_p`) and by at
least ``min_change_points`` points, among at least ``min_change_respondents`` respondents in
each wave (Viva Glint's alerts: p at most 0.05, 20 respondents, 8 points)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError
from ..core.stats import proportion_difference_p
from ..data.responses import Responses
from ._tables import published, scored_items, wave_answers, wave_of, wave_respondents

MIN_CHANGE_POINTS = 8.0
MIN_CHANGE_RESPONDENTS = 20
ALPHA = 0.05


def previous_wave(survey: Responses, wave: str) -> str | None:
    """The wave before ``wave`` in the survey's order (by day), or None for the first."""
    waves = [str(w) for w in survey.waves["wave"]]
    at = waves.index(wave)
    return waves[at - 1] if at else None


def _favourable_counts(survey: Responses, wave: str, group_by: str | None) -> pd.DataFrame:
    if survey.by_unit is not None:  # published shares: favourable answers are share x respondents
        keys = ["item", "unit"] if group_by else ["item"]
        t = published(survey, wave, keys).rename(columns={"favourable_n": "favourable_count", "unit": group_by or "unit"})
        return t[[*(["item", group_by] if group_by else ["item"]), "answered", "favourable_count"]].rename(
            columns={"favourable_count": "favourable"})
    a = wave_answers(survey, wave)
    a = a[a["item"].isin(scored_items(survey)) & a["value"].notna()]
    keys = ["item"]
    if group_by:
        a = a.merge(wave_respondents(survey, wave)[["respondent", group_by]], on="respondent")
        keys.append(group_by)
    a = a.assign(fav=a["value"].isin(survey.favourable))
    return a.groupby(keys).agg(answered=("fav", "size"), favourable=("fav", "sum")).reset_index()


@privacy.grouped
def change_since(survey: Responses, wave: str | None = None, before: str | None = None, group_by: str | None = None,
                 min_change_points: float = MIN_CHANGE_POINTS, min_change_respondents: int = MIN_CHANGE_RESPONDENTS,
                 alpha: float = ALPHA, min_group: int = privacy.MIN_GROUP) -> pd.DataFrame | None:
    """Per item (and group), favourability in ``before`` and ``wave``, the change in points,
    its p-value and the verdict: ``up``/``down`` when p <= ``alpha``, the move is at least
    ``min_change_points`` and both waves have ``min_change_respondents``; ``within noise``
    otherwise; ``too few to test`` under that many. None when there is no earlier wave."""
    wave = wave_of(survey, wave)
    before = wave_of(survey, before) if before else previous_wave(survey, wave)
    if before is None:
        return None
    if min_change_points < 0:
        raise ParameterError(f"min_change_points {min_change_points}: a number of points, 0 or more")
    then, now = (_favourable_counts(survey, w, group_by) for w in (before, wave))
    keys = ["item", group_by] if group_by else ["item"]
    t = then.merge(now, on=keys, how="outer", suffixes=("_then", "_now")).fillna({"answered_then": 0, "answered_now": 0})
    with np.errstate(divide="ignore", invalid="ignore"):
        t["then"] = 100 * t["favourable_then"] / t["answered_then"]
        t["now"] = 100 * t["favourable_now"] / t["answered_now"]
    t["points"] = t["now"] - t["then"]
    t["p"] = [proportion_difference_p(a, n, b, m) for a, n, b, m in
              t[["favourable_then", "answered_then", "favourable_now", "answered_now"]].to_numpy(float)]
    enough = (t["answered_then"] >= min_change_respondents) & (t["answered_now"] >= min_change_respondents)
    moved = (t["p"] <= alpha) & (t["points"].abs() >= min_change_points)
    t["verdict"] = np.where(~enough, "too few to test", np.where(moved, np.where(t["points"] > 0, "up", "down"),
                                                                 "within noise"))
    t["n"] = t[["answered_then", "answered_now"]].min(axis=1)
    t = t.drop(columns=["favourable_then", "favourable_now"])
    if group_by and survey.by_unit is not None:
        out = privacy.suppress(t, ["item", group_by], min_group, not_nested="published results: no people table")
    elif group_by:
        people = pd.concat([wave_respondents(survey, w) for w in (before, wave)])
        out = privacy.suppress(t, ["item", group_by], min_group, people=people, column=group_by)
    else:
        out = privacy.suppress(t, [], min_group)
    out.attrs["waves"] = (before, wave)
    out.attrs["group_by"] = group_by or ""
    return out


def change_moves(change: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of :func:`change_since` called a change (up or down), shown ones only; the
    selection keeps the table's mark and what it was tested on."""
    if change is None:
        return None
    moved = change[change["verdict"].isin(["up", "down"]) & ~change[privacy.SUPPRESSED]]
    moved.attrs.update(change.attrs)
    moved.attrs["tested"] = int((change["verdict"].isin(["up", "down", "within noise"])).sum())
    return moved.reset_index(drop=True)
