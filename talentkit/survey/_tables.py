"""The survey's tables, each through the kit's gate: scores by item, by group and in a
heatmap (cell by cell), eNPS, response rates and reliability.

The gate is the survey vendors' rule on respondents: a group's scores show only for
``min_group`` respondents or more, the next-smallest group of the same parent is hidden
with it (through the hierarchy the respondents' units nest in, as every other table of the
kit), and a hidden group's respondent count is hidden too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..core import privacy
from ..core.errors import ParameterError
from ..core.pooling import Pooling, apply_pooling, pooling_rule
from ..core.stats import wilson_interval
from ..data.responses import Responses
from ._scores import cronbach_alpha, enps, favourability, item_rest

LOW_RESPONSE = 0.6  # a response rate under this is flagged (a stated level, changeable)


def pool_groups(survey: Responses, group_by: str, max_levels: int = 25) -> tuple[Responses, Pooling]:
    """The survey with its respondents' ``group_by`` pooled by the kit's one rule (the
    ``max_levels`` largest by respondents kept, the rest one "Other" group), and what was
    pooled; unchanged when it has no such attribute or few levels."""
    if group_by not in survey.respondents.columns:
        return survey, Pooling(group_by)
    rule = pooling_rule(survey.respondents[group_by], max_levels, group_by)
    if not rule.applied:
        return survey, rule
    respondents = survey.respondents.assign(**{group_by: apply_pooling(survey.respondents[group_by], rule)})
    return replace(survey, respondents=respondents), rule


def wave_of(survey: Responses, wave: str | None = None) -> str:
    """``wave`` as the survey names it, or its latest wave; an unknown one is an error listing the waves."""
    known = [str(w) for w in survey.waves["wave"]]
    if wave in (None, "", "latest"):
        return known[-1]
    if str(wave) not in known:
        raise ParameterError(f"wave {wave!r} is not in the survey; its waves: {', '.join(known)}")
    return str(wave)


def wave_day(survey: Responses, wave: str) -> pd.Timestamp:
    """The day of ``wave`` (its last answer's, or the mapping's ``wave_dates``); NaT when unknown."""
    return survey.waves.set_index("wave").loc[wave, "day"]


def scored_items(survey: Responses) -> list[str]:
    """The items scored on the agreement scale (every item but the eNPS one)."""
    return [i for i in survey.items if i != survey.enps_item]


def wave_answers(survey: Responses, wave: str) -> pd.DataFrame:
    return survey.answers[survey.answers["wave"] == wave]


def wave_respondents(survey: Responses, wave: str) -> pd.DataFrame:
    return survey.respondents[survey.respondents["wave"] == wave].drop_duplicates("respondent")


def _score_rows(answers: pd.DataFrame, survey: Responses, keys: list[str]) -> pd.DataFrame:
    rows = []
    for key, part in answers.groupby(keys, sort=True, dropna=True):
        score = favourability(part["value"], survey.favourable, survey.unfavourable)
        rows.append({**dict(zip(keys, np.atleast_1d(key))), "respondents": part["respondent"].nunique(),
                     "not_applicable": int(part["not_applicable"].sum()), **score})
    return pd.DataFrame(rows)


def published(survey: Responses, wave: str, keys: list[str]) -> pd.DataFrame:
    """Results by unit summed over what ``keys`` leave out: respondents, favourable answers
    (each share times its respondents) and the shares again, with the Wilson interval."""
    b = survey.by_unit if survey.by_unit is not None else pd.DataFrame(columns=["wave"])
    b = b[b["wave"] == wave]
    b = b.assign(favourable_n=b["share"] * b["respondents"], unfavourable_n=b["unfavourable"] * b["respondents"])
    t = b.groupby(keys, sort=False).agg(answered=("respondents", "sum"), favourable_n=("favourable_n", "sum"),
                                        unfavourable_n=("unfavourable_n", lambda v: v.sum(min_count=1))).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        t["favourable"] = t["favourable_n"] / t["answered"]
        t["unfavourable"] = t["unfavourable_n"] / t["answered"]
    t["favourable_lo"], t["favourable_hi"] = wilson_interval(t["favourable_n"].round(), t["answered"])
    t["neutral"] = (1 - t["favourable"] - t["unfavourable"]).round(12).clip(lower=0)  # published whole percents
    return t.drop(columns=["unfavourable_n"])


@privacy.grouped
def item_scores(survey: Responses, wave: str | None = None, min_group: int = privacy.MIN_GROUP) -> pd.DataFrame:
    """Each item's favourable share (Wilson interval), neutral and unfavourable shares, mean
    (t interval) and N/A count in one wave; an item answered by fewer than ``min_group``
    respondents (the rest N/A or skipped) shows no score. Results by unit: the published
    shares over every unit (no means: the answers are not published)."""
    wave = wave_of(survey, wave)
    if survey.by_unit is not None:
        table = published(survey, wave, ["item"]).drop(columns=["favourable_n"]).assign(not_applicable=np.nan)
        return privacy.suppress(table, [], min_group, n_col="answered")
    table = _score_rows(wave_answers(survey, wave)[lambda a: a["item"].isin(scored_items(survey))], survey, ["item"])
    table["item"] = pd.Categorical(table["item"], scored_items(survey), ordered=True)
    table = table.sort_values("item").reset_index(drop=True)
    table["item"] = table["item"].astype(str)
    return privacy.suppress(table, [], min_group, n_col="answered")


def _attributes(survey: Responses, wave: str, group_by: str) -> pd.DataFrame:
    people = wave_respondents(survey, wave)
    if group_by not in people.columns:
        raise ParameterError(f"group_by {group_by!r}: the survey's respondents carry "
                             f"{', '.join(survey.attributes) or 'no attributes'}")
    return people


def index_scores(survey: Responses, wave: str, items: list[str]) -> pd.Series:
    """Each respondent's engagement index: the mean of the index items they answered."""
    a = wave_answers(survey, wave)
    return a[a["item"].isin(items)].groupby("respondent")["value"].mean()


