"""Risk by group and fairness of flight-risk flags; the highest-risk people, as pseudonyms,
only when asked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import ParameterError
from ..core.privacy import MIN_GROUP, SUPPRESSED, grouped, mark, not_personal, pseudonym, suppress
from ..core.stats import percentile_bootstrap
from ._population import DriverData
from ._prediction import ModelComparison
from ._screening import bin_labels


def _group_values(data: DriverData, column: str) -> pd.Series:
    """The window's rows' values of ``column`` (an attribute, or any column a table may group
    by) as groups, a number in quartile bands."""
    others = data.groups if data.groups is not None else pd.DataFrame(index=data.X.index)
    if column not in data.X.columns and column not in others.columns:
        raise ParameterError(f"cannot group by {column!r}: not a people column of this data; choose from "
                             f"{', '.join(dict.fromkeys([*data.attributes, *others.columns]))}")
    source = data.X if column in data.X.columns else others
    x = source.loc[data.window, column].reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        bands, edges = pd.qcut(x, 4, duplicates="drop", retbins=True)
        x = bands.cat.rename_categories(bin_labels(edges, x))
    return x.astype(object).astype(str)


@grouped
def risk_by_group(result: ModelComparison, data: DriverData, group_by: str, model: str | None = None,
                  min_group: int = MIN_GROUP) -> pd.DataFrame:
    """Per group of the window's people: ``n``, ``leavers`` (observed), ``expected`` (the sum
    of out-of-fold risks of the best model, or ``model``), ``mean_risk`` and
    ``observed_over_expected``. A model calibrated for everyone can be off for a group: this
    ratio shows it.

    Parameters
    ----------
    result : ModelComparison
        From :func:`compare_models`.
    data : DriverData
        The same :func:`prepare` result.
    group_by : str
        A people column (an attribute or any group column).
    model : str, optional
        Default the best model.
    min_group : int
        Groups with fewer people are hidden, with their complements and across nestings.

    Returns
    -------
    DataFrame
        Per group ``n``, ``leavers``, ``expected``, ``mean_risk``, ``observed_over_expected``.
    """
    g = _group_values(data, group_by)
    risk = result.risk[model or result.best]
    t = pd.DataFrame({group_by: g, "left": result.y, "risk": risk}).groupby(group_by, sort=True).agg(
        n=("left", "size"), leavers=("left", "sum"), expected=("risk", "sum"), mean_risk=("risk", "mean"))
    t = t.reset_index()
    t["observed_over_expected"] = t["leavers"] / t["expected"]
    return suppress(t, [group_by], min_group, people=data.groups)


@grouped
def fairness(result: ModelComparison, data: DriverData, protected: str, model: str | None = None,
             flag_share: float | None = None, n_boot: int = 1000, seed: int = 0,
             min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""Flight-risk flags and leaving by a protected attribute.

    A person is *flagged* when their out-of-fold risk is among the highest ``flag_share`` of
    the window (default: the share who actually left). Per group: ``n``, ``leaving_rate``,
    ``flag_rate``, ``mean_risk``; and each rate's ratio to the group with the highest flag
    rate (``flag_ratio``, ``leaving_ratio``) with 95% bootstrap percentile intervals
    (``n_boot`` resamples of people). ``four_fifths`` marks a flag ratio under 0.8: the US
    EEOC's rule of thumb for adverse impact (29 CFR 1607.4 D), a screening convention, not a
    statistical test, and for flight risk the flag can be a benefit (a retention offer) or a
    harm. Groups under ``min_group`` are hidden and take no part in the ratios.

    Parameters
    ----------
    result, data : ModelComparison, DriverData
        From :func:`compare_models`, and the :func:`prepare` result it was fitted on.
    protected : str
        The people column to compare groups by.
    model : str, optional
        Whose flags: default the best model.
    flag_share : float, optional
        The share flagged; default the share who left.
    n_boot, seed : int
        Bootstrap resamples and their seed (:func:`talentkit.core.stats.percentile_bootstrap`).
    min_group : int
        Groups with fewer people are hidden and take no part in the ratios.

    Returns
    -------
    DataFrame
        Per group the rates, their ratios to the reference with intervals, ``four_fifths``.
    """
    g = _group_values(data, protected)
    risk = result.risk[model or result.best].to_numpy()
    share = result.base_rate if flag_share is None else float(flag_share)
    if not 0 < share < 1:
        raise ParameterError(f"flag_share must be between 0 and 1, not {flag_share!r}")
    flagged = risk >= np.quantile(risk, 1 - share)
    t = pd.DataFrame({protected: g, "left": result.y, "flagged": flagged, "risk": risk}).groupby(
        protected, sort=True).agg(n=("left", "size"), leavers=("left", "sum"), flagged=("flagged", "sum"),
                                  mean_risk=("risk", "mean")).reset_index()
    t = t.assign(leaving_rate=t["leavers"] / t["n"], flag_rate=t["flagged"] / t["n"])
    t = suppress(t, [protected], min_group, people=data.groups)
    shown = t.loc[~t[SUPPRESSED], protected].tolist()
    for col in ("flag_ratio", "flag_ratio_lo", "flag_ratio_hi", "leaving_ratio", "leaving_ratio_lo",
                "leaving_ratio_hi"):
        t[col] = np.nan
    t["four_fifths"] = False
    if len(shown) >= 2:
        ref = t.loc[~t[SUPPRESSED]].sort_values("flag_rate", ascending=False, kind="stable")[protected].iloc[0]
        t["reference"] = t[protected] == ref
        code = pd.Categorical(g, categories=shown).codes  # -1: a hidden group
        keep = code >= 0
        code, left, flag = code[keep], result.y[keep].astype(float), flagged[keep].astype(float)
        ref_code = shown.index(ref)
        n_shown = len(shown)

        def ratios(i):  # both rates' ratios to the reference group, in one resample of people
            n = np.bincount(code[i], minlength=n_shown).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.bincount(code[i], flag[i], n_shown) / n
                lv = np.bincount(code[i], left[i], n_shown) / n
                return np.concatenate([f / f[ref_code], lv / lv[ref_code]])

        lo_all, hi_all, _ = percentile_bootstrap(ratios, len(code), n_boot, seed)
        at = t[protected].map({v: j for j, v in enumerate(shown)})
        ref_row = t.loc[t["reference"]].iloc[0]
        for part, (name, rate) in enumerate((("flag_ratio", "flag_rate"), ("leaving_ratio", "leaving_rate"))):
            with np.errstate(divide="ignore", invalid="ignore"):
                t[name] = np.where(t[SUPPRESSED], np.nan, t[rate] / ref_row[rate])
            part_of = slice(part * n_shown, (part + 1) * n_shown)
            lo, hi = lo_all[part_of], hi_all[part_of]
            t[f"{name}_lo"] = at.map(lambda j, lo=lo: lo[int(j)] if pd.notna(j) else np.nan)
            t[f"{name}_hi"] = at.map(lambda j, hi=hi: hi[int(j)] if pd.notna(j) else np.nan)
        t["four_fifths"] = ~t[SUPPRESSED] & (t["flag_ratio"] < 0.8)
    return mark(t, min_group)


