"""Screening: each attribute on its own, its levels' leaving rates, weight of evidence,
odds ratios and tenure curves; the leaving hazard by tenure band."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.pooling import is_pooled
from ..core.privacy import MIN_GROUP, SUPPRESSED, grouped, mark, suppress
from ..core.stats import Z95, add_proportion, add_rate
from ..spells import km_fitters, level_sizes, logrank_test, visible_levels
from ..tenure import TenureCurves
from ._population import DriverData

BINS = 5  # numbers are screened in quintile bins
FEW_VALUES = 8  # a number with at most this many values is screened by value


def binned(x: pd.Series, kind: str) -> pd.Series:
    """An attribute as screening levels: categories as they are; a number with at most
    :data:`FEW_VALUES` values by value, else in quintile bins labelled by the values they
    hold (``30–39`` for whole numbers; ``lo–hi``, lower end excluded, else), the outer
    two open (``≤ 29``, ``≥ 60``): see :func:`bin_labels`."""
    if kind != "number":
        return x.astype(object) if not isinstance(x.dtype, pd.CategoricalDtype) else x
    values = x.dropna().unique()
    if len(values) <= FEW_VALUES:
        order = sorted(values)
        return pd.Categorical(x.map(lambda v: number_label(v) if pd.notna(v) else "(missing)"),
                              categories=[number_label(v) for v in order] + (["(missing)"] if x.isna().any() else []),
                              ordered=True)
    bins, edges = pd.qcut(x, BINS, duplicates="drop", retbins=True)
    out = bins.cat.rename_categories(bin_labels(edges, x))
    if x.isna().any():
        out = out.cat.add_categories("(missing)").fillna("(missing)")
    return out


def bin_labels(edges, x: pd.Series) -> list[str]:
    """Labels of ``pd.qcut`` bins (right-closed) by the values they hold, with open outer
    edges: the lowest bin is ``≤ its top`` and the highest ``> its bottom`` (``≥`` for
    whole numbers), so no label prints the column's smallest or largest value (the top
    earner's pay, the oldest person's age). Inner edges are quantiles, not one person's."""
    whole = bool((x.dropna() % 1 == 0).all())
    labels = []
    last = len(edges) - 2
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        first = np.floor(lo) + 1 if whole else lo
        top = np.floor(hi) if whole else hi
        if last == 0:
            labels.append("all values")
        elif i == 0:
            labels.append(f"≤ {number_label(top)}")
        elif i == last:
            labels.append(f"≥ {number_label(first)}" if whole else f"> {number_label(lo)}")
        else:
            dash = " to " if min(first, top) < 0 else "–"
            labels.append(number_label(top) if first == top else f"{number_label(first)}{dash}{number_label(top)}")
    return labels


def number_label(v) -> str:
    if not isinstance(v, (int, float, np.integer, np.floating)):
        return str(v)
    x = float(v)
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def woe_iv(leavers, stayers) -> tuple[np.ndarray, float]:
    r"""Weight of evidence per level and the information value of the attribute.

    .. math:: \mathrm{WoE}_i = \ln\frac{d_i / D}{s_i / S}, \qquad
              \mathrm{IV} = \sum_i \left(\frac{d_i}{D} - \frac{s_i}{S}\right)\mathrm{WoE}_i

    with :math:`d_i, s_i` the leavers and stayers at level :math:`i` and :math:`D, S` their
    totals (Siddiqi, *Credit Risk Scorecards*, 2006; vivainsights ``create_IV``). A level
    with no leavers or no stayers gets 0.5 added to both its counts, so its WoE is finite.
    Positive WoE: more leaving than average. IV under 0.02 is not predictive, 0.02–0.1
    weak, 0.1–0.3 medium, 0.3–0.5 strong, above 0.5 suspiciously strong."""
    d = np.asarray(leavers, dtype=float)
    s = np.asarray(stayers, dtype=float)
    zero = (d == 0) | (s == 0)
    d, s = np.where(zero, d + 0.5, d), np.where(zero, s + 0.5, s)
    dist_d, dist_s = d / d.sum(), s / s.sum()
    woe = np.log(dist_d / dist_s)
    return woe, float(((dist_d - dist_s) * woe).sum())


def iv_strength(iv: float) -> str:
    """Siddiqi's reading of an information value."""
    if not np.isfinite(iv):
        return ""
    for bound, word in ((0.02, "not predictive"), (0.1, "weak"), (0.3, "medium"), (0.5, "strong")):
        if iv < bound:
            return word
    return "suspiciously strong"