@privacy.grouped
def group_scores(survey: Responses, group_by: str, wave: str | None = None, item: str | None = None,
                 min_group: int = privacy.MIN_GROUP) -> pd.DataFrame:
    """Favourability by group of one item, or of the engagement index's items together
    (``item`` None), with respondents counted; gated by respondents, the next-smallest
    group hidden with a small one."""
    wave = wave_of(survey, wave)
    people = _attributes(survey, wave, group_by)
    items = [item] if item else (survey.index_items or scored_items(survey))
    a = wave_answers(survey, wave)
    a = a[a["item"].isin(items)].merge(people[["respondent", group_by]], on="respondent")
    table = _score_rows(a, survey, [group_by]).rename(columns={"answered": "answers"})
    answered_people = people[people["respondent"].isin(a["respondent"])]
    return privacy.suppress(table, [group_by], min_group, n_col="respondents", people=answered_people)


@privacy.grouped
def heatmap(survey: Responses, group_by: str, wave: str | None = None, min_group: int = privacy.MIN_GROUP,
            default: str = "") -> pd.DataFrame:
    """Items by group: each cell's favourable share, gated cell by cell on the respondents
    who answered that item in that group (an item many skip can fall under the gate in one
    cell only), with the next-smallest cell of the item hidden beside a small one. The group
    column is ``attrs["group_by"]``: ``group_by`` (empty: ``default``), or ``unit`` for
    published results."""
    wave = wave_of(survey, wave)
    group_by = group_by or default
    if survey.by_unit is not None:  # published results: their own units, whatever group_by says
        cells = published(survey, wave, ["item", "unit"])[["item", "unit", "answered", "favourable"]]
        out = privacy.suppress(cells, ["item", "unit"], min_group, n_col="answered", not_nested="published results: "
                               "each unit's own count, and no people table to find the units' parents in")
        out.attrs["group_by"] = "unit"
        return out
    people = _attributes(survey, wave, group_by)
    a = wave_answers(survey, wave)
    a = a[a["item"].isin(scored_items(survey))].merge(people[["respondent", group_by]], on="respondent")
    cells = _score_rows(a, survey, ["item", group_by])[["item", group_by, "answered", "favourable"]]
    out = privacy.suppress(cells, ["item", group_by], min_group, n_col="answered", people=people, column=group_by)
    out.attrs["group_by"] = group_by
    return out