def highest_risk(result: ModelComparison, data: DriverData, k: int = 20, show_ids: bool = False,
                 salt: str | None = None) -> pd.DataFrame | None:
    """The ``k`` people of the window with the highest out-of-fold risk, as pseudonyms, only
    when ``show_ids`` (else ``None``); never for an export without ids (its row numbers
    would mean nothing and could identify a line of the file).

    Parameters
    ----------
    result, data : ModelComparison, DriverData
        From :func:`compare_models`, and the :func:`prepare` result it was fitted on.
    k : int
        How many people.
    show_ids : bool
        Nothing is returned unless set.
    salt : str, optional
        The pseudonyms' salt (default the user's, :func:`talentkit.core.privacy.pseudonym`).

    Returns
    -------
    DataFrame or None
        ``person`` (a pseudonym), ``risk``, ``left``.
    """
    if not show_ids or data.generated_ids:
        return None
    ids = data.ids[data.window].reset_index(drop=True)
    risk = result.risk[result.best]
    top = risk.sort_values(ascending=False, kind="stable").head(k).index
    return not_personal(pd.DataFrame({"person": pseudonym(ids[top], salt).to_numpy(), "risk": risk[top].to_numpy(),
                                      "left": result.y[top].astype(bool)}),
                        "people as pseudonyms, shown because show_ids is set")