def odds_ratio(a, b, c, d) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Odds ratio of a 2×2 table (``a`` leavers and ``b`` stayers at a level, ``c`` and ``d``
    at the reference) with Woolf's 95% interval,
    :math:`\exp(\ln OR \pm z\sqrt{1/a + 1/b + 1/c + 1/d})`; 0.5 is added to every cell of a
    table with a zero (Haldane–Anscombe)."""
    a, b, c, d = (np.asarray(v, dtype=float) for v in (a, b, c, d))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(zero, v + 0.5, v) for v in (a, b, c, d))
    log_or = np.log(a * d / (b * c))
    half = Z95 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return np.exp(log_or), np.exp(log_or - half), np.exp(log_or + half)


@dataclass
class Screening:
    """The screening of every attribute: ``table`` (one row an attribute, ranked by
    information value) and ``levels`` (one row a level); both passed the gate with
    ``min_group``."""

    table: pd.DataFrame
    levels: pd.DataFrame
    min_group: int

    def top(self, k: int = 3) -> list[str]:
        """The ``k`` attributes with the highest information value."""
        return self.table["attribute"].head(k).tolist()

    def levels_of(self, k: int = 3) -> pd.DataFrame:
        """The level rows of the ``k`` strongest attributes, strongest first."""
        top = self.top(k)
        rows = self.levels[self.levels["attribute"].isin(top)]
        return rows.iloc[np.argsort([top.index(a) for a in rows["attribute"]], kind="stable")].reset_index(drop=True)

    def standout(self, k: int = 10) -> pd.DataFrame:
        r"""The ``k`` levels, of any attribute, whose odds of leaving differ most from their
        attribute's reference level (largest :math:`|\ln OR|`) with a Woolf interval that
        excludes 1; hidden levels and pooled "Other" levels are never among them. What a
        reader of a many-level attribute (units, ranks) looks for first."""
        t = self.levels[~self.levels[SUPPRESSED] & ~self.levels["reference"]]
        t = t[~is_pooled(t["level"]) & ((t["or_lo"] > 1) | (t["or_hi"] < 1))]
        order = np.argsort(-np.abs(np.log(t["odds_ratio"].to_numpy(dtype=float))), kind="stable")
        return mark(t.iloc[order[:k]].reset_index(drop=True), self.min_group)


@grouped
def screen(data: DriverData, min_group: int = MIN_GROUP) -> Screening:
    """Screen each attribute on its own (see the module notes): per level ``n``, ``leavers``,
    the leaving ``rate`` (Wilson 95%), ``woe``, the ``odds_ratio`` against the largest
    level (Woolf 95%); per attribute its information value (:func:`woe_iv`), the log-rank
    test of tenure by level (spells to ``as_of``) and its strongest shown level. Levels
    under ``min_group`` people are hidden (with complements) and never named as strongest.

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    min_group : int
        Levels with fewer people are hidden, with their complements.

    Returns
    -------
    Screening
        ``table`` (one row an attribute, by information value) and ``levels`` (one row a level).
    """
    y = pd.Series(data.outcome())
    X = data.X[data.window].reset_index(drop=True)
    level_rows, rows = [], []
    people = _people(data)
    for attr in data.attributes:
        levels = pd.Series(binned(X[attr], data.kinds[attr]))
        counts = pd.crosstab(levels, y).reindex(columns=[0, 1], fill_value=0)
        counts = counts[counts.sum(axis=1) > 0]
        t = pd.DataFrame({"attribute": attr, "level": [str(v) for v in counts.index],
                          "n": counts.sum(axis=1).to_numpy(), "leavers": counts[1].to_numpy()})
        add_proportion(t, "rate", "leavers", "n")
        t["woe"], iv = woe_iv(counts[1], counts[0])
        ref = int(np.argmax(t["n"].to_numpy()))
        a, n = t["leavers"].to_numpy(), t["n"].to_numpy()
        t["odds_ratio"], t["or_lo"], t["or_hi"] = odds_ratio(a, n - a, a[ref], n[ref] - a[ref])
        t = suppress(t, ["attribute", "level"], min_group, people=people, column=attr)
        t["reference"] = np.arange(len(t)) == ref  # after the gate: a flag, not a measure to hide
        level_rows.append(t)
        shown = t[~t[SUPPRESSED] & ~t["reference"]]
        strongest = shown.loc[np.abs(np.log(shown["odds_ratio"])).idxmax()] if len(shown) else None
        rows.append({"attribute": attr, "kind": data.kinds[attr], "levels": len(t), "n": int(t["n"].sum()),
                     "information_value": iv, "strength": iv_strength(iv),
                     "logrank_p": _logrank_p(data, attr, min_group),
                     "strongest_level": None if strongest is None else strongest["level"],
                     "vs_level": t.loc[ref, "level"] if not t.loc[ref, SUPPRESSED] else None,
                     "odds_ratio": np.nan if strongest is None else strongest["odds_ratio"],
                     "or_lo": np.nan if strongest is None else strongest["or_lo"],
                     "or_hi": np.nan if strongest is None else strongest["or_hi"]})
    table = pd.DataFrame(rows).sort_values("information_value", ascending=False, kind="stable").reset_index(drop=True)
    levels = pd.concat(level_rows, ignore_index=True)
    return Screening(mark(table, min_group), mark(levels, min_group), min_group)


def from_hire(data: DriverData) -> pd.Series:
    """The spells observed from hire (no delayed entry): those the Kaplan–Meier curves and
    the log-rank tests use, since lifelines' log-rank test has no delayed entry."""
    return data.spells.from_hire()


