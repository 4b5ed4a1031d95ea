r"""Survey and leaving: do units that score low on the survey day lose more people in the
year after it? Per unit, the favourability of the engagement index against the share of its
people who left within 12 months, fitted by weighted least squares (weights: the unit's
headcount), :math:`\hat\beta = (X^\top W X)^{-1} X^\top W y` with the interval
:math:`\hat\beta \pm t_{0.975,\,k-2}\,\mathrm{se}`. Where the survey is linked, a Cox model of
each respondent's time to leaving on their engagement index (lifelines), reported as one
hazard ratio per index point: a figure about everyone, never about a person."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..core import privacy
from ..core.errors import ParameterError
from ..data.datasets import Dataset
from ..data.responses import Responses
from ..data.timeline import employed_on, unit_at
from ._tables import group_scores, index_scores, wave_day, wave_of

HORIZON_MONTHS = 12


def weighted_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    """Weighted least squares of ``y`` on ``x`` with an intercept: slope, its standard error
    (weights taken as precision, residual variance estimated) and 95 % t interval."""
    x, y, w = (np.asarray(v, dtype=float) for v in (x, y, w))
    k = len(x)
    if k < 3 or np.ptp(x) == 0:
        return {"units": k, "slope": np.nan, "slope_lo": np.nan, "slope_hi": np.nan, "intercept": np.nan}
    design = np.column_stack([np.ones(k), x])
    xtw = design.T * w
    beta = np.linalg.solve(xtw @ design, xtw @ y)
    resid = y - design @ beta
    sigma2 = float((w * resid ** 2).sum() / (k - 2))
    se = float(np.sqrt(sigma2 * np.linalg.inv(xtw @ design)[1, 1]))
    half = sps.t.ppf(0.975, k - 2) * se
    return {"units": k, "slope": beta[1], "slope_lo": beta[1] - half, "slope_hi": beta[1] + half,
            "intercept": beta[0], "se": se}


def leaving_wave(survey: Responses, ds: Dataset, months: int = HORIZON_MONTHS) -> str:
    """The latest wave followed by ``months`` of the people data (its leavers all seen), else
    the earliest wave: the wave the survey-and-leaving section reads."""
    end = pd.Timestamp(ds.as_of) if ds.as_of is not None else pd.NaT
    waves = survey.waves.dropna(subset=["day"])
    seen = waves[waves["day"] + pd.DateOffset(months=months) <= end] if not pd.isna(end) else waves.iloc[:0]
    return str((seen if len(seen) else waves if len(waves) else survey.waves).iloc[-1 if len(seen) else 0]["wave"])


def _leavers(ds: Dataset, group_by: str, day: pd.Timestamp, months: int) -> pd.DataFrame:
    p = ds.people
    on = employed_on(p, day).to_numpy()
    unit = unit_at(ds, group_by, day).to_numpy()[on]
    end = day + pd.DateOffset(months=months)
    left = (p["exit_date"].notna() & (p["exit_date"] <= end)).to_numpy()[on]
    return pd.DataFrame({group_by: unit, "left": left}).groupby(group_by).agg(
        headcount=("left", "size"), leavers=("left", "sum")).reset_index()


@privacy.grouped
def turnover_after(survey: Responses, ds: Dataset, group_by: str, wave: str | None = None,
                   months: int = HORIZON_MONTHS, min_group: int = privacy.MIN_GROUP) -> pd.DataFrame | None:
    """Per unit: the index's favourability on the wave's day and the share of the unit's
    people (employed that day) who left within ``months``; units hidden by the survey's
    gate are left out of the table and the fit. The fit is in ``attrs["fit"]``, and the months
    the data covers after the wave in ``attrs["months_seen"]``. None when the respondents'
    groups are not the people table's (an anonymous survey's own units)."""
    wave = wave_of(survey, wave)
    if not survey.linked or group_by not in ds.people.columns:
        return None
    day = wave_day(survey, wave)
    if pd.isna(day):
        raise ParameterError("survey and leaving needs the wave's day: name the date: column or wave_dates: in the "
                             "survey's mapping")
    scores = group_scores(survey, group_by, wave, min_group=min_group)
    shown = scores[~scores[privacy.SUPPRESSED]][[group_by, "respondents", "favourable"]]
    table = shown.merge(_leavers(ds, group_by, day, months), on=group_by, how="inner")
    table["turnover"] = table["leavers"] / table["headcount"]
    table = privacy.suppress(table, [group_by], min_group, n_col="headcount", people=ds.people)
    fit_rows = table[~table[privacy.SUPPRESSED]]
    table.attrs["fit"] = weighted_fit(fit_rows["favourable"], fit_rows["turnover"], fit_rows["headcount"])
    seen = (pd.Timestamp(ds.as_of) - day).days / 30.4375 if ds.as_of is not None else np.nan
    table.attrs["months_seen"] = float(min(seen, months))
    table.attrs["wave"] = wave
    return table


def engagement_hazard(survey: Responses, ds: Dataset, wave: str | None = None,
                      min_group: int = privacy.MIN_GROUP) -> dict | None:
    """A linked survey's Cox model of time to leaving after the wave's day on each
    respondent's engagement index: the hazard ratio per index point with its interval, the
    respondents and leavers counted; None for an anonymous survey."""
    from lifelines import CoxPHFitter

    if not survey.linked:
        return None
    wave = wave_of(survey, wave)
    day = wave_day(survey, wave)
    score = index_scores(survey, wave, survey.index_items).rename("index")
    p = ds.people.assign(_key=ds.people["employee_id"].astype(str))
    p = p[employed_on(p, day).to_numpy()].drop_duplicates("_key", keep="last").set_index("_key")
    both = p.join(score.rename_axis("_key").rename(index=str), how="inner").dropna(subset=["index"])
    end = both["exit_date"].fillna(pd.Timestamp(ds.as_of)).clip(upper=pd.Timestamp(ds.as_of))
    frame = pd.DataFrame({"days": (end - day).dt.days.clip(lower=1), "left": both["exit_date"].notna()
                          & (both["exit_date"] <= pd.Timestamp(ds.as_of)), "index": both["index"]})
    if len(frame) < min_group or frame["left"].sum() < min_group:
        return {"respondents": len(frame), "leavers": int(frame["left"].sum()), "hazard_ratio": np.nan,
                "hr_lo": np.nan, "hr_hi": np.nan, "p": np.nan}
    cph = CoxPHFitter().fit(frame.astype(float), "days", "left")
    s = cph.summary.loc["index"]
    return {"respondents": len(frame), "leavers": int(frame["left"].sum()), "hazard_ratio": float(s["exp(coef)"]),
            "hr_lo": float(s["exp(coef) lower 95%"]), "hr_hi": float(s["exp(coef) upper 95%"]), "p": float(s["p"])}