def heatmap_matrix(cells: pd.DataFrame) -> pd.DataFrame:
    """The gated cells as items (rows) by groups (columns); hidden cells missing, and a group
    whose every cell is hidden absent (a column of blanks would still name it). Carries the
    cells' mark."""
    group_by = cells.attrs["group_by"]
    matrix = cells.pivot(index="item", columns=group_by, values="favourable")
    hidden = cells.pivot(index="item", columns=group_by, values=privacy.SUPPRESSED).astype(bool)
    matrix = matrix.loc[list(dict.fromkeys(cells["item"])), ~hidden.all(axis=0)]
    return privacy.mark(matrix, privacy.marked_min_group(cells) or privacy.MIN_GROUP)


@privacy.grouped
def enps_scores(survey: Responses, wave: str | None = None, group_by: str | None = None,
                min_group: int = privacy.MIN_GROUP) -> pd.DataFrame | None:
    """eNPS (promoters minus detractors) with its interval, for everyone or by group; None
    when the survey has no eNPS item."""
    if not survey.enps_item:
        return None
    wave = wave_of(survey, wave)
    a = wave_answers(survey, wave)
    a = a[a["item"] == survey.enps_item]
    if group_by is None:
        table = pd.DataFrame([{"respondents": a["respondent"].nunique(), **enps(a["value"])}])
        return privacy.suppress(table, [], min_group, n_col="answered")
    people = _attributes(survey, wave, group_by)
    a = a.merge(people[["respondent", group_by]], on="respondent")
    table = pd.DataFrame([{group_by: k, "respondents": g["respondent"].nunique(), **enps(g["value"])}
                          for k, g in a.groupby(group_by, sort=True)])
    return privacy.suppress(table, [group_by], min_group, n_col="respondents",
                            people=people[people["respondent"].isin(a["respondent"])])


def linked_headcount(survey: Responses, ds, group_by: str, wave: str | None = None) -> pd.Series | None:
    """A linked survey's headcount by ``group_by`` on the wave's day (the people employed
    that day, each in the group they were in); None for an anonymous survey."""
    from ..data.timeline import employed_on, unit_at

    wave = wave_of(survey, wave)
    day = wave_day(survey, wave)
    if not survey.linked or pd.isna(day) or group_by not in ds.people.columns:
        return None
    on = employed_on(ds.people, day).to_numpy()
    return pd.Series(unit_at(ds, group_by, day).to_numpy()[on]).value_counts().sort_index()


@privacy.grouped
def response_rates(survey: Responses, group_by: str, headcount: pd.Series | None = None, wave: str | None = None,
                   low: float = LOW_RESPONSE, min_group: int = privacy.MIN_GROUP) -> pd.DataFrame | None:
    """Respondents over headcount by group, with a Wilson interval and a flag under ``low``.
    ``headcount``: people by group on the survey day (a linked survey's come from the people
    table; an anonymous survey's from its headcount file); None when neither exists."""
    wave = wave_of(survey, wave)
    if headcount is None and survey.headcount is not None and group_by in survey.headcount:
        hc = survey.headcount
        hc = hc[hc["wave"].astype(str) == wave] if "wave" in hc else hc
        headcount = hc.groupby(group_by)["headcount"].sum()
    if headcount is None:
        return None
    people = _attributes(survey, wave, group_by)
    answered = people.groupby(group_by).size()
    table = pd.DataFrame({group_by: headcount.index, "headcount": headcount.to_numpy()})
    table["respondents"] = table[group_by].map(answered).fillna(0).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rate"] = table["respondents"] / table["headcount"]
    table["rate_lo"], table["rate_hi"] = wilson_interval(table["respondents"], table["headcount"])
    out = privacy.suppress(table, [group_by], min_group, n_col="respondents", people=people)
    out["low"] = ~out[privacy.SUPPRESSED] & (out["rate"] < low)  # after the gate: a hidden group's rate flags nothing
    return out


@privacy.grouped
def reliability(survey: Responses, items: list[str] | None = None, wave: str | None = None,
                min_group: int = privacy.MIN_GROUP) -> pd.DataFrame:
    """Cronbach's alpha of the index items (Feldt interval) and each item's item-rest
    correlation, over the respondents who answered all of them; nothing under ``min_group``."""
    wave = wave_of(survey, wave)
    items = items or survey.index_items or scored_items(survey)
    matrix = survey.matrix(wave, items)
    alpha = cronbach_alpha(matrix)
    table = item_rest(matrix).rename_axis("item").reset_index().assign(complete=alpha["complete"], **{
        k: alpha[k] for k in ("alpha", "alpha_lo", "alpha_hi")})
    return privacy.suppress(table, [], min_group, n_col="complete")