def _spell_levels(data: DriverData, attr: str, min_group: int) -> tuple[pd.Series, list[str], pd.DataFrame]:
    """The spells observed from hire with their screening level of ``attr`` as text, the
    levels in their order, and the levels' sizes through the one small-group rule of every
    curve and test (:func:`talentkit.spells.level_sizes`)."""
    raw = pd.Series(binned(data.X[attr], data.kinds[attr]), index=data.X.index)
    levels = raw.astype(str)[from_hire(data)]
    if data.kinds[attr] == "number":
        sizes = level_sizes(levels, min_group, attr, not_nested="a number's bands: no grouping of people holds them")
    else:
        sizes = level_sizes(levels, min_group, attr, people=_people(data)[from_hire(data)])
    return levels, [str(v) for v in raw.dropna().unique()], sizes


def _people(data: DriverData) -> pd.DataFrame:
    """The attributes and every column a table may group by, one row a spell."""
    groups = data.groups if data.groups is not None else pd.DataFrame(index=data.X.index)
    return data.X.join(groups.drop(columns=[c for c in groups if c in data.X]))


def _logrank_p(data: DriverData, attr: str, min_group: int) -> float:
    """Log-rank p-value of tenure by the attribute's levels that the gate shows, on the
    spells observed from hire."""
    levels, _, sizes = _spell_levels(data, attr, min_group)
    hired = from_hire(data)
    return logrank_test(data.months[hired], data.left[hired], levels, visible_levels(sizes))[2]


@grouped
def km_by(data: DriverData, attribute: str, min_group: int = MIN_GROUP, max_groups: int = 6) -> TenureCurves:
    """Kaplan–Meier tenure curves by an attribute's screening levels (the spells observed
    from hire, :func:`from_hire`), for the levels the gate shows; a level list longer than
    ``max_groups`` keeps the largest.

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    attribute : str
        One of ``data.attributes``.
    min_group : int
        Levels with fewer spells are hidden, with their complements.
    max_groups : int
        The most curves drawn.

    Returns
    -------
    TenureCurves
        A fitted lifelines ``KaplanMeierFitter`` per level shown and every level's size.
    """
    levels, order, sizes = _spell_levels(data, attribute, min_group)
    shown = sizes[~sizes[SUPPRESSED]].sort_values("n", ascending=False, kind="stable")[attribute].head(max_groups)
    shown = sorted(shown, key=lambda v: order.index(v) if v in order else len(order))
    hired = from_hire(data)
    return TenureCurves(km_fitters(data.months[hired], data.left[hired], levels, shown), sizes, min_group, attribute)


def km_top(data: DriverData, screening: Screening, k: int = 2, min_group: int = MIN_GROUP) -> list[TenureCurves]:
    """:func:`km_by` for each of the ``k`` strongest attributes of ``screening``.

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    screening : Screening
        From :func:`screen`: its ``k`` strongest attributes get curves.
    k : int
        How many attributes.
    min_group : int
        Levels with fewer spells are hidden, with their complements.

    Returns
    -------
    list of TenureCurves
        One per attribute, strongest first.
    """
    return [km_by(data, attribute, min_group=min_group) for attribute in screening.top(k)]


@grouped
def hazard_by_tenure(data: DriverData, bands_months=(0, 12, 36, 60, 120), min_group: int = MIN_GROUP) -> pd.DataFrame:
    r"""The leaving hazard by tenure band: leavers in the band over the person-years spent in
    it, :math:`h_b = d_b / E_b` (a year = 12 months), with its exact Poisson 95% interval.
    A spell counts from its ``entry`` (delayed entry) to its end; ``n`` is the people
    observed for some time in the band.

    Parameters
    ----------
    data : DriverData
        From :func:`prepare`.
    bands_months : sequence of int
        The bands' lower edges in months; the last band is open.
    min_group : int
        Bands observed for fewer people are hidden.

    Returns
    -------
    DataFrame
        Per band ``tenure``, ``n``, ``leavers``, ``person_years``, ``hazard`` with
        ``hazard_lo`` and ``hazard_hi``.
    """
    edges = list(bands_months) + [np.inf]
    months, left, entry = data.months.to_numpy(), data.left.to_numpy(), data.entry.to_numpy()
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        exposure = np.clip(np.minimum(months, hi) - np.maximum(entry, lo), 0, None)
        rows.append({"tenure": f"{lo / 12:g}–{hi / 12:g} years" if np.isfinite(hi) else f"{lo / 12:g}+ years",
                     "n": int((exposure > 0).sum()), "leavers": int((left & (months > lo) & (months <= hi)).sum()),
                     "person_years": float(exposure.sum() / 12)})
    t = pd.DataFrame(rows)
    add_rate(t, "hazard", "leavers", "person_years")
    return suppress(t, ["tenure"], min_group, not_nested="bands of tenure: no grouping of people holds them")
